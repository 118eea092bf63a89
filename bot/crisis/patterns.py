"""Load patterns.yml and compile its compact pattern syntax to spaCy Matcher patterns.

The syntax is described at the top of patterns.yml. The detector matches on a copy
of each doc whose words are lower-cased and accent-stripped (so Spanish patterns use
``LOWER``) and whose ``NORM`` is the crisis form of each token (alias, typo correction or
lemma), which English patterns use. Native attributes keep the Matcher fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

import yaml

PATTERNS_PATH = Path(__file__).with_name("patterns.yml")

NORM_ATTR = "NORM"
LOWER_ATTR = "LOWER"
SPANISH = "spanish"
EXACT = "="      # "=took": the word as written (lower-cased), not its lemma
# "#MANY": a number of six or more, in digits or words ("took 30 pills", not "took 2 advil")
MANY = "#MANY"
MANY_REGEX = (
    r"^(?:[6-9]|[1-9][0-9]+|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty"
    r"|forty|fifty|sixty|seventy|eighty|ninety|hundred|hundreds|dozens?"
    r"|seis|siete|ocho|nueve|diez|once|doce|quince|veinte|treinta|cuarenta|cincuenta|cien)$"
)
# Tags that already say who is at risk: no subject inference for rules that carry them.
SUBJECT_TAGS = frozenset({"someone_else", "partner_violence"})
FIXED_SUBJECT_CATEGORIES = frozenset({"harm_to_others"})

MatcherPattern = List[Dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    tags: Tuple[str, ...]
    patterns: Tuple[MatcherPattern, ...]
    # Whether `someone_else` is decided from the words around the match (self vs other).
    infer_subject: bool


@dataclass(frozen=True)
class CrisisPatterns:
    categories: Tuple[str, ...]
    category_tags: Mapping[str, Tuple[str, ...]]
    aliases: Mapping[str, str]
    typo_keys: Mapping[str, str]
    not_typos: Tuple[str, ...]
    subject_self: frozenset
    subject_other: frozenset
    rules: Tuple[Rule, ...]
    exclusions: Tuple[MatcherPattern, ...]
    # intent to use instead of the classifier's crisis -> patterns that say so
    not_crisis: Mapping[str, Tuple[MatcherPattern, ...]]
    context: Mapping[str, Tuple[MatcherPattern, ...]]


def compile_pattern(text: str, classes: Mapping[str, List[str]], attr: str) -> MatcherPattern:
    """Compile one pattern string ("kill @REFL", "=took #MANY @DRUG") to Matcher dicts."""
    compiled: MatcherPattern = []
    for piece in text.split():
        optional = piece.endswith("?") and len(piece) > 1
        piece = piece[:-1] if optional else piece
        spec: Dict[str, Any]
        if piece == "_":
            spec = {}
        elif piece == MANY:
            spec = {LOWER_ATTR: {"REGEX": MANY_REGEX}}
        elif piece.startswith(EXACT) and len(piece) > 1:
            spec = {LOWER_ATTR: _values(piece[1:], classes)}
        else:
            spec = {attr: _values(piece, classes)}
        if optional:
            spec["OP"] = "?"
        compiled.append(spec)
    if all(spec.get("OP") == "?" for spec in compiled):
        raise ValueError(f"pattern {text!r} has no required token")
    return compiled


def _values(piece: str, classes: Mapping[str, List[str]]) -> Dict[str, List[str]]:
    words: List[str] = []
    for option in piece.split("|"):
        if option.startswith("@"):
            if option[1:] not in classes:
                raise ValueError(f"unknown class {option}")
            words.extend(classes[option[1:]])
        else:
            words.append(option)
    return {"IN": words}


def _rule(
    raw: Mapping[str, Any],
    classes: Mapping[str, List[str]],
    category_tags: Mapping[str, Tuple[str, ...]],
) -> Rule:
    category = raw["category"]
    if category not in category_tags:
        raise ValueError(f"rule {raw['id']}: unknown category {category}")
    spanish = raw.get("lang") == "es"
    attr = LOWER_ATTR if spanish else NORM_ATTR
    tags = tuple(raw.get("tags", ())) + category_tags[category] + ((SPANISH,) if spanish else ())
    return Rule(
        id=raw["id"],
        category=category,
        tags=tags,
        patterns=tuple(compile_pattern(p, classes, attr) for p in raw["patterns"]),
        infer_subject=not SUBJECT_TAGS & set(tags) and category not in FIXED_SUBJECT_CATEGORIES,
    )


def load_patterns(path: Path = PATTERNS_PATH) -> CrisisPatterns:
    """Read and compile the crisis patterns file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    classes = data["classes"]
    category_tags = {
        str(name): tuple(tags or ()) for name, tags in data["categories"].items()
    }
    return CrisisPatterns(
        categories=tuple(category_tags),
        category_tags=category_tags,
        aliases={str(k): str(v) for k, v in data["aliases"].items()},
        typo_keys=dict(data["typo_keys"]),
        not_typos=tuple(data.get("not_typos", ())),
        subject_self=frozenset(data["subject_words"]["self"]),
        subject_other=frozenset(data["subject_words"]["other"]),
        rules=tuple(_rule(raw, classes, category_tags) for raw in data["rules"]),
        exclusions=tuple(compile_pattern(p, classes, NORM_ATTR) for p in data["exclusions"]),
        not_crisis={
            intent: tuple(compile_pattern(p, classes, NORM_ATTR) for p in patterns)
            for intent, patterns in data["not_crisis"].items()
        },
        context={
            tag: tuple(compile_pattern(p, classes, NORM_ATTR) for p in patterns)
            for tag, patterns in data["context"].items()
        },
    )
