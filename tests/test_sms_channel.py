"""The SMS webhook over real HTTP, with a scripted bot (tests/test_channels_fakes.py).

Requests are signed exactly as Twilio signs them, with the twilio library's own
``RequestValidator.compute_signature`` over the webhook URL and the POST parameters.
"""

import logging
import re

import pytest
import sqlalchemy as sa

from bot.channels.limits import BURST, MAX_MESSAGE_CHARS, RATE_LIMITED_REPLY, TOO_LONG_REPLY, RateLimiter
from bot.channels.sms import SmsInput, sender_id_for
from bot.channels.sms_keywords import EMPTY_MESSAGE_REPLY, TOO_SLOW_REPLY
from bot.channels.sms_opt_outs import OptOutStore
from tests.test_channels_fakes import AUTH_TOKEN, NUMBER, FakeAgent, Phone, serve

SECRET = b"test-sms-sender-secret"


def make_channel(**settings) -> SmsInput:
    options = {"auth_token": AUTH_TOKEN, "sender_secret": SECRET,
               "opt_outs": OptOutStore(sa.create_engine("sqlite://")), **settings}
    return SmsInput(**options)


@pytest.fixture
def agent():
    return FakeAgent()


@pytest.fixture
async def phone(agent):
    async with serve(make_channel(), agent) as url:
        yield Phone(url)


async def test_signed_request_reaches_the_bot_under_a_hashed_sender_id(phone, agent):
    assert await phone.send("hello there") == "You said: hello there"
    assert agent.received == [(sender_id_for(NUMBER, SECRET), "hello there")]
    assert NUMBER not in agent.received[0][0] and "4155550100" not in agent.received[0][0]


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", "wrong"])
async def test_missing_or_bad_signature_is_403_and_reaches_no_conversation(phone, agent, signature):
    response = await phone.post(phone.params("hello"), signature=signature)
    assert response.status == 403
    assert agent.received == []
    assert list(await agent.tracker_store.keys()) == []


async def test_signature_for_other_parameters_is_rejected(phone, agent):
    signed = phone.params("hello")
    signature = phone.validator.compute_signature(phone.url, signed)
    response = await phone.post({**signed, "Body": "tampered"}, signature=signature)
    assert response.status == 403 and agent.received == []


async def test_signature_with_another_auth_token_is_rejected(agent):
    async with serve(make_channel(), agent) as url:
        response = await Phone(url, token="someone-elses-token").post(Phone(url).params("hi"))
    assert response.status == 403 and agent.received == []


async def test_without_an_auth_token_every_request_is_rejected(agent, caplog):
    with caplog.at_level(logging.WARNING):
        channel = make_channel(auth_token=None)
    assert "TWILIO_AUTH_TOKEN is not set" in caplog.text
    async with serve(channel, agent) as url:
        phone = Phone(url)
        response = await phone.post(phone.params("hello"))
    assert response.status == 403 and agent.received == []


async def test_validation_off_accepts_unsigned_requests_and_warns(agent, caplog):
    with caplog.at_level(logging.WARNING):
        channel = make_channel(validate_signature=False)
    assert "signature validation is OFF" in caplog.text
    async with serve(channel, agent) as url:
        phone = Phone(url)
        response = await phone.post(phone.params("hello"), signature="")
    assert response.status == 200 and agent.received


async def test_public_url_is_what_the_signature_covers(agent):
    public = "https://bot.example.org/webhooks/sms/webhook"
    async with serve(make_channel(public_url=public), agent) as url:
        assert await Phone(url, signed_url=public).send("hi") == "You said: hi"
        response = await Phone(url).post(Phone(url).params("hi"))  # signed for the local URL
    assert response.status == 403


async def test_numbered_reply_picks_the_offered_button(phone, agent):
    question = await phone.send("ask")
    assert question == "Do they go quiet?\n\nReply 1 for Yes, 2 for No, 3 for Not sure."
    await phone.send("3")
    assert agent.received[-1][1] == "/answer_unsure"
    # Once answered, "2" is no longer a choice: it goes to the bot as text.
    await phone.send("2")
    assert agent.received[-1][1] == "2"


async def test_numbering_spans_the_turns_messages(phone, agent):
    assert await phone.send("two messages") == (
        "First part.\n\nSecond part?\n\nReply 1 for Yes, 2 for No.")
    await phone.send("2")
    assert agent.received[-1][1] == "/deny"


async def test_text_starting_with_a_slash_is_plain_text(phone, agent):
    await phone.send("/restart")
    await phone.send('/crisis{"x": 1}')
    assert [text for _, text in agent.received] == ["restart", 'crisis{"x": 1}']


@pytest.mark.parametrize("params", [
    {"Body": ""},
    {"Body": "   "},
    {"Body": "", "NumMedia": "1", "MediaUrl0": "https://api.twilio.com/media/ME1",
     "MediaContentType0": "image/jpeg"},
    {"Body": "/"},
])
async def test_empty_or_media_only_message_gets_a_helpful_reply(phone, agent, params):
    body = params.pop("Body")
    assert await phone.send(body, **params) == EMPTY_MESSAGE_REPLY
    assert agent.received == []


async def test_unicode_input_is_signed_and_passed_on_unchanged(phone, agent):
    text = "\u00bfQu\u00e9? he said \u201cI'm fine\u201d \U0001F614 \u4f60\u597d"
    reply = await phone.send(text)
    assert agent.received[-1][1] == text
    assert reply == "You said: \u00bfQu\u00e9? he said \"I'm fine\" \u4f60\u597d"


async def test_long_bot_reply_is_capped_at_1600_characters(agent):
    agent.replies = lambda text: [{"text": "a very long answer " * 60},
                                  {"text": "and more " * 100}]
    async with serve(make_channel(), agent) as url:
        reply = await Phone(url).send("tell me everything")
    assert 1500 < len(reply) <= 1600 and reply.endswith("...")


@pytest.mark.parametrize("word", ["STOP", "stop", "Stop.", " STOPALL ", "unsubscribe",
                                  "CANCEL", "END", "QUIT"])
async def test_opt_out_words_confirm_with_988_then_silence(phone, agent, word):
    confirmation = await phone.send(word)
    assert "988" in confirmation and "START" in confirmation
    assert await phone.send("hello?") == ""
    assert await phone.send("yes") != ""  # YES re-subscribes someone who opted out
    assert await phone.send("hello again") == "You said: hello again"
    assert [text for _, text in agent.received] == ["hello again"]


async def test_start_resubscribes_and_opt_out_persists_in_the_database(agent, tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path}/optouts.db")
    async with serve(make_channel(opt_outs=OptOutStore(engine)), agent) as url:
        await Phone(url).send("STOP")
    # A restarted server (new channel, same database) still honours the opt-out.
    async with serve(make_channel(opt_outs=OptOutStore(engine)), agent) as url:
        phone = Phone(url)
        assert await phone.send("hi") == ""
        rows = engine.connect().execute(sa.text("SELECT sender_id FROM sms_opt_outs")).all()
        assert rows == [(sender_id_for(NUMBER, SECRET),)]
        assert "Welcome back" in await phone.send("START")
        assert await phone.send("hi") == "You said: hi"
    assert engine.connect().execute(sa.text("SELECT count(*) FROM sms_opt_outs")).scalar() == 0


async def test_yes_is_an_answer_for_someone_subscribed(phone, agent):
    assert await phone.send("YES") == "You said: YES"


@pytest.mark.parametrize("word", ["HELP", "help", "INFO"])
async def test_help_names_the_program_and_gives_stop_and_988(phone, agent, word):
    reply = await phone.send(word)
    assert reply.startswith("Partner Check-in Guide:")
    assert "not therapy" in reply.lower() and "STOP" in reply and "988" in reply
    assert agent.received == []


async def test_help_still_answers_after_opt_out(phone):
    await phone.send("STOP")
    assert "988" in await phone.send("HELP")


async def test_delete_erases_the_conversation_at_once(phone, agent):
    await phone.send("something private")
    sender = sender_id_for(NUMBER, SECRET)
    assert await agent.stored_texts(sender) == ["something private"]
    assert "deleted" in await phone.send("DELETE")
    assert await agent.tracker_store.retrieve(sender) is None


async def test_confirmed_delete_my_data_is_applied_after_the_turn(phone, agent):
    await phone.send("something private")
    await phone.send("delete my data")  # the fake bot sets data_deletion_requested
    assert await agent.tracker_store.retrieve(sender_id_for(NUMBER, SECRET)) is None


async def test_other_numbers_are_other_conversations(agent):
    async with serve(make_channel(), agent) as url:
        await Phone(url).send("ask")
        await Phone(url, number="+14155550199").send("1")
    assert agent.received[-1][1] == "1"  # no choices were offered to this number
    assert len({sender for sender, _ in agent.received}) == 2


async def test_slow_bot_gets_a_resend_reply_within_the_limit(agent):
    import asyncio

    original = agent.handle_message

    async def slow(message):
        await asyncio.sleep(1.0)
        await original(message)

    agent.handle_message = slow
    async with serve(make_channel(reply_timeout=0.2), agent) as url:
        assert await Phone(url).send("hi") == TOO_SLOW_REPLY
        await asyncio.sleep(1.2)
    assert agent.received == [(sender_id_for(NUMBER, SECRET), "hi")]  # still handled


async def test_phone_number_and_text_never_reach_the_logs(phone, caplog):
    with caplog.at_level(logging.DEBUG):
        await phone.send("my secret words")
        await phone.send("STOP")
        await phone.post(phone.params("bad"), signature="bad")
    logged = caplog.text
    assert "4155550100" not in logged and "secret words" not in logged
    assert re.search(r"opt-out", logged) and "Rejected an SMS webhook request" in logged


async def test_a_replayed_request_is_not_processed_again(phone, agent):
    params = phone.params("something private")
    first, replay = await phone.post(params), await phone.post(params)
    assert first.status == replay.status == 200
    assert [text for _, text in agent.received] == ["something private"]


@pytest.mark.parametrize("word", ["STOP?", "ＳＴＯＰ", "S\u200bTOP", "stop 🛑", "\u200bStop!!",
                                  "OPTOUT", "revoke", "Unsubscribe!!"])
async def test_stop_variants_and_the_full_opt_out_list_opt_out(phone, agent, word):
    assert "unsubscribed" in await phone.send(word)
    assert await phone.send("hello?") == ""
    assert agent.received == []


async def test_stop_inside_a_sentence_is_a_message(phone, agent):
    assert await phone.send("stop it please") == "You said: stop it please"


async def test_text_is_capped_and_cleaned_like_the_other_channels(phone, agent):
    assert await phone.send("x" * (MAX_MESSAGE_CHARS + 1)) == TOO_LONG_REPLY
    assert await phone.send("i want to die\x00\x1b now") == "You said: i want to die now"
    assert [text for _, text in agent.received] == ["i want to die   now"]


async def test_malformed_from_or_message_sid_is_a_400(phone, agent):
    for extra in ({"From": "+1415\x00555"}, {"MessageSid": ""}, {"MessageSid": "S" * 200}):
        assert (await phone.post(phone.params("hi", **extra))).status == 400
    assert agent.received == []


async def test_a_burst_beyond_the_rate_limit_is_answered_with_988(agent):
    channel = make_channel()
    channel.limiter = RateLimiter(clock=lambda: 0.0)  # no refill during the test
    async with serve(channel, agent) as url:
        phone = Phone(url)
        replies = [await phone.send(f"m{index}") for index in range(BURST + 2)]
    assert replies[-2:] == [RATE_LIMITED_REPLY] * 2 and len(agent.received) == BURST
