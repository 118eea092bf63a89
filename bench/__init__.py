"""Benchmark harness: our assistant against the stock ``rasa init`` bot (see bench/README.md)."""
