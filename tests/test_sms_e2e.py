"""SMS end to end: the trained model, the action server and the SMS channel as `make run`
serves them (tests/conftest.py ``bot_stack``), driven by webhooks signed as Twilio signs them."""

import pytest
import sqlalchemy as sa

from bot.channels.sms import sender_id_for
from bot.channels.sms_text import MAX_BODY_CHARS, is_gsm7
from tests.conftest import STACK_SECRETS
from tests.test_channels_fakes import Phone

pytestmark = pytest.mark.servers

SECRET = STACK_SECRETS["SMS_SENDER_ID_SECRET"].encode()
# Numbered replies for the check-in, in order: "They try, but can't name what they feel",
# then No (same in other settings), then Yes/No/Not sure answers (1/2/3).
ALEXITHYMIA_CHOICES = ["1", "2", "1", "1", "1", "2", "4", "1", "2", "2", "2"]


def new_phone(stack, suffix: str) -> Phone:
    return Phone(stack.rasa_urls[0], number=f"+1415555{suffix:0>4}")


async def send(phone: Phone, body: str) -> str:
    reply = await phone.send(body)
    assert len(reply) <= MAX_BODY_CHARS and is_gsm7(reply), reply
    return reply


async def test_full_assessment_by_numbered_replies(bot_stack):
    phone = new_phone(bot_stack, "0101")
    greeting = await send(phone, "hi")
    assert "988" in greeting
    assert "Reply 1 for Check what's going on with my partner" in greeting
    question = await send(phone, "1")
    assert "canceled plan" in question and "Reply 1 for They try" in question
    replies = [await send(phone, choice) for choice in ALEXITHYMIA_CHOICES]
    assert "other settings" in replies[0]
    assert all("Reply 1 for Yes, 2 for No, 3 for Sometimes, 4 for Not sure." in r for r in replies[1:-1])
    result = replies[-1]
    assert "alexithymia" in result and "not a diagnosis" in result
    assert "Reply 1 for Tips for talking" in result


async def test_crisis_mid_assessment_gets_988_then_the_check_in_continues(bot_stack):
    phone = new_phone(bot_stack, "0102")
    await send(phone, "/start_assessment")  # plain text over SMS: NLU still sees "start_assessment"
    await send(phone, "1")
    crisis = await send(phone, "i want to kill myself")
    assert "988" in crisis and "911" in crisis
    assert "Reply 1 for Continue the check-in" in crisis
    assert "other settings" in await send(phone, "1")


async def test_stop_start_help_against_the_real_bot(bot_stack):
    phone = new_phone(bot_stack, "0103")
    assert "988" in await send(phone, "hi")
    assert "988" in await send(phone, "STOP")
    assert await phone.send("hi") == ""
    assert "988" in await send(phone, "HELP")
    assert "Welcome back" in await send(phone, "START")
    assert "not therapy" in await send(phone, "hi")


async def test_bad_signature_is_refused_by_the_running_server(bot_stack):
    phone = new_phone(bot_stack, "0104")
    response = await phone.post(phone.params("hi"), signature="bad")
    assert response.status == 403


def stored_events(stack, number: str) -> int:
    engine = sa.create_engine(stack.env["TRACKER_DB_URL"])
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"),
                                  {"s": sender_id_for(number, SECRET)}).scalar()


async def test_delete_my_data_by_sms_removes_the_stored_conversation(bot_stack):
    phone = new_phone(bot_stack, "0105")
    await send(phone, "hi")
    assert stored_events(bot_stack, phone.number) > 0
    confirm = await send(phone, "delete my data")
    assert "delete" in confirm and "Reply 1 for Yes, delete it" in confirm
    assert "deleted" in await send(phone, "1")
    assert stored_events(bot_stack, phone.number) == 0
    await send(phone, "hi")
    assert "deleted" in await send(phone, "DELETE")
    assert stored_events(bot_stack, phone.number) == 0


async def test_numbers_never_reach_the_database_or_logs(bot_stack):
    phone = new_phone(bot_stack, "0106")
    await send(phone, "hi my number is private")
    logs = "".join(path.read_text(errors="replace") for path in bot_stack.log_dir.iterdir())
    assert phone.number not in logs and "my number is private" not in logs
    engine = sa.create_engine(bot_stack.env["TRACKER_DB_URL"])
    with engine.connect() as connection:
        senders = [row[0] for row in connection.execute(sa.text("SELECT DISTINCT sender_id FROM events"))]
    assert not any(phone.number[1:] in sender for sender in senders)
