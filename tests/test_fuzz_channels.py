"""Fuzzing every channel of a running server with Hypothesis (loopback only, bounded).

Against the shared ``bot_stack`` (the assistant as `make run` serves it), random and
hostile inputs go to each channel's door:

- REST: raw bytes, arbitrary JSON (deep, wide, wrong types), and message objects whose
  sender and text mix control characters, lone surrogates, NULs, zero-width and
  right-to-left marks, emoji, "/" shortcuts and SQL, under random content types;
- SMS: validly signed Twilio webhooks with hostile ``Body``, ``From`` and extra
  parameters, plus unsigned ones;
- web chat: socket.io events (``session_request``, ``user_uttered``, unknown ones) with
  random payloads, then a normal message on the same socket.

Asserted for every input: an answer (no timeout), with a 2xx or 4xx status, never a 5xx;
the server still answers a greeting after each batch. A crisis phrase inside garbage on
any channel still gets 988. Bounded by ``max_examples`` per property (about two minutes
on 2 cores); the number of inputs tried is written to results/fuzz.json.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import socketio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from tests.conftest import REPO_ROOT, STACK_SECRETS
from tests.support.stack import say

pytestmark = pytest.mark.servers

CRISIS = "i want to kill myself"
TIMEOUT = 30.0
COUNTS: dict[str, int] = {}
FUZZ_SETTINGS = dict(deadline=None, database=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow, HealthCheck.data_too_large])

# Characters that broke or could break a layer: NUL and other controls, lone surrogates,
# zero-width and bidi marks, a BOM, non-characters, emoji, full-width letters.
HOSTILE_CHARS = st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\ud800", "\udfff", "\ud83d",
                                 "\u200b", "\u202e", "\ufeff", "\uffff", "\U0010ffff", "😢",
                                 "Ｓ", "'", '"', "\\", "/", "{", "<", "&", "\n", "%00"])
HOSTILE_TEXT = st.lists(st.one_of(HOSTILE_CHARS, st.text(max_size=8),
                                  st.sampled_from(["/affirm", "/greet{\"x\":1}", "/", "STOP",
                                                   "'; DROP TABLE events; --", "delete my data",
                                                   "415-555-0100"])),
                        max_size=12).map("".join)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | HOSTILE_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(HOSTILE_TEXT, children,
                                                                       max_size=4),
    max_leaves=20,
)
CONTENT_TYPES = st.sampled_from(["application/json", "application/json; charset=utf-8",
                                 "text/plain", "application/x-www-form-urlencoded", ""])


def count(channel: str) -> None:
    COUNTS[channel] = COUNTS.get(channel, 0) + 1


def json_bytes(value) -> bytes:
    return json.dumps(value).encode()  # escapes lone surrogates as \\ud800, as a client may


def post(url: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def assert_answered(status: int, payload: bytes) -> None:
    assert 200 <= status < 500, (status, payload[:300])


def assert_up(url: str) -> None:
    replies = say(url, "fuzz-check-" + uuid.uuid4().hex, "hi", timeout=TIMEOUT)
    assert replies and "988" in replies[0]["text"], replies


REST_BODIES = st.one_of(
    st.binary(max_size=300),
    JSON_VALUES.map(json_bytes),
    st.fixed_dictionaries({"sender": st.one_of(HOSTILE_TEXT, JSON_VALUES),
                           "message": st.one_of(HOSTILE_TEXT, JSON_VALUES)},
                          optional={"metadata": JSON_VALUES, "input_channel": HOSTILE_TEXT})
    .map(json_bytes),
    st.integers(1, 3000).map(lambda depth: b'{"sender":"d","message":"hi","x":'
                             + b"[" * depth + b"]" * depth + b"}"),
)


def test_fuzz_rest(bot_stack):
    url = bot_stack.rasa_urls[0]

    @settings(max_examples=250, **FUZZ_SETTINGS)
    @given(body=REST_BODIES, content_type=CONTENT_TYPES)
    def one(body, content_type):
        count("rest")
        assert_answered(*post(f"{url}/webhooks/rest/webhook", body,
                              {"Content-Type": content_type}))

    one()
    assert_up(url)


def test_fuzz_rest_crisis_in_garbage(bot_stack):
    url = bot_stack.rasa_urls[0]

    @settings(max_examples=40, **FUZZ_SETTINGS)
    @given(before=HOSTILE_TEXT, after=HOSTILE_TEXT)
    def one(before, after):
        count("rest crisis")
        body = json_bytes({"sender": uuid.uuid4().hex, "message": f"{before} {CRISIS} {after}"})
        status, payload = post(f"{url}/webhooks/rest/webhook", body,
                               {"Content-Type": "application/json"})
        assert status == 200, (status, payload[:300])
        assert "988" in payload.decode(), payload[:300]

    one()


def sms_post(url: str, params: dict, signed: bool = True) -> tuple[int, bytes]:
    webhook = f"{url}/webhooks/sms/webhook"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    # Twilio signs the parameters as sent; values are sent as UTF-8 (surrogates as "?").
    params = {key: value.encode("utf-8", "replace").decode("utf-8") for key, value in params.items()}
    if signed:
        validator = RequestValidator(STACK_SECRETS["TWILIO_AUTH_TOKEN"])
        headers["X-Twilio-Signature"] = validator.compute_signature(webhook, params)
    return post(webhook, urllib.parse.urlencode(params).encode(), headers)


SMS_PARAMS = st.fixed_dictionaries(
    {"Body": HOSTILE_TEXT, "From": st.one_of(HOSTILE_TEXT, st.just("+14155550123")),
     "MessageSid": st.one_of(st.just(""), st.uuids().map(lambda u: "SM" + u.hex), HOSTILE_TEXT)},
    optional={"To": HOSTILE_TEXT, "NumMedia": HOSTILE_TEXT, "Extra": HOSTILE_TEXT},
)


def test_fuzz_sms(bot_stack):
    url = bot_stack.rasa_urls[0]

    @settings(max_examples=150, **FUZZ_SETTINGS)
    @given(params=SMS_PARAMS, signed=st.booleans())
    def one(params, signed):
        count("sms")
        status, payload = sms_post(url, params, signed)
        assert_answered(status, payload)
        assert status != 200 or payload.startswith(b"<?xml"), payload[:300]

    one()
    assert_up(url)


def test_fuzz_sms_crisis_in_garbage(bot_stack):
    url = bot_stack.rasa_urls[0]

    @settings(max_examples=25, **FUZZ_SETTINGS)
    @given(before=HOSTILE_TEXT, after=HOSTILE_TEXT)
    def one(before, after):
        count("sms crisis")
        number = "+1415" + str(uuid.uuid4().int)[:7]
        status, payload = sms_post(url, {"Body": f"{before} {CRISIS} {after}", "From": number,
                                         "MessageSid": "SM" + uuid.uuid4().hex})
        assert status == 200 and b"988" in payload, (status, payload[:300])

    one()


class WebClient:
    """A synchronous socket.io client that records what the server sends."""

    def __init__(self, url: str) -> None:
        self.client = socketio.Client()
        self.replies: list = []
        self.client.on("bot_uttered", self.replies.append)
        self.client.connect(url, socketio_path="/socket.io", transports=["polling"])

    def wait_for(self, predicate, timeout: float = TIMEOUT) -> bool:
        waited = 0.0
        while waited < timeout:
            if predicate():
                return True
            self.client.sleep(0.1)
            waited += 0.1
        return False

    def close(self) -> None:
        # abort: don't wait for the polling read loop, whose join could hang the whole run
        self.client.eio.disconnect(abort=True)


WEB_EVENTS = st.lists(st.tuples(st.sampled_from(["session_request", "user_uttered", "unknown"]),
                                st.one_of(st.none(), JSON_VALUES,
                                          st.fixed_dictionaries({"message": JSON_VALUES}),
                                          st.fixed_dictionaries({"session_id": JSON_VALUES}))),
                      min_size=1, max_size=4)


def test_fuzz_web(bot_stack):
    url = bot_stack.rasa_urls[0]

    @settings(max_examples=60, **FUZZ_SETTINGS)
    @given(events=WEB_EVENTS, before=HOSTILE_TEXT)
    def one(events, before):
        count("web")
        web = WebClient(url)
        try:
            for name, data in events:
                if data is None:
                    web.client.emit(name)
                else:
                    web.client.emit(name, data)
            web.client.emit("session_request", {"session_id": None})
            # The socket still works, and a crisis phrase inside garbage still gets 988.
            web.client.emit("user_uttered", {"message": f"{before} {CRISIS}"})
            assert web.wait_for(lambda: any("988" in (r.get("text") or "") for r in web.replies)), \
                web.replies
        finally:
            web.close()

    one()
    assert_up(url)


def test_zz_write_fuzz_counts():
    """Runs after the fuzz tests in this module: how many inputs they tried."""
    if not COUNTS:
        pytest.skip("no fuzz test ran")
    out = REPO_ROOT / "results" / "fuzz.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"inputs": COUNTS, "total": sum(COUNTS.values())}, indent=2))
    print(f"fuzz inputs tried: {COUNTS} total {sum(COUNTS.values())}")
