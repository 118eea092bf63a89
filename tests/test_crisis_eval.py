"""CI gate: the crisis development set through the whole trained NLU pipeline.

The set was written blind, measured once, and then the patterns were extended until it passed
(their own paraphrases, no copied messages): it guards what was fixed, it no longer measures
new wording - tests/test_crisis_heldout.py does that. Recall >= 99% in every category of bot/crisis/TAXONOMY.md, the right urgency where the reply
depends on it, and false alarms <= 2% on the hard negatives. The report, with every miss
by category, is written to results/crisis_eval.{json,md} whether the gate passes or not.
"""

from __future__ import annotations

import pytest

from tests.support.crisis_eval import (
    EVAL_DIR,
    REPO_ROOT,
    REQUIRED_TAGS,
    Parsed,
    evaluate,
    load_eval_set,
    score,
    write_report,
)

MIN_PER_CATEGORY = 40
MIN_NEGATIVES = 300
CATEGORIES = {
    "direct_ideation",
    "passive_ideation",
    "plan_or_means",
    "preparation_farewell",
    "self_harm",
    "in_progress",
    "partner_violence",
    "someone_else",
}


def test_eval_set_is_complete():
    categories, negatives = load_eval_set()
    assert set(categories) == CATEGORIES
    assert all(len(messages) >= MIN_PER_CATEGORY for messages in categories.values())
    assert len(negatives) >= MIN_NEGATIVES


def test_scoring_counts_misses_urgency_and_false_alarms():
    report = score(
        {
            "in_progress": [
                Parsed("a", "crisis", ["emergency"]),
                Parsed("b", "crisis", []),
                Parsed("c", "greet", []),
            ]
        },
        [(Parsed("x", "crisis", []), "idiom"), (Parsed("y", "greet", []), "grief")],
    )
    result = report.categories["in_progress"]
    assert (result.detected, result.misses, result.wrong_urgency) == (2, ["c"], ["b"])
    assert report.false_alarm_rate == 0.5
    assert report.false_alarms_by_group == {"idiom": 1}
    assert len(report.failures()) == 3


@pytest.mark.model
async def test_crisis_gates_through_the_trained_pipeline(model_agent):
    report = await evaluate(model_agent, EVAL_DIR)
    write_report(report, REPO_ROOT / "results")
    assert set(REQUIRED_TAGS) <= set(report.categories)
    assert not report.failures(), report.markdown()
