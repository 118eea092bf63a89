"""Bad input over REST: each message gets a clear reply or a clear 4xx, and the server goes on.

Runs against the shared ``bot_stack`` (SQL tracker store in a temporary SQLite file).
"A clear reply" is HTTP 200 with at least one bot text; "a clear 4xx" is a client
error status. After every case the server still greets a new user, and the tracker
store holds exactly what it should: one user event per accepted message, and
nothing at all for a rejected request.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest
import sqlalchemy as sa

from bench.conversations import stored_turns
from bot.channels.input_check import user_text
from tests.support.stack import say

pytestmark = pytest.mark.servers

SENTENCE = "my partner never says how he feels "
HUNDRED_KB = (SENTENCE * 3000)[:100_000]
SQL_STRINGS = [
    "'; DROP TABLE events; --",
    "1 OR 1=1",
    "Robert'); DELETE FROM providers WHERE ('1'='1",
    "\" UNION SELECT sender_id, data FROM events --",
    "'; UPDATE events SET data = NULL; --",
]

# Message texts that must each get a reply (HTTP 200, at least one bot text).
ODD_TEXTS = {
    "4,000 characters (the limit)": (SENTENCE * 200)[:4_000],
    "control characters": "hi\x00\x07\x1b[31m\x7f\u200b\u202e there",
    "emoji only": "😢😢💔",
    "Spanish": "hola, mi pareja nunca habla de sus sentimientos",
    "Chinese": "我的伴侣从不表达感情",
    "Arabic": "شريكي لا يعبر عن مشاعره",
    "Russian": "мой партнёр не говорит о чувствах",
    **{f"SQL {number}": text for number, text in enumerate(SQL_STRINGS)},
}


def post_raw(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, bytes]:
    """POST ``body`` as is to the REST webhook; return status and response body."""
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def event_count(db_url: str) -> int:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
    finally:
        engine.dispose()


def assert_still_answers(url: str) -> None:
    replies = say(url, uuid.uuid4().hex, "hi")
    assert replies and "988" in replies[0]["text"], replies


def clear_reply(replies: list[dict]) -> bool:
    return bool(replies) and all(isinstance(r, dict) for r in replies) and any(
        (r.get("text") or "").strip() for r in replies)


@pytest.mark.parametrize("text", ODD_TEXTS.values(), ids=ODD_TEXTS.keys())
def test_odd_text_gets_a_clear_reply(bot_stack, text):
    url, sender = bot_stack.rasa_urls[0], uuid.uuid4().hex
    replies = say(url, sender, text)
    assert clear_reply(replies), replies
    turns = stored_turns(bot_stack.env["TRACKER_DB_URL"], [sender])[sender]
    # Rasa strips the text; control characters became spaces (bot.channels.input_check)
    assert [turn.user_text for turn in turns] == [user_text(text, []).strip()]
    assert len(turns[0].bot_texts) == len(replies)
    assert_still_answers(url)


@pytest.mark.parametrize("text", [(SENTENCE * 300)[:10_000], HUNDRED_KB], ids=["10 KB", "100 KB"])
def test_too_long_message_gets_a_413_and_writes_nothing(bot_stack, text):
    url, db_url = bot_stack.rasa_urls[0], bot_stack.env["TRACKER_DB_URL"]
    before = event_count(db_url)
    status, payload = post_raw(url, json.dumps({"sender": uuid.uuid4().hex, "message": text}).encode())
    assert status == 413, (status, payload[:200])
    assert b"at most 4000 characters" in payload
    assert event_count(db_url) == before
    assert_still_answers(url)


# Requests the REST channel must refuse with a 4xx (nothing to answer, nothing to store).
BAD_REQUESTS = {
    "invalid UTF-8": b'{"sender": "bad-utf8", "message": "caf\xc3\x28 \xff\xfe"}',
    "not JSON": b"hello there",
    "truncated JSON": b'{"sender": "x", "message": "hi"',
}
# Well-formed JSON of the wrong shape. Rasa 3.6's RestInput does not check the shape (a
# body that is not an object was an HTTP 500, a message that is not a string got 200 with
# no reply, a missing sender went into one conversation shared by everybody, "default");
# bot.channels.rest.ValidatedRestInput refuses them all with a 400.
WRONG_SHAPES = [
    pytest.param(b"", id="empty body"),
    pytest.param(b'["hi"]', id="JSON list"),
    pytest.param(b'"hi"', id="JSON string"),
    pytest.param(b"null", id="JSON null"),
    pytest.param(b'{"sender": "shape-no-message"}', id="no message"),
    pytest.param(b'{"sender": "shape-number", "message": 5}', id="number message"),
    pytest.param(b'{"sender": "shape-object", "message": {"text": "hi"}}', id="object message"),
    pytest.param(b'{"message": "hi"}', id="no sender"),
    pytest.param(b'{"sender": {"id": 1}, "message": "hi"}', id="object sender"),
]


@pytest.mark.parametrize("body", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_unparseable_body_gets_a_4xx_and_writes_nothing(bot_stack, body):
    url, db_url = bot_stack.rasa_urls[0], bot_stack.env["TRACKER_DB_URL"]
    before = event_count(db_url)
    status, _ = post_raw(url, body)
    assert 400 <= status < 500, status
    assert event_count(db_url) == before
    assert_still_answers(url)


@pytest.mark.parametrize("body", WRONG_SHAPES)
def test_wrong_shape_json_gets_a_4xx_or_a_clear_reply(bot_stack, body):
    url, db_url = bot_stack.rasa_urls[0], bot_stack.env["TRACKER_DB_URL"]
    before = event_count(db_url)
    status, payload = post_raw(url, body)
    try:
        if status == 200:
            assert b'"sender"' in body, "a message without sender must be refused"
            assert clear_reply(json.loads(payload)), payload
        else:
            assert 400 <= status < 500, (status, payload[:200])
            assert event_count(db_url) == before
    finally:
        assert_still_answers(url)


@pytest.mark.parametrize("text", ["", " \t\n  "], ids=["empty", "whitespace"])
def test_empty_message_gets_a_clear_reply_and_writes_nothing(bot_stack, text):
    url, db_url = bot_stack.rasa_urls[0], bot_stack.env["TRACKER_DB_URL"]
    before = event_count(db_url)
    replies = say(url, uuid.uuid4().hex, text)
    assert clear_reply(replies), replies
    assert "type your message" in replies[0]["text"]
    assert event_count(db_url) == before


def test_sql_strings_in_every_therapist_form_slot(bot_stack):
    """Each slot is offered SQL first: the form re-asks (or, for free-text insurance, moves
    on), the valid answer that follows is taken, and both stores are intact afterwards."""
    url, sender, db_url = bot_stack.rasa_urls[0], uuid.uuid4().hex, bot_stack.env["TRACKER_DB_URL"]
    # (valid answer, text of the question asked for this slot, question asked next)
    steps = [("Ohio", "Which US state", "What kind of help"),
             ("individual", "What kind of help", "particular approach"),
             ("act", "particular approach", "Which insurance"),
             (None, "Which insurance", "video sessions"),
             ("yes", "video sessions", None)]
    assert "Which US state" in say(url, sender, "find a therapist")[-1]["text"]
    asked_to_delete = 0
    for injection, (answer, this_question, next_question) in zip(SQL_STRINGS, steps):
        replies = say(url, sender, injection)
        if "delete everything" in replies[-1].get("text", ""):
            # "UPDATE events SET data = NULL" reads as delete_data (0.92): the bot asks first
            # (bot.policies.delete_confirm); "no" deletes nothing and resumes the form.
            asked_to_delete += 1
            replies = say(url, sender, "no")
            assert "haven't deleted anything" in replies[0]["text"], replies
        expected = this_question if answer else next_question
        assert expected in replies[-1].get("text", ""), (injection, replies)
        if answer:
            replies = say(url, sender, answer)
    final = " ".join(r.get("text", "") for r in replies)
    assert "directory" in final or "SAMHSA" in final, final
    stored = [turn.user_text for turn in stored_turns(db_url, [sender])[sender]]
    assert stored[:2] == ["find a therapist", SQL_STRINGS[0]]
    assert len(stored) == 10 + asked_to_delete
    assert event_count(db_url) > 0  # the events table is still there and readable
    assert_still_answers(url)


def post_json(url: str, body: dict) -> tuple[int, bytes]:
    return post_raw(url, json.dumps(body).encode())  # json.dumps escapes lone surrogates


# Each of these stopped the whole server (SQLTrackerStore.session_scope ->
# print_error_and_exit): a lone surrogate on SQLite, a NUL on PostgreSQL.
@pytest.mark.parametrize("sender", ["x\ud800", "\u0000", "nul\x00inside", "tab\there",
                                    "zero\u200bwidth"],
                         ids=["lone surrogate", "NUL", "NUL inside", "tab", "zero width"])
def test_unstorable_sender_id_gets_a_400_and_the_server_stays_up(bot_stack, sender):
    url, db_url = bot_stack.rasa_urls[0], bot_stack.env["TRACKER_DB_URL"]
    before = event_count(db_url)
    status, payload = post_json(url, {"sender": sender, "message": "hi"})
    assert status == 400, (status, payload[:200])
    assert event_count(db_url) == before
    assert_still_answers(url)


@pytest.mark.parametrize("text", ["i want to kill myself\ud800", "\ud83di want to kill myself",
                                  "i want to\x00 kill myself"],
                         ids=["trailing surrogate", "leading surrogate", "NUL"])
def test_crisis_message_with_unstorable_characters_still_gets_988(bot_stack, text):
    status, payload = post_json(bot_stack.rasa_urls[0], {"sender": uuid.uuid4().hex, "message": text})
    assert status == 200, (status, payload[:200])
    assert "988" in " ".join(reply.get("text", "") for reply in json.loads(payload))


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", ""])
def test_only_json_is_accepted_so_no_simple_cross_site_post(bot_stack, content_type):
    """A web page can send text/plain (and the two form types) cross-site without a CORS
    preflight (fetch mode "no-cors"); Rasa's REST channel parsed any body as JSON."""
    url, db_url = bot_stack.rasa_urls[0], bot_stack.env["TRACKER_DB_URL"]
    before = event_count(db_url)
    body = json.dumps({"sender": uuid.uuid4().hex, "message": "hi"}).encode()
    status, _ = post_raw(url, body, content_type=content_type)
    assert status == 415
    assert event_count(db_url) == before


@pytest.mark.parametrize("sender", ["web-" + "a" * 32, "sms-" + "b" * 64])
def test_rest_cannot_post_into_a_web_or_sms_conversation(bot_stack, sender):
    url, db_url = bot_stack.rasa_urls[0], bot_stack.env["TRACKER_DB_URL"]
    before = event_count(db_url)
    status, payload = post_json(url, {"sender": sender, "message": "hi"})
    assert status == 403, (status, payload[:200])
    assert event_count(db_url) == before


@pytest.mark.parametrize("depth", [17, 1_000, 100_000])
def test_deeply_nested_json_gets_a_4xx(bot_stack, depth):
    """100,000 levels was a 500 (RecursionError in the JSON parser)."""
    url = bot_stack.rasa_urls[0]
    status, _ = post_raw(url, b'{"sender": "deep", "message": "hi", "x": '
                         + b"[" * depth + b"]" * depth + b"}")
    assert status in (400, 413), status
    assert_still_answers(url)


def test_client_metadata_and_input_channel_are_not_stored(bot_stack):
    url, sender = bot_stack.rasa_urls[0], uuid.uuid4().hex
    status, _ = post_json(url, {"sender": sender, "message": "hi", "input_channel": "sms",
                                "metadata": {"big": "x" * 1000}})
    assert status == 200
    engine = sa.create_engine(bot_stack.env["TRACKER_DB_URL"])
    with engine.connect() as connection:
        stored = connection.execute(sa.text(
            "SELECT data FROM events WHERE sender_id = :s AND type_name = 'user'"),
            {"s": sender}).scalar_one()
    engine.dispose()
    event = json.loads(stored)
    assert event["input_channel"] == "rest" and "big" not in event.get("metadata", {})


def test_slash_text_is_not_logged_by_rasa_warnings(bot_stack):
    """Text starting with "/" that names no intent: Rasa warned with the whole text (phone
    number included) on stderr, past the log redaction. Now it reaches Rasa without "/"."""
    url, sender = bot_stack.rasa_urls[0], uuid.uuid4().hex
    replies = say(url, sender, "/call me at 415-555-0199 he never listens")
    assert clear_reply(replies), replies
    log = (bot_stack.workdir / "logs" / "rasa-0.log").read_text(errors="replace")
    assert "555-0199" not in log and "he never listens" not in log
