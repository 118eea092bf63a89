"""The crisis detection on messages nobody tuned it on.

tests/crisis_eval/ was used while the patterns were written, so its gate (test_crisis_eval.py)
measures the development set. The two sets here were written blind by helpers who saw only
bot/crisis/TAXONOMY.md, and were never used to change anything:

- ``crisis_eval_heldout/`` (15 per category, 120 ordinary), written after the patterns were
  final; it was run while the crisis scorer's thresholds were chosen, so it is no longer
  quite untouched;
- ``crisis_eval_heldout2/`` (40 per category, 300 ordinary), written before the scorer was
  trained and run on the final model only (twice: once more after one threshold change).

They show what the detector does on new wording. They do NOT meet the 99% recall of issue 9
(reports: results/crisis_eval_heldout*.md); the floors below are the measured counts less
one message, so that a change which loses warning signs fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest

from tests.support.crisis_eval import REPO_ROOT, evaluate
from tests.support.stack import require_model

HERE = Path(__file__).parent
# set -> (detected per category, measured at the commit that set them, less one; most false alarms)
FLOORS: Dict[str, tuple] = {
    "crisis_eval_heldout": ({
        "direct_ideation": 14, "in_progress": 12, "partner_violence": 12, "passive_ideation": 8,
        "plan_or_means": 13, "preparation_farewell": 13, "self_harm": 9, "someone_else": 13,
    }, 3),  # of 15 each; 2 of 120 false alarms measured
    "crisis_eval_heldout2": ({
        "direct_ideation": 36, "in_progress": 34, "partner_violence": 29, "passive_ideation": 28,
        "plan_or_means": 21, "preparation_farewell": 24, "self_harm": 27, "someone_else": 32,
    }, 8),  # of 40 each; 7 of 300 false alarms measured
}


@pytest.fixture(scope="module")
def agent():
    from rasa.core.agent import Agent

    return Agent.load(str(require_model()))


@pytest.mark.model
@pytest.mark.parametrize("name", sorted(FLOORS))
async def test_heldout_crisis_floors(agent, name):
    min_detected, max_false_alarms = FLOORS[name]
    report = await evaluate(agent, HERE / name)
    out = REPO_ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.md").write_text(report.markdown())
    detected = {category: result.detected for category, result in report.categories.items()}
    assert set(detected) == set(min_detected)
    below = {category: n for category, n in detected.items() if n < min_detected[category]}
    assert not below, report.markdown()
    assert len(report.false_alarms) <= max_false_alarms, report.markdown()
