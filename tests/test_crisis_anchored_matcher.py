"""The anchored matcher finds exactly what one spaCy Matcher with every pattern finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.matcher import Matcher

from bot.crisis.anchored_matcher import AnchoredMatcher, choose_anchor
from tests.support.crisis_eval import REPO_ROOT, load_eval_set

EVAL_DIRS = sorted(Path(REPO_ROOT / "tests").glob("crisis_eval*"))


def eval_texts() -> list[str]:
    texts = []
    for eval_dir in EVAL_DIRS:
        categories, negatives = load_eval_set(eval_dir)
        texts += [text for messages in categories.values() for text in messages]
        texts += [item["text"] for item in negatives]
    return texts


def reference_and_anchored(detector, nlp):
    """Each of the detector's matchers, built both ways from the same patterns."""
    patterns = detector._patterns
    groups = {"rules": [(rule.id, rule.patterns) for rule in patterns.rules],
              "exclusions": [("exclusion", patterns.exclusions)],
              "not_crisis": list(patterns.not_crisis.items()),
              "context": list(patterns.context.items())}
    for name, keyed in groups.items():
        reference, anchored = Matcher(nlp.vocab, validate=True), AnchoredMatcher(nlp.vocab)
        for key, key_patterns in keyed:
            reference.add(key, detector._normalised(key_patterns))
            anchored.add(key, detector._normalised(key_patterns))
        yield name, reference, anchored


def test_the_eval_sets_are_there():
    assert len(EVAL_DIRS) >= 5 and len(eval_texts()) > 2500


def test_same_matches_as_one_matcher_with_every_pattern(detector, nlp):
    docs = [detector.normalise(detector._doc(text)) for text in eval_texts()]
    for name, reference, anchored in reference_and_anchored(detector, nlp):
        differ = sum(set(reference(doc)) != set(anchored(doc)) for doc in docs)
        assert differ == 0, f"{name}: {differ} of {len(docs)} messages matched differently"
        assert sum(bool(anchored(doc)) for doc in docs) > 0, name


@pytest.mark.parametrize("pattern, anchor", [
    ([{"NORM": {"IN": ["i", "we"]}}, {"NORM": {"IN": ["kill", "hurt"]}, "OP": "?"},
      {"NORM": {"IN": ["pill", "pills", "tablet"]}}], ("NORM", frozenset({"pill", "pills", "tablet"}))),
    ([{"LOWER": {"IN": ["my"]}}, {"NORM": {"IN": ["gun"]}}], ("NORM", frozenset({"gun"}))),
    ([{"NORM": {"IN": ["gun"]}, "OP": "?"}, {"LOWER": {"REGEX": "^x"}}], None),
])
def test_the_anchor_is_a_required_token_with_few_common_words(pattern, anchor):
    assert choose_anchor(pattern) == anchor


def test_matches_come_in_text_order(nlp):
    matcher = AnchoredMatcher(nlp.vocab)
    matcher.add("late", [[{"LOWER": "pills"}]])
    matcher.add("early", [[{"LOWER": {"IN": ["took"]}}, {"LOWER": "all"}], [{"LOWER": "took"}]])
    doc = nlp.make_doc("took all pills")
    strings = nlp.vocab.strings
    assert [(strings[key], start, end) for key, start, end in matcher(doc)] == [
        ("early", 0, 1), ("early", 0, 2), ("late", 2, 3)]
    assert len(matcher) == 2
