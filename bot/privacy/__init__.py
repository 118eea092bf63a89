"""Privacy: delete-my-data, retention purge, and log redaction."""
