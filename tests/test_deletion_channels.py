""""Delete my data" end to end on every channel, inside and outside the check-in, on
SQLite and PostgreSQL: the trained model, the action server and the channels as `make run`
serves them (tests/conftest.py ``project_stack``).

Before: over REST the bot said "Done. This conversation has been deleted." and every row
stayed (deletion was wired into the web and SMS channels only); inside the check-in the
"yes" that confirmed it was taken as the form's answer or got "Sorry, I didn't quite get
that". Now the tracker store deletes when it saves the confirming turn
(bot.privacy.deletion) and bot.policies.delete_confirm answers before the form.
Checked: the reply, the rows of that sender (none after a confirmation, all kept after a
"no", with the pending check-in question asked again), and for the web that the old token
no longer opens the conversation.
"""

from __future__ import annotations

import asyncio
import random
import uuid

import pytest
import sqlalchemy as sa

from bot.channels.sms import sender_id_for
from bot.channels.web_session import sender_from_token
from tests.conftest import REPO_ROOT, STACK_SECRETS, project_stack
from tests.support.services import start_services, stop_services
from tests.support.stack import say
from tests.test_channels_fakes import Phone
from tests.test_socketio_session import Browser

pytestmark = pytest.mark.servers

ASKED = "delete everything from this conversation"
DELETED = "This conversation has been deleted"
CANCELLED = "I haven't deleted anything"
# A web turn is over when no bot message has come for this long (the socket sends no
# end-of-turn event); the gap inside a turn is one action-server call.
QUIET_SECONDS = 2.5
FIRST_QUESTION, SECOND_QUESTION, THIRD_QUESTION = "canceled plan", "other settings", "body signals"
# What each channel's user sends: typed words (REST), button payloads (web), numbers (SMS).
STEPS = {
    "rest": {"start": "/start_assessment", "answer": "/reaction_confused",
             "yes": "yes", "no": "no"},
    "web": {"start": "/start_assessment", "answer": "/reaction_confused",
            "yes": "/affirm", "no": "/deny"},
    "sms": {"start": "1", "answer": "1", "yes": "1", "no": "2"},
}


class RestUser:
    def __init__(self, url: str) -> None:
        self.url, self.sender_id = url, "rest-" + uuid.uuid4().hex

    async def turn(self, text: str) -> str:
        return " ".join(reply.get("text", "") for reply in say(self.url, self.sender_id, text))


class WebUser:
    def __init__(self, url: str) -> None:
        self.browser = Browser(url)
        self.token = self.sender_id = None
        self.seen: list[str] = []

    async def open(self) -> "WebUser":
        self.token, _ = await self.browser.open()
        self.sender_id = sender_from_token(STACK_SECRETS["WEB_SESSION_SECRET"].encode(),
                                           self.token)
        return self

    async def turn(self, text: str) -> str:
        """Every bot message until the turn goes quiet; other events go to ``self.seen``."""
        await self.browser.client.emit("user_uttered", {"message": text})
        texts = []
        try:
            while True:
                name, data = await asyncio.wait_for(self.browser.events.get(),
                                                    timeout=QUIET_SECONDS if texts else 60)
                if name == "bot_uttered":
                    texts.append(data.get("text", ""))
                else:
                    self.seen.append(name)
        except asyncio.TimeoutError:
            return " ".join(texts)


class SmsUser:
    def __init__(self, url: str) -> None:
        number = "+1415" + "".join(random.choices("0123456789", k=7))
        self.phone = Phone(url, number=number)
        self.sender_id = sender_id_for(number, STACK_SECRETS["SMS_SENDER_ID_SECRET"].encode())

    async def turn(self, text: str) -> str:
        return await self.phone.send(text)


@pytest.fixture(scope="module")
def postgres_stack(tmp_path_factory):
    services = start_services(REPO_ROOT / "var" / "test-services-deletion")
    try:
        with project_stack(tmp_path_factory.mktemp("pg_stack"), services.tracker_db_url) as stack:
            yield stack
    finally:
        stop_services(services)


@pytest.fixture(params=["sqlite", "postgresql"])
def stack(request):
    return request.getfixturevalue("bot_stack" if request.param == "sqlite" else "postgres_stack")


async def user_for(channel: str, url: str):
    if channel == "web":
        return await WebUser(url).open()
    return {"rest": RestUser, "sms": SmsUser}[channel](url)


def rows(stack, sender_id: str) -> int:
    engine = sa.create_engine(stack.env["TRACKER_DB_URL"])
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"),
                                      {"s": sender_id}).scalar_one()
    finally:
        engine.dispose()


async def into_check_in(user, steps: dict) -> None:
    assert "988" in await user.turn("hi")
    assert FIRST_QUESTION in await user.turn(steps["start"])
    assert SECOND_QUESTION in await user.turn(steps["answer"])


@pytest.mark.parametrize("where", ["outside", "check-in"])
@pytest.mark.parametrize("channel", ["rest", "web", "sms"])
async def test_confirmed_deletion_deletes(stack, channel, where):
    url, steps = stack.rasa_urls[0], STEPS[channel]
    user = await user_for(channel, url)
    if where == "check-in":
        await into_check_in(user, steps)
    else:
        assert "988" in await user.turn("hi")
    assert ASKED in await user.turn("delete my data")
    assert rows(stack, user.sender_id) > 0
    confirmation = await user.turn(steps["yes"])
    assert DELETED in confirmation and SECOND_QUESTION not in confirmation, confirmation
    assert rows(stack, user.sender_id) == 0
    if channel == "web":
        assert "conversation_deleted" in user.seen and "session_confirm" in user.seen
        await user.browser.close()
        again = Browser(url)
        new_token, history = await again.open(user.token)  # the old token opens nothing
        assert new_token != user.token and history == []
        await again.close()
        assert rows(stack, user.sender_id) == 0
    else:
        assert "988" in await user.turn("hi")  # a fresh conversation
        assert rows(stack, user.sender_id) > 0


@pytest.mark.parametrize("channel", ["rest", "web", "sms"])
async def test_no_keeps_everything_and_asks_the_check_in_question_again(stack, channel):
    url, steps = stack.rasa_urls[0], STEPS[channel]
    user = await user_for(channel, url)
    await into_check_in(user, steps)
    assert ASKED in await user.turn("delete my data")
    before = rows(stack, user.sender_id)
    cancelled = await user.turn(steps["no"])
    assert CANCELLED in cancelled and SECOND_QUESTION in cancelled, cancelled
    assert rows(stack, user.sender_id) > before
    # The "no" was not taken as the check-in's answer: the next answer is.
    assert THIRD_QUESTION in await user.turn(steps["yes"])
    if channel == "web":
        await user.browser.close()
