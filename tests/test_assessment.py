"""Scoring of the partner-reaction check-in (bot/assessment.py)."""

from pathlib import Path

import pytest
import yaml

from bot.assessment import (
    ALEXITHYMIA_LIKE,
    telling_quotes,
    MIXED,
    UNAVAILABILITY_LIKE,
    UNCLEAR,
    describe_evidence,
    load_scoring_table,
    score_answers,
)

QUESTIONS = list(load_scoring_table().questions)

JAMIE = {
    "q_reaction": "confused", "q_other_settings": "no", "q_body_signals": "yes",
    "q_memories": "yes", "q_misses_hurt": "yes", "q_outbursts": "no",
    "q_mixes_feelings": "unsure", "q_joy_pain": "yes", "q_intimacy": "no",
    "q_interest": "no", "q_high_emotion": "no",
}
ALEX = {
    "q_reaction": "avoidant", "q_other_settings": "yes", "q_body_signals": "no",
    "q_memories": "no", "q_misses_hurt": "no", "q_outbursts": "no",
    "q_mixes_feelings": "no", "q_joy_pain": "no", "q_intimacy": "yes",
    "q_interest": "yes", "q_high_emotion": "yes",
}
BOTH = {
    "q_reaction": "confused", "q_other_settings": "yes", "q_body_signals": "yes",
    "q_memories": "yes", "q_misses_hurt": "no", "q_outbursts": "yes",
    "q_mixes_feelings": "no", "q_joy_pain": "no", "q_intimacy": "yes",
    "q_interest": "no", "q_high_emotion": "yes",
}
MOSTLY_UNSURE = {q: "unsure" for q in QUESTIONS} | {"q_outbursts": "no", "q_joy_pain": "no"}


@pytest.mark.parametrize(
    "answers, pattern",
    [
        (JAMIE, ALEXITHYMIA_LIKE),
        (ALEX, UNAVAILABILITY_LIKE),
        (BOTH, MIXED),
        (MOSTLY_UNSURE, UNCLEAR),
        ({q: "no" for q in QUESTIONS}, UNCLEAR),
        ({}, UNCLEAR),
    ],
)
def test_patterns(answers, pattern):
    assert score_answers(answers).pattern == pattern


def test_shares_are_fractions_of_each_dimension_maximum():
    table = load_scoring_table()
    assert table.maximum("identify") == 10
    assert table.maximum("avoid") == 8
    result = score_answers(JAMIE)
    assert result.identify_share == pytest.approx(0.8)
    assert result.avoid_share == 0.0


def test_evidence_names_the_answers_that_pointed_each_way():
    result = score_answers(BOTH)
    assert any("can't name the feeling" in e for e in result.identify_evidence)
    assert any("other settings" in e for e in result.avoid_evidence)
    assert any("break up" in e for e in result.avoid_evidence)
    assert not any("break up" in e for e in result.identify_evidence)
    assert len(result.identify_evidence) == 4
    assert len(result.avoid_evidence) == 3


def test_decisive_probe_outweighs_a_single_sign():
    """Talking about feelings elsewhere but not with you points to avoidance."""
    answers = {"q_reaction": "unsure", "q_other_settings": "yes", "q_intimacy": "yes"}
    assert score_answers(answers).pattern == UNAVAILABILITY_LIKE
    answers = {"q_reaction": "unsure", "q_other_settings": "no", "q_body_signals": "yes"}
    assert score_answers(answers).pattern == ALEXITHYMIA_LIKE


def test_unknown_values_and_slots_are_ignored():
    noisy = dict(JAMIE, q_reaction="something else", not_a_question="yes")
    result = score_answers(noisy)
    assert result.pattern == ALEXITHYMIA_LIKE
    assert not any("canceled plan" in e for e in result.identify_evidence)


def test_describe_evidence():
    assert describe_evidence([]) == "none of your answers"
    assert describe_evidence(["a", "b"]) == "a; b"


def test_every_question_is_a_slot_of_the_form():
    domain = yaml.safe_load((Path(__file__).parents[1] / "domain.yml").read_text())
    assert QUESTIONS == domain["forms"]["assessment_form"]["required_slots"]
    for slot in QUESTIONS:
        for value in load_scoring_table().questions[slot]:
            assert value in domain["slots"][slot]["values"]
        assert f"utter_ask_assessment_form_{slot}" in domain["responses"]


def test_bad_table_is_rejected(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(yaml.safe_dump({
        "questions": {"q": {"yes": {"evidence": "x"}}},
        "no_evidence": "none", "thresholds": {},
    }))
    with pytest.raises(ValueError, match="at least one dimension"):
        load_scoring_table(bad)


def test_sometimes_weighs_half_of_yes():
    yes = score_answers({**ALEX, "q_intimacy": "yes"})
    sometimes = score_answers({**ALEX, "q_intimacy": "sometimes"})
    no = score_answers({**ALEX, "q_intimacy": "no"})
    assert no.avoid_share < sometimes.avoid_share < yes.avoid_share
    assert sometimes.avoid_share - no.avoid_share == pytest.approx(
        (yes.avoid_share - no.avoid_share) / 2, abs=0.002
    )
    assert any(e.startswith("they sometimes pull back") for e in sometimes.avoid_evidence)


def test_both_reaction_counts_for_each_side():
    both = score_answers({"q_reaction": "both"})
    assert both.identify_share > 0 and both.avoid_share > 0
    assert both.identify_evidence == both.avoid_evidence


def test_telling_quotes_pick_the_words_behind_the_pattern():
    quotes = {
        "q_body_signals": "he says he's tired when something's clearly bothering him",
        "q_intimacy": "no he is actually fine with deep talks",
        "q_memories": "yes",
    }
    chosen = telling_quotes(JAMIE, quotes, ALEXITHYMIA_LIKE)
    assert chosen == ["he says he's tired when something's clearly bothering him", "yes"]
    assert telling_quotes(JAMIE, quotes, UNCLEAR) == []
    long = {"q_other_settings": "no " + "word " * 60}
    (shortened,) = telling_quotes(JAMIE, long, ALEXITHYMIA_LIKE)
    assert shortened.endswith("...") and len(shortened) <= 143


def test_mixed_quotes_one_from_each_side():
    answers = {**BOTH, "q_reaction": "confused"}
    quotes = {
        "q_reaction": "he tries but can't find the words at all, it's painful to watch",
        "q_body_signals": "yes he says he's hungry when he's sad, every time without fail honestly",
        "q_other_settings": "ya he talks to his brother about everything",
    }
    chosen = telling_quotes(answers, quotes, MIXED)
    assert "ya he talks to his brother about everything" in chosen and len(chosen) == 2
