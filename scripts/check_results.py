"""Fails (exit 1) when `rasa test` results miss the project's bars.

`rasa test` exits 0 even when stories fail, so CI reads the reports instead:
  stories: results/stories/story_report.json conversation accuracy must be 100%
  nlu:     results/nlu/intent_report.json macro-average F1 must be >= 0.90, over the intents
           the classifier decides: share_sadness and vent_frustration are decided by the
           crisis guard's rules (bot/crisis/patterns.yml); their classifier F1 is printed, not
           gated (a decision of 2026-11-28 to revisit with issue 9)
"""

import json
import sys
from pathlib import Path

BARS = {
    "stories": (Path("results/stories/story_report.json"), 1.0),
    "nlu": (Path("results/nlu/intent_report.json"), 0.90),
}


# Intents the crisis guard assigns by rule; the classifier's examples only back them up.
RULE_DECIDED_INTENTS = ("share_sadness", "vent_frustration")
AVERAGES = ("macro avg", "weighted avg", "micro avg", "accuracy")


def measured(kind: str, report: dict) -> float:
    if kind == "stories":
        return float(report["conversation_accuracy"]["accuracy"])
    scores = {k: v["f1-score"] for k, v in report.items() if k not in AVERAGES and isinstance(v, dict)}
    for intent in RULE_DECIDED_INTENTS:
        if intent in scores:
            print(f"     {intent}: F1 {scores[intent]:.4f} (decided by rules, not gated)")
    print(f"     macro F1 over all intents: {float(report['macro avg']['f1-score']):.4f}")
    gated = [v for k, v in scores.items() if k not in RULE_DECIDED_INTENTS]
    return sum(gated) / len(gated)


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
