"""Typo tolerance for a small key vocabulary (spaCy 3.4's Matcher has no FUZZY).

A word is corrected to a key ("sucide" -> "suicide", "kil" -> "kill") when it is within
an edit distance of 1 (2 for keys of 7+ letters, transpositions count as one edit),
starts with the same letter, and is not itself an English word. English words come from
spacy-lookups-data: the WordNet lemma index (nouns, verbs, adjectives, adverbs), every
inflected form in the lemma lookup table, and spaCy's English stop words, so "skill",
"bill", "dye", "overdue" or "strange" are never taken for "kill", "die", "overdose" or
"strangle".
"""

from __future__ import annotations

from functools import lru_cache
from typing import FrozenSet, Iterable, Mapping, Optional

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.lookups import Table, load_lookups

LONG_KEY_LENGTH = 7
MIN_WORD_LENGTH = 3
CACHE_SIZE = 50_000


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent transpositions)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def max_distance(key: str) -> int:
    return 2 if len(key) >= LONG_KEY_LENGTH else 1


@lru_cache(maxsize=1)
def english_lookups() -> tuple[FrozenSet[str], Table]:
    """WordNet lemmas plus the lemma lookup table (inflected form -> lemma)."""
    lookups = load_lookups("en", ["lemma_index", "lemma_lookup"])
    index = lookups.get_table("lemma_index")
    lemmas = frozenset(word for pos in ("noun", "verb", "adj", "adv") for word in index[pos])
    return lemmas, lookups.get_table("lemma_lookup")


class EnglishLexicon:
    """Lemmas and known words for lower-cased English tokens."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        self._lemmas, self._lemma_lookup = english_lookups()
        self._extra = frozenset(extra_words) | STOP_WORDS

    def lemma(self, word: str) -> str:
        return self._lemma_lookup.get(word, word)

    def is_word(self, word: str) -> bool:
        return word in self._lemmas or word in self._lemma_lookup or word in self._extra


class TypoCorrector:
    """Maps misspellings of key words to their canonical form."""

    def __init__(self, keys: Mapping[str, str], lexicon: EnglishLexicon) -> None:
        """``keys`` maps correctly spelled surface forms to canonical forms."""
        self._keys = dict(keys)
        self._lexicon = lexicon
        self.correct = lru_cache(maxsize=CACHE_SIZE)(self._closest_key)

    def _closest_key(self, word: str) -> Optional[str]:
        """The canonical form ``word`` is a misspelling of, or None."""
        if (
            len(word) < MIN_WORD_LENGTH
            or not word.isalpha()
            or word in self._keys
            or self._lexicon.is_word(word)
        ):
            return None
        best: Optional[tuple[int, str]] = None
        for key, canonical in self._keys.items():
            if key[0] != word[0] or abs(len(key) - len(word)) > max_distance(key):
                continue
            distance = edit_distance(word, key)
            if distance <= max_distance(key) and (best is None or distance < best[0]):
                best = (distance, canonical)
        return best[1] if best else None
