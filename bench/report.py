"""Figures from a load run, ratios ours/stock, the targets, and the JSON/Markdown output."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from bench.load import LoadResult, Sample
from bench.paths import CHECK_IN_PATH, CRISIS_MESSAGE, CRISIS_PATH

# Issue 11's goals: ours / stock at most this at p50, p95 and p99, at least this throughput.
LATENCY_RATIO_GOAL = 0.8
THROUGHPUT_RATIO_GOAL = 1.25
# "No worse than today": the run (start-up s, training s, Rasa peak RSS MiB).
STARTUP_S_BEFORE, TRAINING_S_BEFORE, RSS_MIB_BEFORE = 13.7, 39.0, 854

# (key, label, unit); every figure is "lower is better" except messages per second.
FIGURES = [
    ("p50_ms", "latency p50", "ms"),
    ("p95_ms", "latency p95", "ms"),
    ("p99_ms", "latency p99", "ms"),
    ("msgs_per_s", "throughput", "msg/s"),
    ("errors", "errors", ""),
    ("messages", "messages sent", ""),
    ("rasa_cpu_ms_per_msg", "Rasa server CPU per message", "ms"),
    ("action_cpu_ms_per_msg", "action server CPU per message", "ms"),
    ("rasa_peak_rss_mib", "Rasa server peak RSS", "MiB"),
    ("action_peak_rss_mib", "action server peak RSS", "MiB"),
    ("startup_s", "start-up (process start to first reply)", "s"),
    ("training_s", "training", "s"),
]


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values`` (nan when empty)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _p50_by(result: LoadResult, key: Callable[[Sample], str]) -> dict[str, float]:
    """p50 (ms) of the successful messages grouped by ``key``."""
    groups: dict[str, list[float]] = defaultdict(list)
    for sample in result.samples:
        if not sample.error:
            groups[key(sample)].append(sample.seconds * 1000)
    return {name: round(percentile(values, 0.50), 1) for name, values in sorted(groups.items())}


def load_figures(result: LoadResult) -> dict[str, Any]:
    """Latency percentiles (successful messages), throughput and errors of one run."""
    ok = [sample.seconds * 1000 for sample in result.samples if not sample.error]
    errors = Counter(sample.error for sample in result.samples if sample.error)
    return {
        "messages": len(result.samples),
        "conversations": result.conversations,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "p50_ms": round(percentile(ok, 0.50), 1),
        "p95_ms": round(percentile(ok, 0.95), 1),
        "p99_ms": round(percentile(ok, 0.99), 1),
        "msgs_per_s": round(len(result.samples) / result.wall_seconds, 2),
        "load_seconds": round(result.wall_seconds, 1),
        "p50_ms_by_path": _p50_by(result, lambda sample: sample.path),
        "p50_ms_by_message": _p50_by(result, lambda sample: f"{sample.path}: {sample.text}"),
    }


def ratio(ours: Optional[float], stock: Optional[float]) -> Optional[float]:
    if ours is None or stock in (None, 0) or any(map(math.isnan, (ours, stock))):
        return None
    return round(ours / stock, 2)


def targets(ours: dict[str, Any], stock: dict[str, Any]) -> dict[str, bool]:
    """Issue 11's goals, each met or not (training only when it was measured)."""
    met = {
        f"p{n} <= {LATENCY_RATIO_GOAL:g}x stock": ours[f"p{n}_ms"] <= LATENCY_RATIO_GOAL * stock[f"p{n}_ms"]
        for n in (50, 95, 99)
    }
    by_path = ours["p50_ms_by_path"]
    crisis_turn = ours["p50_ms_by_message"].get(f"{CRISIS_PATH}: {CRISIS_MESSAGE}", math.nan)
    met.update({
        f"throughput >= {THROUGHPUT_RATIO_GOAL:g}x stock":
            ours["msgs_per_s"] >= THROUGHPUT_RATIO_GOAL * stock["msgs_per_s"],
        "no errors": ours["errors"] == 0,
        "crisis path p50 the lowest": by_path.get(CRISIS_PATH, math.inf) == min(by_path.values(), default=0),
        "crisis message p50 under the check-in's": crisis_turn < by_path.get(CHECK_IN_PATH, math.nan),
        f"start-up <= {STARTUP_S_BEFORE:g} s": ours["startup_s"] <= STARTUP_S_BEFORE,
        f"Rasa RSS <= {RSS_MIB_BEFORE} MiB": ours["rasa_peak_rss_mib"] <= RSS_MIB_BEFORE,
    })
    if ours["training_s"] is not None:
        met[f"training <= {TRAINING_S_BEFORE:g} s"] = ours["training_s"] <= TRAINING_S_BEFORE
    return met


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def markdown(results: dict[str, Any]) -> str:
    ours, stock = results["ours"], results["stock"]
    load = results["load"]
    lines = [
        f"Load: {load['users']} concurrent users per bot, at most {load['duration_s']:g} s "
        f"or {load['max_messages']} messages, REST on loopback, one bot at a time; "
        f"NPI Registry stand-in answering in {load.get('registry_delay_ms', 0):g} ms a call, "
        "no cache; "
        f"{results['machine']}; 1-minute load average before the load: ours "
        f"{ours['load_average_before']:g}, stock {stock['load_average_before']:g} "
        "(other work on the machine inflates latency; CPU per message is steadier).",
        "",
        "| figure | ours | stock `rasa init` | ours / stock |",
        "|---|---:|---:|---:|",
    ]
    for key, label, unit in FIGURES:
        name = f"{label} ({unit})" if unit else label
        lines.append(f"| {name} | {_cell(ours.get(key))} | {_cell(stock.get(key))} "
                     f"| {_cell(results['ratios'].get(key))} |")
    lines += ["", "Targets: " + ", ".join(
        f"{name} {'met' if met else 'NOT met'}" for name, met in results["targets"].items()), ""]
    lines += ["p50 by path (ms): ours " + ", ".join(
        f"{path} {value:g}" for path, value in ours["p50_ms_by_path"].items()) + "; stock "
        + ", ".join(f"{path} {value:g}" for path, value in stock["p50_ms_by_path"].items()), ""]
    lines += ["p50 by message (ms), ours: " + "; ".join(
        f"{name} {value:g}" for name, value in ours.get("p50_ms_by_message", {}).items()), ""]
    return "\n".join(lines)


def write(results: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "bench.json", out_dir / "bench.md"
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    md_path.write_text(markdown(results))
    return json_path, md_path
