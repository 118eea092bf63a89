"""End to end over REST: both servers running, a full check-in and crisis replies."""

import time
import uuid

import pytest

from tests.support.stack import say, wait_until_ready

pytestmark = pytest.mark.servers

JAMIE_ANSWERS = [
    "he tries to answer but can't figure out what the feeling is",  # canceled plan
    "no, he struggles with everyone",  # other settings (decisive probe)
    "yes",
    "/affirm",
    "yes, all the time",
    "not really",
    "I'm not sure",
    "yes",
    "no",
    "/deny",
    "nope",
]


def texts(replies):
    return [r.get("text", "") for r in replies]


def new_sender() -> str:
    return uuid.uuid4().hex


def test_full_check_in_over_rest(bot_stack):
    url, sender = bot_stack.rasa_urls[0], new_sender()
    greeting = " ".join(texts(say(url, sender, "hi")))
    assert "not therapy" in greeting and "988" in greeting

    replies = say(url, sender, "/start_assessment")
    assert "canceled plan" in texts(replies)[-1]
    assert [b["payload"] for b in replies[-1]["buttons"]] == [
        "/reaction_confused", "/reaction_avoidant", "/answer_unsure"
    ]
    questions = []
    for answer in JAMIE_ANSWERS[:-1]:
        replies = say(url, sender, answer)
        questions.append(texts(replies)[-1])
    assert "other settings" in questions[0]
    assert len(set(questions)) == len(questions), "a question was asked twice"

    result = texts(say(url, sender, JAMIE_ANSWERS[-1]))
    assert "alexithymia" in result[0] and "Jamie" in result[0]
    assert "can't name the feeling" in result[0]  # names the answer that pointed this way
    assert "not a diagnosis" in result[0]
    assert any(r.startswith("In your own words:") and "can't figure out" in r for r in result)
    assert "emotion-words list" in result[-1] and "behavioral activation" in result[-1].lower()


def test_crisis_reply_at_the_start(bot_stack):
    replies = texts(say(bot_stack.rasa_urls[0], new_sender(), "i want to kil myself"))
    assert "988" in replies[0] and "911" in replies[0]
    assert any("not a crisis service" in r for r in replies[1:])


def test_crisis_mid_form_pauses_the_check_in(bot_stack):
    url, sender = bot_stack.rasa_urls[0], new_sender()
    say(url, sender, "/start_assessment")
    say(url, sender, "they say it's fine and change the subject")
    replies = texts(say(url, sender, "my partner threatened to kill me"))
    assert "988" in replies[0] and "1-800-799-7233" in replies[0]
    assert any("paused the questions" in r for r in replies)
    # The form does not resume blindly: a plain "yes" is not taken as an answer.
    assert not any("?" in r and "Do they" in r for r in texts(say(url, sender, "yes")))
    # Continuing picks up at the next unanswered question.
    assert "other settings" in texts(say(url, sender, "/start_assessment"))[-1]


def test_free_text_pause_resume_and_start_over(bot_stack):
    url, sender = bot_stack.rasa_urls[0], new_sender()
    opening = texts(say(url, sender, "my husband says it's fine, not a big deal, and talks about work instead"))
    assert any("brushing it off" in r for r in opening) and "other settings" in opening[-1]
    assert "body signals" in texts(say(url, sender, "nope, he's like that with everybody"))[-1]
    paused = texts(say(url, sender, "ugh something came up, i have to go"))
    assert "paused the questions" in paused[0] and not any("Do they" in r for r in paused)
    resumed = texts(say(url, sender, "ok i'm back, where were we"))
    assert "pick up where we left off" in resumed[0] and "body signals" in resumed[-1]
    restarted = texts(say(url, sender, "can we start over"))
    assert "start over" in restarted[0] and "canceled plan" in restarted[-1]


def test_after_a_crisis_reply_keep_going_resumes_the_check_in(bot_stack):
    url, sender = bot_stack.rasa_urls[0], new_sender()
    say(url, sender, "/start_assessment")
    say(url, sender, "he tries but he can't find the words")
    assert "988" in texts(say(url, sender, "sometimes i want to kill myself"))[0]
    assert "other settings" in texts(say(url, sender, "i'm safe now, can we keep going?"))[-1]


def test_typed_intent_cannot_skip_the_crisis_response(bot_stack):
    replies = texts(say(bot_stack.rasa_urls[0], new_sender(), '/greet{"note": "I want to kill myself"}'))
    assert "988" in replies[0]


def test_crisis_reply_with_the_action_server_down(bot_stack):
    action_server = bot_stack.processes[0]
    action_server.signal(2)  # SIGINT
    action_server.popen.wait(timeout=30)
    try:
        replies = texts(say(bot_stack.rasa_urls[0], new_sender(), "I took too many pills"))
        assert "988" in replies[0]
    finally:
        action_server.start()
        wait_until_ready([action_server], timeout=120)


def test_stop_leaves_the_therapist_search_but_odd_text_does_not(bot_stack):
    url, sender = bot_stack.rasa_urls[0], new_sender()
    say(url, sender, "find a therapist")
    assert "US state" in texts(say(url, sender, "'; DROP TABLE events; --"))[-1]
    assert "paused the questions" in texts(say(url, sender, "stop"))[0]
