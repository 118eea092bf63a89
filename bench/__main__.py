"""``python -m bench``: train, serve and load our assistant and the stock ``rasa init`` bot.

Writes results/bench.json and results/bench.md and prints the Markdown table.
Run from the repository root; see bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, ContextManager, Mapping, Optional, Sequence

import rasa

from bench import paths, report
from bench.load import run_load
from bench.procstats import cpu_seconds, load_average, peak_rss_mib
from bench.registry import fake_registry
from bench.servers import Served, init_stock, serve_ours, serve_stock, train_ours
from tests.support.stack import REPO_ROOT


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20, help="concurrent simulated users")
    parser.add_argument("--duration", type=float, default=45.0,
                        help="seconds of load per bot (upper bound)")
    parser.add_argument("--max-messages", type=int, default=3000,
                        help="messages per bot (upper bound)")
    parser.add_argument("--config", type=Path, default=REPO_ROOT / "config.yml",
                        help="our training config (default config.yml)")
    parser.add_argument("--model", type=Path,
                        help="serve this trained model of ours instead of training one "
                             "(training time is then not measured)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results",
                        help="folder for bench.json and bench.md")
    parser.add_argument("--registry-delay-ms", type=float, default=300.0,
                        help="how long the loopback stand-in for the NPI Registry API takes "
                             "to answer each call (bench/registry.py)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (models, logs, stock bot)")
    return parser.parse_args(argv)


def measure(serve: Callable[[], ContextManager[Served]], load_paths: Mapping[str, list[str]],
            args: argparse.Namespace) -> dict[str, Any]:
    """Start one bot, drive it, and collect its figures while it still runs."""
    with serve() as served:
        pids = {"rasa": served.rasa_pid, "action": served.action_pid}
        load_before = load_average()
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items() if pid}
        result = asyncio.run(run_load(served.url, load_paths, users=args.users,
                                      duration=args.duration, max_messages=args.max_messages))
        figures = report.load_figures(result)
        figures["load_average_before"] = round(load_before, 2)
        for name, before in cpu_before.items():
            figures[f"{name}_cpu_ms_per_msg"] = round(
                (cpu_seconds(pids[name]) - before) * 1000 / max(1, figures["messages"]), 1)
        figures["startup_s"] = round(served.startup_seconds, 1)
        figures["rasa_peak_rss_mib"] = round(peak_rss_mib(served.rasa_pid))
        figures["action_peak_rss_mib"] = (round(peak_rss_mib(served.action_pid))
                                          if served.action_pid else None)
    return figures


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    print(f"==> working in {workdir}")
    try:
        if args.model:
            model, ours_training = args.model.resolve(), None
        else:
            print(f"==> training our assistant ({args.config})")
            model, ours_training = train_ours(workdir, args.config.resolve())
        print("==> generating and training the stock bot (rasa init --no-prompt)")
        project, stock_model, stock_training = init_stock(workdir)

        print("==> serving and loading the stock bot")
        stock = measure(lambda: serve_stock(project, stock_model), paths.STOCK, args)
        stock["training_s"] = round(stock_training, 1)
        print("==> serving and loading our assistant")
        with fake_registry(args.registry_delay_ms / 1000) as registry_url:
            registry_env = {"NPI_REGISTRY_URL": registry_url, "NPI_REGISTRY_CACHE_DIR": "off"}
            ours = measure(lambda: serve_ours(workdir, model, env=registry_env), paths.OURS, args)
        ours["training_s"] = round(ours_training, 1) if ours_training is not None else None
    finally:
        if args.keep:
            print(f"==> kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    results = {
        "machine": f"{os.cpu_count()} CPU cores, Python {platform.python_version()}, "
                   f"rasa {rasa.__version__}",
        "load": {"users": args.users, "duration_s": args.duration,
                 "max_messages": args.max_messages, "registry_delay_ms": args.registry_delay_ms},
        "config": str(args.config),
        "ours": ours,
        "stock": stock,
        "ratios": {key: report.ratio(ours.get(key), stock.get(key))
                   for key, _, _ in report.FIGURES},
    }
    results["targets"] = report.targets(ours, stock)
    json_path, md_path = report.write(results, args.out)
    print(report.markdown(results))
    print(f"==> wrote {json_path} and {md_path}")


if __name__ == "__main__":
    main()
