"""A spaCy ``Matcher`` that runs only the patterns that can match the doc at hand.

With some 500 crisis patterns, spaCy's ``Matcher`` tried every pattern at every token: about
4 ms a message, paid by every message the bot reads and by every example the crisis scorer
trains on. Each pattern here is filed under an anchor: one token it cannot do without (no
``"OP": "?"``) that must have one of a few NORM or LOWER values. A doc only goes through the
sub-matchers of the anchor words it contains, plus those of patterns without an anchor, so
an ordinary message runs few or none. The matches are the same as one ``Matcher`` with every
pattern would give (tests/test_crisis_anchored_matcher.py compares them on the eval sets).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

TokenSpec = Dict[str, object]
Anchor = Tuple[str, str]  # (token attribute, value): ("NORM", "pill")
# Token attributes an anchor may use, and the token property that holds each.
ANCHOR_ATTRS = {"NORM": "norm_", "LOWER": "lower_"}
OPTIONAL_OPS = frozenset({"?", "*", "!"})


def anchor_values(spec: TokenSpec) -> Optional[Tuple[str, frozenset]]:
    """(attribute, values) when this token spec must be present with one of a set of values."""
    if spec.get("OP") in OPTIONAL_OPS:
        return None
    for attr in ANCHOR_ATTRS:
        value = spec.get(attr)
        if isinstance(value, str):
            return attr, frozenset({value})
        if isinstance(value, dict) and set(value) == {"IN"}:
            return attr, frozenset(value["IN"])
    return None


def choose_anchor(pattern: Sequence[TokenSpec]) -> Optional[Tuple[str, frozenset]]:
    """The pattern's best anchor: the required token whose values are fewest common words,
    then fewest values; None when no token can anchor it."""
    candidates = [values for values in map(anchor_values, pattern) if values is not None]
    if not candidates:
        return None
    return min(candidates, key=lambda item: (len(item[1] & STOP_WORDS), len(item[1])))


class AnchoredMatcher:
    """``Matcher``'s ``add`` and ``__call__`` (``(match_id, start, end)`` tuples), faster."""

    def __init__(self, vocab: Vocab) -> None:
        self._vocab = vocab
        self._unanchored = Matcher(vocab, validate=True)
        self._by_anchor: Dict[Anchor, Matcher] = {}
        self._keys: Dict[int, int] = {}  # match_id -> order added, for a stable result order

    def add(self, key: str, patterns: List[List[TokenSpec]]) -> None:
        self._keys.setdefault(self._vocab.strings.add(key), len(self._keys))
        for pattern in patterns:
            anchor = choose_anchor(pattern)
            if anchor is None:
                self._unanchored.add(key, [pattern])
                continue
            attr, values = anchor
            for value in values:
                matcher = self._by_anchor.get((attr, value))
                if matcher is None:
                    matcher = self._by_anchor[(attr, value)] = Matcher(self._vocab, validate=True)
                matcher.add(key, [pattern])

    def __len__(self) -> int:
        """How many keys (rules) were added."""
        return len(self._keys)

    def __call__(self, doc: Doc) -> List[Tuple[int, int, int]]:
        present: Set[Anchor] = {
            (attr, getattr(token, field)) for token in doc for attr, field in ANCHOR_ATTRS.items()
        }
        found = set(self._unanchored(doc)) if len(self._unanchored) else set()
        for anchor in present.intersection(self._by_anchor):
            found.update(self._by_anchor[anchor](doc))
        return sorted(found, key=lambda match: (match[1], match[2], self._keys[match[0]]))
