"""The benchmark report: per-path and per-message medians, and issue 11's targets from them."""

from bench import paths
from bench.load import LoadResult, Sample
from bench.report import load_figures, targets


def run(milliseconds_by_message: dict[tuple[str, str], list[float]], errors: int = 0) -> dict:
    samples = [Sample(path, "s", text, ms / 1000, 1) for (path, text), values in
               milliseconds_by_message.items() for ms in values]
    samples += [Sample("learn", "s", "hi", 9.0, 0, "timeout")] * errors
    return load_figures(LoadResult(samples, wall_seconds=10.0, conversations=1))


CRISIS = (paths.CRISIS_PATH, paths.CRISIS_MESSAGE)
STOCK = run({("happy", "hi"): [1000.0] * 10})
STOCK["msgs_per_s"] = 0.8
BASE = {"startup_s": 10.0, "rasa_peak_rss_mib": 700, "training_s": None}


def test_medians_by_path_and_by_message():
    figures = run({("crisis", "hi"): [300.0, 500.0, 700.0], CRISIS: [100.0, 200.0, 900.0],
                   ("learn", "hi"): [400.0]})
    assert figures["p50_ms_by_path"] == {"crisis": 300.0, "learn": 400.0}
    assert figures["p50_ms_by_message"][f"crisis: {paths.CRISIS_MESSAGE}"] == 200.0
    assert figures["p50_ms_by_message"]["crisis: hi"] == 500.0


def test_all_goals_met():
    ours = {**run({CRISIS: [300.0] * 5, ("assessment", "yes"): [700.0] * 5, ("learn", "hi"): [600.0] * 5}), **BASE}
    assert all(targets(ours, STOCK).values()), targets(ours, STOCK)


def test_each_goal_can_be_missed():
    ours = {**run({CRISIS: [900.0] * 5, ("assessment", "yes"): [700.0] * 5, ("learn", "hi"): [600.0] * 5},
                  errors=1), **BASE, "startup_s": 20.0, "rasa_peak_rss_mib": 900, "training_s": 60.0,
            "msgs_per_s": 0.9}
    missed = {name for name, met in targets(ours, STOCK).items() if not met}
    assert missed == {"no errors", "crisis path p50 the lowest", "crisis message p50 under the check-in's",
                      "p95 <= 0.8x stock", "p99 <= 0.8x stock", "throughput >= 1.25x stock",
                      "start-up <= 13.7 s", "Rasa RSS <= 854 MiB", "training <= 39 s"}
