"""SMS rendering: numbered choices, GSM-7, the 1,600-character cap, numbered replies."""

import pytest
import yaml

from bot.channels.sms_text import (
    MAX_BODY_CHARS,
    choice_payload,
    is_gsm7,
    render_turn,
    segment_count,
    shorten,
    to_gsm7,
)
from tests.conftest import REPO_ROOT

YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def test_buttons_become_one_numbered_line_after_all_texts():
    body = render_turn([
        {"text": "First."},
        {"text": "Do they go quiet?", "buttons": YES_NO},
    ])
    assert body == "First.\n\nDo they go quiet?\n\nReply 1 for Yes, 2 for No."


@pytest.mark.parametrize("reply, payload", [
    ("1", "/affirm"), (" 2 ", "/deny"), ("2.", "/deny"), ("#1", "/affirm"), ("2)", "/deny"),
    ("3", None), ("0", None), ("yes", None), ("12 days", None), ("", None),
])
def test_numbered_reply_maps_to_the_offered_payload(reply, payload):
    assert choice_payload(reply, YES_NO) == payload


def test_no_offered_buttons_means_numbers_are_text():
    assert choice_payload("1", []) is None


@pytest.mark.parametrize("text, expected", [
    ("It\u2019s \u201cfine\u201d \u2014 really\u2026", "It's \"fine\" - really..."),
    ("Hello \U0001F60A there \u2764\ufe0f", "Hello there"),
    ("caf\u00e9 \u00a3 5", "caf\u00e9 \u00a3 5"),  # both in GSM-7 already
])
def test_typographic_characters_and_emoji_become_gsm7(text, expected):
    assert to_gsm7(text) == expected
    assert is_gsm7(to_gsm7(text))


def test_letters_outside_gsm7_are_kept():
    assert to_gsm7("Zo\u00eb \u017eena") == "Zo\u00eb \u017eena"
    assert not is_gsm7("\u017e")


@pytest.mark.parametrize("text, segments", [
    ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    ("\u017e" * 70, 1), ("\u017e" * 71, 2), ("{" * 80, 1), ("{" * 81, 2),
])
def test_segment_count(text, segments):
    assert segment_count(text) == segments


def test_long_turn_is_capped_and_keeps_the_choices():
    long_text = " ".join(["word"] * 600)
    body = render_turn([{"text": long_text, "buttons": YES_NO}])
    assert len(body) <= MAX_BODY_CHARS
    assert body.endswith("Reply 1 for Yes, 2 for No.")
    assert "word..." in body


def test_shorten_cuts_at_a_word_boundary():
    assert shorten("one two three four", 12) == "one two..."
    assert shorten("short", 12) == "short"


def domain_responses():
    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text())
    return [(name, variant) for name, variants in domain["responses"].items()
            for variant in variants if variant.get("text")]


@pytest.mark.parametrize("name, response", domain_responses())
def test_every_bot_response_renders_as_gsm7_within_the_cap(name, response):
    body = render_turn([response])
    assert is_gsm7(body), name
    assert len(body) <= MAX_BODY_CHARS


def test_crisis_response_survives_rendering_intact():
    crisis = dict(domain_responses())["utter_crisis"]
    body = render_turn([crisis, {"text": "I've paused the questions."}])
    assert "988" in body and body.startswith(to_gsm7(crisis["text"]))
    assert segment_count(body) <= 4
