"""``python -m bench.turns``: Rasa-server CPU per message for each path, A/B, optionally profiled.

Latency on a shared machine is noise; CPU time the Rasa process spends per message is not
(much). For each variant (a set of environment overrides and action-endpoint settings) this
serves our assistant as ``make bench`` does, then, path by path, lets ``--users`` simulated
users walk that path until ``--rounds`` conversations each are done (more for short paths, so
that each path sends at least ``--min-messages``), and reads the CPU time (user + system,
/proc) the Rasa and action servers used meanwhile. Variants are served in turn,
A B A B ... (``--repeat``), so that a change of load on the machine hits both alike.
With ``--profile DIR`` py-spy samples the Rasa process during each path and the script prints
where its busy time went (bench/README.md lists the buckets).

    .venv/bin/python -m bench.turns --model models/current.tar.gz \\
        --variant stock BOT_RASA_PATCHES=off action.enable_selective_domain=false \\
        --variant ours --repeat 2 --profile results/profiles
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

import yaml

from bench import paths
from bench.load import run_load
from bench.procstats import cpu_seconds
from bench.servers import repo_endpoints, serve_ours
from tests.support.stack import REPO_ROOT

# Our paths plus the crisis message on its own (the turn that must be fastest).
PATHS: dict[str, list[str]] = {**paths.OURS, "crisis_turn": ["I want to kill myself"]}

# Where a busy sample of the Rasa process is counted: the first bucket (in this order) with
# a frame whose "function (file" starts with one of the prefixes. Nested work is counted in
# its own bucket: action-response validation is not counted again under the action call.
BUCKETS: list[tuple[str, tuple[str, ...]]] = [
    ("action response validation (jsonschema)",
     ("_validate_action_result ", "validate_action_result ")),
    ("action request body (tracker state + domain)", ("_action_call_format ",)),
    ("action HTTP round trip (aiohttp)", ("request (rasa/utils/endpoints.py",)),
    ("tracker load and replay (SQL + events)",
     ("fetch_tracker_and_update_session ", "fetch_tracker_with_initial_session ",
      "get_tracker (rasa/core/processor.py")),
    ("tracker save (SQL)", ("save_tracker ",)),
    ("NLU (parse_message)", ("parse_message (rasa/core/processor.py",)),
    ("policies (predict next action)", ("_predict_next_with_tracker ",)),
    ("other actions and side effects", ("_run_action (rasa/core/processor.py",)),
    ("HTTP server, channel and event loop (rest)", ("",)),
]


@dataclass
class Variant:
    """A named configuration: environment overrides and action-endpoint settings."""

    name: str
    env: dict[str, str] = field(default_factory=dict)
    action_endpoint: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, words: Sequence[str]) -> "Variant":
        variant = cls(words[0])
        for word in words[1:]:
            key, _, value = word.partition("=")
            if key.startswith("action."):
                variant.action_endpoint[key.removeprefix("action.")] = yaml.safe_load(value)
            else:
                variant.env[key] = value
        return variant


def bucket_of(stack: Sequence[str]) -> str:
    """The first bucket with a frame of ``stack`` (root first) in it."""
    for name, prefixes in BUCKETS:
        if any(frame.startswith(prefixes) for frame in stack):
            return name
    return BUCKETS[-1][0]


def profile_shares(raw: Path) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """Bucket shares and the five costliest leaf functions of a py-spy ``--format raw`` file."""
    buckets: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not stack_text or not count_text.isdigit():
            continue
        count = int(count_text)
        # Frames look like "function (path/file.py:line)"; paths made package-relative.
        frames = [_package_relative(frame) for frame in stack_text.split(";")]
        buckets[bucket_of(frames)] += count
        leaves[frames[-1].rsplit(":", 1)[0] + ")"] += count
        total += count
    total = max(total, 1)
    return ({name: round(100 * buckets[name] / total, 1) for name, _ in BUCKETS},
            [(name, round(100 * count / total, 1)) for name, count in leaves.most_common(5)])


def _package_relative(frame: str) -> str:
    function, _, location = frame.partition(" (")
    if "site-packages/" in location:
        location = location.split("site-packages/", 1)[1]
    elif str(REPO_ROOT) in location:
        location = location.split(str(REPO_ROOT) + "/", 1)[1]
    return f"{function} ({location}" if location else function


def start_profiler(pid: int, out: Path) -> subprocess.Popen:
    py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if not py_spy:
        raise SystemExit("py-spy is not installed: .venv/bin/pip install 'py-spy==0.4.0'")
    return subprocess.Popen([py_spy, "record", "--pid", str(pid), "--format", "raw",
                             "--rate", "250", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure_variant(variant: Variant, model: Path, args: argparse.Namespace,
                    run_index: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"turns-{variant.name}-"))
    endpoints = repo_endpoints()
    endpoints["action_endpoint"] = {**endpoints.get("action_endpoint", {}),
                                    **variant.action_endpoint}
    results: dict[str, Any] = {"variant": variant.name, "run": run_index, "paths": {}}
    try:
        with serve_ours(workdir, model, endpoints=endpoints, env=variant.env) as served:
            for name, texts in PATHS.items():
                if args.paths and name not in args.paths:
                    continue
                rounds = max(args.rounds, math.ceil(args.min_messages / (args.users * len(texts))))
                messages = args.users * rounds * len(texts)
                profiler = None
                if args.profile:
                    args.profile.mkdir(parents=True, exist_ok=True)
                    raw = args.profile / f"{variant.name}-{run_index}-{name}.txt"
                    profiler = start_profiler(served.rasa_pid, raw)
                rasa_before = cpu_seconds(served.rasa_pid)
                action_before = cpu_seconds(served.action_pid)
                load = asyncio.run(run_load(served.url, {name: texts}, users=args.users,
                                            duration=3600, max_messages=messages))
                rasa_cpu = cpu_seconds(served.rasa_pid) - rasa_before
                action_cpu = cpu_seconds(served.action_pid) - action_before
                if profiler:
                    profiler.send_signal(signal.SIGINT)
                    profiler.wait(timeout=60)
                errors = [sample.error for sample in load.samples if sample.error]
                figures = {
                    "messages": len(load.samples),
                    "errors": len(errors),
                    "rasa_cpu_ms_per_msg": round(1000 * rasa_cpu / len(load.samples), 2),
                    "action_cpu_ms_per_msg": round(1000 * action_cpu / len(load.samples), 2),
                    "p50_ms": round(1000 * statistics.median(
                        sample.seconds for sample in load.samples), 1),
                }
                if profiler:
                    figures["profile"], figures["top_leaves"] = profile_shares(raw)
                results["paths"][name] = figures
                print(json.dumps({"variant": variant.name, "run": run_index, "path": name,
                                  **figures}), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def summarise(runs: list[dict[str, Any]]) -> str:
    """Markdown: median Rasa CPU ms per message, by path and variant."""
    variants = list(dict.fromkeys(run["variant"] for run in runs))
    names = list(dict.fromkeys(name for run in runs for name in run["paths"]))
    lines = ["| path | " + " | ".join(variants) + " |",
             "|---|" + "---:|" * len(variants)]
    for name in names:
        cells = []
        for variant in variants:
            values = [run["paths"][name]["rasa_cpu_ms_per_msg"] for run in runs
                      if run["variant"] == variant and name in run["paths"]]
            cells.append(f"{statistics.median(values):.1f} ({', '.join(map(str, values))})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.turns", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=REPO_ROOT / "models" / "current.tar.gz")
    parser.add_argument("--variant", nargs="+", action="append", metavar="NAME [KEY=VALUE]",
                        help="a name, then env overrides and action.<key>=<yaml> settings")
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5, help="conversations per user and path")
    parser.add_argument("--min-messages", type=int, default=100,
                        help="more rounds for short paths, up to this many messages")
    parser.add_argument("--repeat", type=int, default=1, help="A B A B ... this many times")
    parser.add_argument("--paths", nargs="*", help="only these paths (default all)")
    parser.add_argument("--profile", type=Path, help="folder for py-spy profiles")
    parser.add_argument("--out", type=Path, help="write all figures to this JSON file")
    args = parser.parse_args(argv)
    variants = [Variant.parse(words) for words in (args.variant or [["repo"]])]
    runs = [measure_variant(variant, args.model.resolve(), args, index)
            for index in range(args.repeat) for variant in variants]
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(runs, indent=2))
    print(summarise(runs))


if __name__ == "__main__":
    main()
