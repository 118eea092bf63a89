"""bot/nlu/sentence_encoder.py: all-MiniLM-L6-v2 run in numpy gives the model's own results."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from bot.nlu.sentence_encoder import SentenceEncoder, shared_encoder


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return shared_encoder()


def test_similarities_are_the_ones_the_model_card_lists(encoder):
    # huggingface.co/sentence-transformers (organisation card): all-MiniLM-L6-v2 gives
    # these three sentences the similarities 0.6660, 0.1046 and 0.1411.
    vectors = encoder.encode(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    similarity = vectors @ vectors.T
    assert similarity[0, 1] == pytest.approx(0.6660, abs=5e-4)
    assert similarity[0, 2] == pytest.approx(0.1046, abs=5e-4)
    assert similarity[1, 2] == pytest.approx(0.1411, abs=5e-4)


def test_rows_are_unit_length_and_in_the_order_given(encoder):
    texts = ["i gave my guitar to my brother, he should have it", "ok", "giving away my things"]
    together = encoder.encode(texts)
    assert together.shape == (3, encoder.dimension) == (3, 384)
    assert np.linalg.norm(together, axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)
    # padding next to a longer message changes nothing: each row is the message alone
    for row, text in zip(together, texts):
        assert row == pytest.approx(encoder.encode([text])[0], abs=1e-5)


def test_meaning_not_words_decides_the_distance(encoder):
    giving_away, guitar, weather = encoder.encode(
        ["giving away my things", "i gave my guitar to my brother, he should have it",
         "it's raining again today"]
    )
    assert giving_away @ guitar > giving_away @ weather + 0.2


def test_training_vectors_are_remembered_and_user_messages_are_not(encoder):
    text = "a training message nobody else in these tests uses"
    first = encoder.encode_training([text, text])
    assert first.shape == (2, 384)
    assert text in encoder._training_vectors
    assert encoder.encode_training([text])[0] == pytest.approx(first[0])
    assert encoder.encode_training([]).shape == (0, 384)
    encoder.encode(["a user's message"])
    assert "a user's message" not in encoder._training_vectors


def test_a_pickled_encoder_is_the_processes_shared_one(encoder):
    """A trained model holds a reference, not 90 MB of weights."""
    data = pickle.dumps(encoder)
    assert len(data) < 200
    assert pickle.loads(data) is shared_encoder()


def test_a_very_long_and_an_empty_message_each_get_a_unit_row(encoder):
    """Longer messages keep their first 256 word pieces (the model's limit); nothing fails."""
    long_message = "he never talks about it and " * 300
    rows = encoder.encode([long_message, ""])
    assert np.linalg.norm(rows, axis=1) == pytest.approx([1.0, 1.0], abs=1e-5)
    assert encoder._tokenizer.truncation["max_length"] == 256
