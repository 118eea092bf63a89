"""The crisis scorer (bot/crisis/scorer.py): its data, its retraining, what it learns."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from bot.crisis.patterns import load_patterns
from bot.crisis.scorer import (
    CRISIS_FILE,
    NOT_CRISIS,
    ORDINARY_FILE,
    SCORER_DATA_DIR,
    CrisisScorer,
    Example,
    Neighbours,
    load_scorer_data,
    nlu_examples,
    scorer_data_fingerprint,
    text_ids,
)

MIN_PER_WARNING_SIGN = 80
MIN_ORDINARY = 800


def test_data_covers_every_category_of_the_taxonomy():
    examples = load_scorer_data()
    counts = {}
    for example in examples:
        counts[example.label] = counts.get(example.label, 0) + 1
    categories = set(load_patterns().categories)
    assert set(counts) - {NOT_CRISIS} == categories
    warning_signs = categories - {"harm_to_others", "help_request"}
    assert all(counts[name] >= MIN_PER_WARNING_SIGN for name in warning_signs), counts
    assert counts[NOT_CRISIS] >= MIN_ORDINARY
    assert len({example.text for example in examples}) == len(examples), "duplicates"


def test_a_changed_data_file_changes_the_fingerprint(tmp_path):
    for name in (CRISIS_FILE, ORDINARY_FILE):
        shutil.copy(SCORER_DATA_DIR / name, tmp_path / name)
    before = scorer_data_fingerprint(tmp_path)
    assert scorer_data_fingerprint(tmp_path) == before
    with (tmp_path / ORDINARY_FILE).open("a", encoding="utf-8") as data:
        data.write('  extra:\n  - "one more ordinary message"\n')
    assert scorer_data_fingerprint(tmp_path) != before


def test_nlu_examples_are_crisis_only_for_the_crisis_intent():
    examples = nlu_examples({"crisis": ["i want to die"], "greet": ["hi"]}, "crisis")
    assert examples == [Example("i want to die", None), Example("hi", NOT_CRISIS)]
    assert [example.is_crisis for example in examples] == [True, False]


def test_scorer_learns_a_warning_sign_from_paraphrases_and_names_its_category(detector):
    """Trained on a handful of messages, it scores an unseen paraphrase above ordinary talk
    and names the category (what a rule-less match's urgency tags come from)."""
    examples = [
        Example("i swallowed the whole bottle an hour ago", "in_progress"),
        Example("took every pill in the cabinet just now", "in_progress"),
        Example("i already swallowed a bunch of pills tonight", "in_progress"),
        Example("he shoved me into the wall again", "partner_violence"),
        Example("he grabbed my throat last night", "partner_violence"),
        Example("my husband slammed me against the door", "partner_violence"),
        Example("we watched a movie and got pizza", NOT_CRISIS),
        Example("he never says how he feels", NOT_CRISIS),
        Example("the cabinet door is broken again", NOT_CRISIS),
        Example("my wife is quiet after work", NOT_CRISIS),
        Example("i took the dog for a walk", NOT_CRISIS),
        Example("we argued about the dishes", NOT_CRISIS),
    ]
    scorer = CrisisScorer(detector, max_df=1.0).fit(examples)  # every word counts in 12 messages
    crisis, ordinary = scorer.score(["just swallowed the bottle of pills", "we got pizza after work"])
    assert crisis.probability > 0.5 > ordinary.probability
    assert crisis.category == "in_progress"


def test_neighbours_give_the_nearest_of_each_kind_and_leave_a_training_message_out():
    """Columns: crisis closest, crisis mean of the closest, ordinary closest, ordinary mean.
    A training row does not find itself (nor a copy of its text); a new message does."""
    a, b, c = np.eye(3, dtype=np.float32)
    near_a = np.array([0.8, 0.6, 0.0], dtype=np.float32)
    texts = ["i want to be gone", "i wrote my goodbye letters", "we got pizza", "i want to be gone"]
    embeddings = np.stack([a, near_a, c, a])
    ids = text_ids(texts)
    assert list(ids) == [0, 1, 2, 0]
    neighbours = Neighbours(embeddings, np.array([True, True, False, True]), ids)

    new_message = neighbours.similarities(a[None])
    assert new_message[0] == pytest.approx([1.0, (1.0 + 0.8 + 1.0) / 3, 0.0, 0.0])

    training_rows = neighbours.similarities(embeddings, ids)
    # "i want to be gone" (twice in the data): its nearest other crisis message is near_a;
    # a left-out text counts as -1 (here, in a group smaller than NEIGHBOURS, in the mean)
    assert training_rows[0] == pytest.approx([0.8, (-1.0 + 0.8 - 1.0) / 3, 0.0, 0.0])
    assert training_rows[1] == pytest.approx([0.8, (0.8 + 0.8 - 1.0) / 3, 0.0, 0.0])
    # the only ordinary message has no other ordinary message to be near
    assert training_rows[2] == pytest.approx([0.0, 0.0, -1.0, -1.0])
    assert neighbours.similarities(b[None])[0] == pytest.approx([0.6, 0.2, 0.0, 0.0])
