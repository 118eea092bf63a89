"""The shared door checks (bot.channels.input_check), the rate limiter, SMS keyword
normalising, and the delete-confirm policy's decisions, without servers."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.input_check import (
    clean_text,
    json_too_deep,
    sender_problem,
    user_text,
)
from bot.channels.limits import RateLimiter
from bot.channels.sms_keywords import Command, parse_command
from bot.policies.delete_confirm import DeleteConfirmPolicy


@pytest.mark.parametrize("sender", ["x\ud800", "\x00", "a\x00b", "tab\t", "zero\u200bwidth",
                                    "", "   ", "x" * 129, 5, None, ["a"]])
def test_unusable_sender_ids_are_refused(sender):
    assert sender_problem(sender)


@pytest.mark.parametrize("sender", ["alice", "user-42", "José", "用户", "a" * 128, "a b"])
def test_ordinary_sender_ids_pass(sender):
    assert sender_problem(sender) is None


def test_text_keeps_what_is_storable_and_replaces_the_rest():
    assert clean_text("hi\x00\x07\ud800 there\n\tok 😢 \u200d") == "hi    there\n\tok 😢 \u200d"
    assert clean_text("i want to die\udfff").encode("utf-8")  # encodable now


@pytest.mark.parametrize("text, expected", [
    ("/affirm", "/affirm"), ('/greet{"name": "x"}', '/greet{"name": "x"}'),
    ("/not_an_intent call me", "not_an_intent call me"), ("//affirm", "affirm"),
    ("/", ""), ("  hello ", "hello"), ("\x00", ""),
])
def test_only_shortcuts_for_known_intents_keep_their_slash(text, expected):
    assert user_text(text, ["affirm", "greet"]) == expected


@pytest.mark.parametrize("raw, too_deep", [
    ('{"a": [[[]]]}', False), ("[" * 5 + "]" * 5, False), ("[" * 6 + "]" * 6, True),
    ('{"a": "[[[[[[[[[[["}', False), ('{"a": "\\"[[[[[[[["}', False),
])
def test_json_depth_is_counted_outside_strings(raw, too_deep):
    assert json_too_deep(raw, 5) is too_deep


def test_rate_limiter_allows_a_burst_then_refills():
    now = [0.0]
    limiter = RateLimiter(burst=3, rate=1.0, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # others are not affected
    now[0] = 1.0
    assert limiter.allow("a") and not limiter.allow("a")
    assert not limiter.allow("b", "a")  # every key must have room; nothing taken from b
    assert [limiter.allow("b") for _ in range(4)] == [True, True, True, False]  # refilled


@pytest.mark.parametrize("word", ["STOP", "Stop?", "ＳＴＯＰ", "S\u200bTOP", "stop 🛑", "OPTOUT",
                                  "Revoke!", " unsubscribe.", "«Cancel»"])
def test_stop_variants_opt_out(word):
    assert parse_command(word, opted_out=False) is Command.OPT_OUT


@pytest.mark.parametrize("text", ["stop it", "don't stop", "stopping", "end of story"])
def test_stop_inside_words_or_sentences_is_not_a_command(text):
    assert parse_command(text, opted_out=False) is None


# --- the delete-confirm policy's step sequences -------------------------------------

POLICY = DeleteConfirmPolicy.__new__(DeleteConfirmPolicy)
POLICY.request_intent, POLICY.form_min_confidence = "delete_data", 0.9
POLICY.question, POLICY.on_affirm, POLICY.on_deny = (
    "utter_ask_delete_confirm", ["action_delete_my_data"], ["utter_delete_cancelled"])


def user(intent: str, confidence: float = 1.0) -> UserUttered:
    return UserUttered(intent, {"name": intent, "confidence": confidence})


def tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("t", [ActionExecuted("action_listen"), *events])


IN_FORM = [user("start_assessment"), ActionExecuted("assessment_form"),
           ActiveLoop("assessment_form"), SlotSet("requested_slot", "q_reaction"),
           ActionExecuted("action_listen")]


def test_a_request_outside_a_form_is_asked_at_once():
    assert POLICY.sequence(tracker(user("delete_data"))) == [
        "utter_ask_delete_confirm", "action_listen"]


def test_a_request_inside_a_form_pauses_it_first_unless_unsure():
    assert POLICY.sequence(tracker(*IN_FORM, user("delete_data", 0.95))) == [
        "action_deactivate_loop", "utter_ask_delete_confirm", "action_listen"]
    assert POLICY.sequence(tracker(*IN_FORM, user("delete_data", 0.7))) == []


ASKED_IN_FORM = [*IN_FORM, user("delete_data"), ActionExecuted("action_deactivate_loop"),
                 ActiveLoop(None), ActionExecuted("utter_ask_delete_confirm"),
                 ActionExecuted("action_listen")]


def test_yes_deletes_and_no_resumes_the_paused_form():
    assert POLICY.sequence(tracker(*ASKED_IN_FORM, user("affirm"))) == [
        "action_delete_my_data", "action_listen"]
    assert POLICY.sequence(tracker(*ASKED_IN_FORM, user("deny"))) == [
        "utter_delete_cancelled", "assessment_form", "action_listen"]
    done = tracker(*ASKED_IN_FORM, user("deny"), ActionExecuted("utter_delete_cancelled"))
    assert POLICY.next_step(done) == "assessment_form"


def test_yes_to_anything_else_is_left_to_the_other_policies():
    assert POLICY.sequence(tracker(*IN_FORM, user("affirm"))) == []
    assert POLICY.sequence(tracker(*ASKED_IN_FORM, user("greet"))) == []
