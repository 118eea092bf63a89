"""Figures from a load run, ratios ours/stock, the targets, and the JSON/Markdown output."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any, Optional, Sequence

from bench.load import LoadResult

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
        "p50_ms_by_path": {
            path: round(percentile([s.seconds * 1000 for s in result.samples
                                    if s.path == path and not s.error], 0.50), 1)
            for path in sorted({sample.path for sample in result.samples})
        },
    }


def ratio(ours: Optional[float], stock: Optional[float]) -> Optional[float]:
    if ours is None or stock in (None, 0) or any(map(math.isnan, (ours, stock))):
        return None
    return round(ours / stock, 2)


def targets(ours: dict[str, Any], stock: dict[str, Any]) -> dict[str, bool]:
    """The issue's targets, each met or not (training only when it was measured)."""
    met = {
        "p50 <= stock": ours["p50_ms"] <= stock["p50_ms"],
        "p95 <= stock": ours["p95_ms"] <= stock["p95_ms"],
        "start-up < 20 s": ours["startup_s"] < 20,
        "Rasa RSS < 1 GB": ours["rasa_peak_rss_mib"] < 1024,
    }
    if ours["training_s"] is not None:
        met["training < 3 min"] = ours["training_s"] < 180
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
    return "\n".join(lines)


def write(results: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "bench.json", out_dir / "bench.md"
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    md_path.write_text(markdown(results))
    return json_path, md_path
