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
    """What one answer value means: how much it points to each dimension, and how to name it."""

    weights: Mapping[str, float]
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

    def maximum(self, dimension: str) -> float:
        """The highest score a dimension can reach (best answer to every question)."""
        return sum(
            max((a.weights.get(dimension, 0.0) for a in answers.values()), default=0.0)
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
    weights = {d: float(raw[d]) for d in (IDENTIFY, AVOID) if d in raw}  # type: ignore[arg-type]
    if not weights:
        raise ValueError(f"an answer must point to at least one dimension: {raw!r}")
    return Answer(weights, str(raw["evidence"]))


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
    scores = {IDENTIFY: 0.0, AVOID: 0.0}
    evidence: Dict[str, List[str]] = {IDENTIFY: [], AVOID: []}
    unsure = 0
    for slot, meanings in table.questions.items():
        value = answers.get(slot)
        if value == UNSURE:
            unsure += 1
        meaning = meanings.get(str(value)) if value is not None else None
        if meaning:
            for dimension, weight in meaning.weights.items():
                scores[dimension] += weight
                evidence[dimension].append(meaning.evidence)

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


def telling_quotes(
    answers: Mapping[str, Optional[str]],
    quotes: Mapping[str, str],
    pattern: str,
    table: Optional[ScoringTable] = None,
    limit: int = 2,
    max_length: int = 140,
) -> List[str]:
    """The user's own words that best show the pattern, most telling first.

    An answer's words are telling when its answer points to the dimension the pattern is
    about (both dimensions for ``mixed``); heavier answers first, then longer words.
    """
    table = table or load_scoring_table()
    dimensions = {
        ALEXITHYMIA_LIKE: (IDENTIFY,),
        UNAVAILABILITY_LIKE: (AVOID,),
        MIXED: (IDENTIFY, AVOID),
    }.get(pattern, ())
    ranked = []
    for slot, text in quotes.items():
        meaning = table.questions.get(slot, {}).get(str(answers.get(slot)))
        weight = max((meaning.weights.get(d, 0.0) for d in dimensions), default=0.0) if meaning else 0.0
        if weight > 0 and text:
            ranked.append((weight, len(text), slot, text))
    ranked.sort(key=lambda item: (-item[0], -item[1]))
    chosen: List[str] = []
    if pattern == MIXED:  # one quote for each side when there are both
        for dimension in dimensions:
            for _, _, slot, text in ranked:
                meaning = table.questions[slot][str(answers.get(slot))]
                if meaning.weights.get(dimension) and text not in chosen:
                    chosen.append(text)
                    break
    for _, _, _, text in ranked:
        if len(chosen) >= limit:
            break
        if text not in chosen:
            chosen.append(text)
    return [_shorten(text, max_length) for text in chosen[:limit]]


def _shorten(text: str, max_length: int) -> str:
    text = " ".join(text.split())
    if len(text) <= max_length:
        return text
    return text[:max_length].rsplit(" ", 1)[0].rstrip(",.;:") + "..."


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
