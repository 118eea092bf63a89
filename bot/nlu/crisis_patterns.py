"""Load crisis_patterns.yml and compile its compact pattern syntax to spaCy Matcher patterns.

The syntax is described at the top of crisis_patterns.yml. The detector matches on a copy
of each doc whose words are lower-cased and accent-stripped (so Spanish patterns use
``LOWER``) and whose ``NORM`` is the crisis form of each token (alias, typo correction or
lemma), which English patterns use. Native attributes keep the Matcher fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

import yaml

PATTERNS_PATH = Path(__file__).with_name("crisis_patterns.yml")

NORM_ATTR = "NORM"
LOWER_ATTR = "LOWER"
SPANISH = "spanish"

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
    aliases: Mapping[str, str]
    typo_keys: Mapping[str, str]
    not_typos: Tuple[str, ...]
    subject_self: frozenset
    subject_other: frozenset
    rules: Tuple[Rule, ...]
    exclusions: Tuple[MatcherPattern, ...]
    context: Mapping[str, Tuple[MatcherPattern, ...]]


def compile_pattern(text: str, classes: Mapping[str, List[str]], attr: str) -> MatcherPattern:
    """Compile one pattern string ("kill @REFL", "want to? _? die") to Matcher dicts."""
    compiled: MatcherPattern = []
    for piece in text.split():
        optional = piece.endswith("?") and len(piece) > 1
        piece = piece[:-1] if optional else piece
        spec: Dict[str, Any] = {} if piece == "_" else {attr: _values(piece, classes)}
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


def _rule(raw: Mapping[str, Any], classes: Mapping[str, List[str]], categories: Tuple[str, ...]) -> Rule:
    if raw["category"] not in categories:
        raise ValueError(f"rule {raw['id']}: unknown category {raw['category']}")
    spanish = raw.get("lang") == "es"
    attr = LOWER_ATTR if spanish else NORM_ATTR
    tags = tuple(raw.get("tags", ())) + ((SPANISH,) if spanish else ())
    return Rule(
        id=raw["id"],
        category=raw["category"],
        tags=tags,
        patterns=tuple(compile_pattern(p, classes, attr) for p in raw["patterns"]),
        infer_subject=raw["category"] != "violence" and not raw.get("tags"),
    )


def load_patterns(path: Path = PATTERNS_PATH) -> CrisisPatterns:
    """Read and compile the crisis patterns file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    classes = data["classes"]
    categories = tuple(data["categories"])
    return CrisisPatterns(
        categories=categories,
        aliases={str(k): str(v) for k, v in data["aliases"].items()},
        typo_keys=dict(data["typo_keys"]),
        not_typos=tuple(data.get("not_typos", ())),
        subject_self=frozenset(data["subject_words"]["self"]),
        subject_other=frozenset(data["subject_words"]["other"]),
        rules=tuple(_rule(raw, classes, categories) for raw in data["rules"]),
        exclusions=tuple(compile_pattern(p, classes, NORM_ATTR) for p in data["exclusions"]),
        context={
            tag: tuple(compile_pattern(p, classes, NORM_ATTR) for p in patterns)
            for tag, patterns in data["context"].items()
        },
    )
