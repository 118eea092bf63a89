"""Fails (exit 1) when `rasa test` results miss the project's bars.

`rasa test` exits 0 even when stories fail, so CI reads the reports instead:
  stories: results/stories/story_report.json conversation accuracy must be 100%
  nlu:     results/nlu/intent_report.json macro-average F1 must be >= 0.90
"""

import json
import sys
from pathlib import Path

BARS = {
    "stories": (Path("results/stories/story_report.json"), 1.0),
    "nlu": (Path("results/nlu/intent_report.json"), 0.90),
}


def measured(kind: str, report: dict) -> float:
    if kind == "stories":
        return float(report["conversation_accuracy"]["accuracy"])
    return float(report["macro avg"]["f1-score"])


def main(kind: str) -> int:
    path, bar = BARS[kind]
    if not path.exists():
        print(f"FAIL {kind}: {path} was not written", file=sys.stderr)
        return 1
    value = measured(kind, json.loads(path.read_text()))
    ok = value >= bar
    print(f"{'PASS' if ok else 'FAIL'} {kind}: {value:.4f} (bar {bar:.2f}) from {path}")
    if not ok and kind == "stories":
        print(Path("results/stories/failed_test_stories.yml").read_text(), file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
