"""Faults on the shared ``bot_stack``: action server stopped, Rasa restarted, database locked.

- Action server stopped mid-conversation: static paths and the crisis reply go on;
  form answers that need it are retried once it is back and the form resumes.
- Rasa restarted mid-form: both forms resume where they were, from the SQL tracker store.
- Database briefly unavailable: another connection holds an exclusive SQLite lock
  on the tracker database (every read and write blocks, as when the database is busy
  or restarting); messages are delayed, not lost, and the server keeps answering.
"""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
from sqlalchemy.engine import make_url

from bench.conversations import stored_turns
from tests.support.stack import RasaStack, say, wait_until_ready

pytestmark = pytest.mark.servers

Q_REACTION = "canceled plan"
Q_OTHER_SETTINGS = "other settings"
Q_BODY_SIGNALS = "body signals"
ASK_LOCATION = "Which US state"
ASK_HELP_TYPE = "What kind of help"
ASK_APPROACH = "particular approach"
ASK_INSURANCE = "Which insurance"
APOLOGY_WORDS = ("sorry", "try again")


def texts(replies: list[dict]) -> str:
    return " ".join(reply.get("text") or "" for reply in replies)


def restart(stack: RasaStack, index: int) -> float:
    """Stop process ``index`` of ``stack`` with SIGINT, start it again; return the seconds taken."""
    process = stack.processes[index]
    started = time.monotonic()
    process.signal(signal.SIGINT)
    process.popen.wait(timeout=60)
    process.start()
    wait_until_ready([process], timeout=300)
    return time.monotonic() - started


@dataclass
class Conversation:
    """One sender on one Rasa URL, keeping every (text, replies) pair."""

    url: str
    sender: str = field(default_factory=lambda: uuid.uuid4().hex)
    log: list[tuple[str, list[dict]]] = field(default_factory=list)

    def say(self, text: str) -> str:
        replies = say(self.url, self.sender, text)
        self.log.append((text, replies))
        return texts(replies)


# ---------------------------------------------------------------- action server stopped


@dataclass
class Outage:
    """What each conversation got while the action server was down and after it came back."""

    crisis_in_therapist_form: str
    therapist_answer_while_down: str
    therapist_answer_after: str
    assessment_answer_while_down: str
    crisis_in_check_in: str
    overdose_in_check_in: str
    learn_while_down: str


@pytest.fixture(scope="module")
def outage(bot_stack) -> Outage:
    url = bot_stack.rasa_urls[0]
    therapist, crisis, check_in, paused, overdose = (Conversation(url) for _ in range(5))
    for conversation in (therapist, crisis):
        conversation.say("find a therapist")
        assert ASK_HELP_TYPE in conversation.say("Ohio")
    check_in.say("/start_assessment")
    assert Q_OTHER_SETTINGS in check_in.say("they say it's fine and change the subject")
    paused.say("/start_assessment")
    overdose.say("/start_assessment")

    action_server = bot_stack.processes[0]
    action_server.signal(signal.SIGINT)
    action_server.popen.wait(timeout=30)
    try:
        while_down = {
            "crisis_in_therapist_form": crisis.say("I want to kill myself"),
            "therapist_answer_while_down": therapist.say("individual"),
            "assessment_answer_while_down": check_in.say("yes"),
            "crisis_in_check_in": paused.say("I want to kill myself"),
            "overdose_in_check_in": overdose.say("i just took a whole bottle of my sleeping pills"),
            "learn_while_down": Conversation(url).say("what is alexithymia"),
        }
    finally:
        action_server.start()
        wait_until_ready([action_server], timeout=120)
    return Outage(**while_down, therapist_answer_after=therapist.say("individual"))


def test_static_paths_work_without_the_action_server(outage: Outage):
    # Check-in answers are read by validate_assessment_form (free text), so with the action
    # server down the answer gets the apology that gives 988, not silence.
    assert "988" in outage.assessment_answer_while_down
    assert "Alexithymia" in outage.learn_while_down
    assert "988" in outage.crisis_in_check_in


def test_overdose_in_progress_gets_911_first_without_the_action_server(outage: Outage):
    reply = outage.overdose_in_check_in
    assert reply.index("911") < reply.index("988")
    assert "1-800-222-1222" in reply
    assert Q_REACTION not in reply and Q_OTHER_SETTINGS not in reply


def test_overdose_in_progress_offers_nothing_to_continue(bot_stack):
    conversation = Conversation(bot_stack.rasa_urls[0])
    conversation.say("/start_assessment")
    conversation.say("i swallowed all my pills an hour ago")
    _, replies = conversation.log[-1]
    assert "911" in replies[0]["text"] and "1-800-222-1222" in replies[0]["text"]
    assert not any(reply.get("buttons") for reply in replies)
    assert not any("pick up where we left off" in (reply.get("text") or "") for reply in replies)
    assert "911" in replies[-1]["text"]


def test_crisis_reply_inside_the_therapist_form_without_the_action_server(outage: Outage):
    assert "988" in outage.crisis_in_therapist_form


def test_form_answer_while_the_action_server_is_down_gets_an_apology(outage: Outage):
    assert any(word in outage.therapist_answer_while_down.lower() for word in APOLOGY_WORDS)


def test_therapist_form_resumes_when_the_action_server_returns(outage: Outage):
    assert ASK_APPROACH in outage.therapist_answer_after


# ---------------------------------------------------------------- Rasa restarted


def test_forms_resume_after_a_rasa_restart(bot_stack):
    url = bot_stack.rasa_urls[0]
    therapist, check_in = Conversation(url), Conversation(url)
    therapist.say("find a therapist")
    therapist.say("Ohio")
    assert ASK_APPROACH in therapist.say("individual")
    check_in.say("/start_assessment")
    assert Q_OTHER_SETTINGS in check_in.say("they say it's fine and change the subject")

    seconds = restart(bot_stack, 1)
    print(f"\nRasa restarted in {seconds:.1f} s")

    assert ASK_INSURANCE in therapist.say("act")
    assert Q_BODY_SIGNALS in check_in.say("no")
    stored = stored_turns(bot_stack.env["TRACKER_DB_URL"], [therapist.sender, check_in.sender])
    for conversation in (therapist, check_in):
        assert [turn.user_text for turn in stored[conversation.sender]] == [
            text for text, _ in conversation.log]


# ---------------------------------------------------------------- database locked


def hold_exclusive_lock(db_path: Path, seconds: float, held: threading.Event) -> None:
    """Lock the whole SQLite database (no reads, no writes) for ``seconds``."""
    connection = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        held.set()
        time.sleep(seconds)
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def during_lock(db_url: str, seconds: float, action: Callable[[], str]) -> tuple[str, float]:
    """Run ``action`` while the database is locked for ``seconds``; its result and duration."""
    held = threading.Event()
    locker = threading.Thread(target=hold_exclusive_lock,
                              args=(Path(make_url(db_url).database), seconds, held))
    locker.start()
    try:
        assert held.wait(timeout=30), "could not lock the tracker database"
        started = time.monotonic()
        result = action()
        return result, time.monotonic() - started
    finally:
        locker.join()


@dataclass
class LockedRun:
    conversation: Conversation
    reply_during_lock: str
    reply_after_lock: str
    seconds: float


def run_with_lock(stack: RasaStack, seconds: float) -> LockedRun:
    """A check-in two answers in; one answer sent during the lock, one after it."""
    conversation = Conversation(stack.rasa_urls[0])
    conversation.say("/start_assessment")
    conversation.say("they say it's fine and change the subject")
    reply, took = during_lock(stack.env["TRACKER_DB_URL"], seconds,
                              lambda: conversation.say("no"))
    return LockedRun(conversation, reply, conversation.say("yes"), took)


def stored_user_texts(stack: RasaStack, conversation: Conversation) -> list[str]:
    turns = stored_turns(stack.env["TRACKER_DB_URL"], [conversation.sender])
    return [turn.user_text for turn in turns.get(conversation.sender, [])]


def test_short_database_lock_delays_but_loses_nothing(bot_stack):
    """A 2 s lock is within SQLite's default 5 s busy wait: the answer just comes later."""
    run = run_with_lock(bot_stack, 2.0)
    assert Q_BODY_SIGNALS in run.reply_during_lock
    assert run.seconds >= 1.0  # the message really waited for the lock
    assert stored_user_texts(bot_stack, run.conversation) == [
        text for text, _ in run.conversation.log]


@pytest.fixture(scope="module")
def long_lock(bot_stack) -> LockedRun:
    return run_with_lock(bot_stack, 8.0)


def test_longer_database_lock_gets_an_answer_and_the_server_goes_on(bot_stack, long_lock):
    assert long_lock.reply_during_lock.strip()
    assert long_lock.reply_after_lock.strip()
    assert "988" in texts(say(bot_stack.rasa_urls[0], uuid.uuid4().hex, "hi"))


def test_longer_database_lock_loses_no_message(bot_stack, long_lock):
    assert Q_BODY_SIGNALS in long_lock.reply_during_lock
    assert stored_user_texts(bot_stack, long_lock.conversation) == [
        text for text, _ in long_lock.conversation.log]
