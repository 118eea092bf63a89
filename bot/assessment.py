"""Scoring of the partner-reaction check-in.

The check-in (``assessment_form``) asks how the partner reacts when feelings come up. Each
answer can point to one of two dimensions:

* ``identify``: difficulty identifying or describing feelings (alexithymia-like, "Jamie"),
* ``avoid``: avoidance of emotional closeness (emotional-unavailability-like, "Alex").

The weights, evidence phrases and thresholds live in ``assessment.yml`` beside this module,
so the content can change without touching the logic. This is a reflection aid, never a
diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional

import yaml

SCORING_FILE = Path(__file__).with_name("assessment.yml")

IDENTIFY = "identify"
AVOID = "avoid"
UNSURE = "unsure"

ALEXITHYMIA_LIKE = "alexithymia_like"
UNAVAILABILITY_LIKE = "unavailability_like"
MIXED = "mixed"
UNCLEAR = "unclear"
PATTERNS = (ALEXITHYMIA_LIKE, UNAVAILABILITY_LIKE, MIXED, UNCLEAR)


@dataclass(frozen=True)
class Answer:
    """What one answer value means: which dimension, how much, and how to name it."""

    dimension: str
    weight: int
    evidence: str


@dataclass(frozen=True)
class ScoringTable:
    """The questions, what each answer means, and the decision thresholds."""

    questions: Dict[str, Dict[str, Answer]]
    no_evidence: str
    minimum_share: float
    lead_margin: float
    both_share: float
    max_unsure_share: float

    def maximum(self, dimension: str) -> int:
        """The highest score a dimension can reach (best answer to every question)."""
        return sum(
            max(
                (a.weight for a in answers.values() if a.dimension == dimension),
                default=0,
            )
            for answers in self.questions.values()
        )


@dataclass(frozen=True)
class AssessmentResult:
    """The outcome of scoring a completed check-in."""

    pattern: str
    identify_share: float
    avoid_share: float
    identify_evidence: List[str]
    avoid_evidence: List[str]


def _parse_answer(raw: Mapping[str, object]) -> Answer:
    dimensions = [d for d in (IDENTIFY, AVOID) if d in raw]
    if len(dimensions) != 1:
        raise ValueError(f"an answer must point to exactly one dimension: {raw!r}")
    dimension = dimensions[0]
    return Answer(dimension, int(raw[dimension]), str(raw["evidence"]))


@lru_cache(maxsize=None)
def load_scoring_table(path: Path = SCORING_FILE) -> ScoringTable:
    """Reads the scoring table (once per path)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = {
        slot: {str(value): _parse_answer(answer) for value, answer in answers.items()}
        for slot, answers in raw["questions"].items()
    }
    thresholds = raw["thresholds"]
    return ScoringTable(
        questions=questions,
        no_evidence=str(raw["no_evidence"]),
        minimum_share=float(thresholds["minimum_share"]),
        lead_margin=float(thresholds["lead_margin"]),
        both_share=float(thresholds["both_share"]),
        max_unsure_share=float(thresholds["max_unsure_share"]),
    )


def score_answers(
    answers: Mapping[str, Optional[str]], table: Optional[ScoringTable] = None
) -> AssessmentResult:
    """Scores the check-in answers (slot name -> answer value) into a pattern.

    Unanswered questions count as no evidence. Answers the table does not know (such as
    "no" to a yes/no sign, or "unsure") point nowhere; many "unsure" answers make the
    result ``unclear`` rather than a guess.
    """
    table = table or load_scoring_table()
    scores = {IDENTIFY: 0, AVOID: 0}
    evidence: Dict[str, List[str]] = {IDENTIFY: [], AVOID: []}
    unsure = 0
    for slot, meanings in table.questions.items():
        value = answers.get(slot)
        if value == UNSURE:
            unsure += 1
        meaning = meanings.get(str(value)) if value is not None else None
        if meaning:
            scores[meaning.dimension] += meaning.weight
            evidence[meaning.dimension].append(meaning.evidence)

    identify = scores[IDENTIFY] / table.maximum(IDENTIFY)
    avoid = scores[AVOID] / table.maximum(AVOID)
    pattern = _decide(identify, avoid, unsure / len(table.questions), table)
    return AssessmentResult(
        pattern=pattern,
        identify_share=round(identify, 3),
        avoid_share=round(avoid, 3),
        identify_evidence=evidence[IDENTIFY],
        avoid_evidence=evidence[AVOID],
    )


def describe_evidence(
    evidence: List[str], table: Optional[ScoringTable] = None
) -> str:
    """Joins evidence phrases for a reply, or says that no answer pointed that way."""
    table = table or load_scoring_table()
    return "; ".join(evidence) if evidence else table.no_evidence


def _decide(
    identify: float, avoid: float, unsure_share: float, table: ScoringTable
) -> str:
    if unsure_share >= table.max_unsure_share:
        return UNCLEAR
    if identify >= table.both_share and avoid >= table.both_share:
        return MIXED
    if max(identify, avoid) < table.minimum_share:
        return UNCLEAR
    if identify - avoid >= table.lead_margin:
        return ALEXITHYMIA_LIKE
    if avoid - identify >= table.lead_margin:
        return UNAVAILABILITY_LIKE
    return MIXED if min(identify, avoid) >= table.minimum_share else UNCLEAR
