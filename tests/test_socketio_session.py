"""The web chat channel over real socket.io, with a scripted bot (tests/test_channels_fakes.py):
server-decided sessions, reload continuity, forged tokens, delete-my-data, the page."""

import asyncio

import aiohttp
import pytest
import socketio

from bot.channels.limits import (
    BURST,
    MAX_MESSAGE_CHARS,
    RATE_LIMITED_REPLY,
    TOO_LONG_REPLY,
    RateLimiter,
)
from bot.channels.transcript import visible_messages
from bot.channels.web import WebChatInput
from bot.channels.web_session import new_session, sender_from_token, token_for
from tests.test_channels_fakes import YES_NO, FakeAgent, serve

SECRET = b"test-web-session-secret"


class Browser:
    """One socket.io client, as the widget uses the channel.

    Long-polling only: python-engineio's websocket client needs a newer aiohttp than
    Rasa 3.6 allows. The browser test covers websockets.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient()
        self.events: asyncio.Queue = asyncio.Queue()
        for name in ("session_confirm", "conversation_history", "bot_uttered",
                     "conversation_deleted", "session_required"):
            self.client.on(name, self._recorder(name))

    def _recorder(self, name):
        async def record(data=None):
            await self.events.put((name, data))
        return record

    async def next(self, name: str, timeout: float = 5.0):
        while True:
            event, data = await asyncio.wait_for(self.events.get(), timeout)
            if event == name:
                return data

    async def open(self, token=None, **connect):
        """Connect and ask for a session; returns (token, history)."""
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["polling"],
                                  **connect)
        await self.client.emit("session_request", {"session_id": token})
        return await self.next("session_confirm"), await self.next("conversation_history")

    async def say(self, text: str, **extra):
        await self.client.emit("user_uttered", {"message": text, **extra})
        return await self.next("bot_uttered")

    async def close(self):
        """Leave like a closed tab: the server sees the disconnect at once.

        ``AsyncClient.disconnect()`` would wait for the pending long-poll (up to 25 s).
        """
        for namespace in self.client.namespaces:
            await self.client._send_packet(
                self.client.packet_class(socketio.packet.DISCONNECT, namespace=namespace))
        await self.client.eio.disconnect(abort=True)


@pytest.fixture
def agent():
    return FakeAgent()


@pytest.fixture
async def url(agent):
    async with serve(WebChatInput(secret=SECRET), agent) as base_url:
        yield base_url


def test_tokens_are_signed_and_bound_to_their_sender():
    sender, token = new_session(SECRET)
    assert sender_from_token(SECRET, token) == sender
    other, _ = new_session(SECRET)
    assert sender_from_token(SECRET, f"{other}.{token.rsplit('.', 1)[1]}") is None
    assert sender_from_token(b"another-secret-value", token) is None
    for forged in (None, "", "no-dot", sender, f"{sender}.", 42, "rest-user.abc"):
        assert sender_from_token(SECRET, forged) is None
    assert sender_from_token(SECRET, token_for(SECRET, "alice")) is None  # not a web id


async def test_server_decides_the_sender_and_reload_continues(url, agent):
    first = Browser(url)
    token, history = await first.open()
    assert history == []
    reply = await first.say("ask")
    assert reply["text"] == "Do they go quiet?"
    assert [r["payload"] for r in reply["quick_replies"]] == ["/affirm", "/deny", "/answer_unsure"]
    await first.say("/deny")
    await first.close()

    reloaded = Browser(url)
    same_token, history = await reloaded.open(token)
    assert same_token == token
    assert [(m["sender"], m["text"]) for m in history] == [
        ("user", "ask"), ("bot", "Do they go quiet?"),
        ("user", "No"),  # the clicked button shows as its title
        ("bot", "You said: /deny"),
    ]
    await reloaded.say("still me")
    await reloaded.close()
    senders = {sender for sender, _ in agent.received}
    assert senders == {sender_from_token(SECRET, token)}


async def test_client_cannot_choose_or_forge_a_sender(url, agent):
    victim = Browser(url)
    victim_token, _ = await victim.open()
    await victim.say("private")
    victim_sender = sender_from_token(SECRET, victim_token)

    attacker = Browser(url)
    forged = victim_sender + ".AAAA"
    token, history = await attacker.open(forged)
    assert token != forged and history == []
    # A client-sent session_id in the message is ignored too (Rasa's channel trusted it).
    await attacker.say("hello", session_id=victim_sender)
    await victim.close()
    await attacker.close()
    assert agent.received[-1] == (sender_from_token(SECRET, token), "hello")
    assert await agent.stored_texts(victim_sender) == ["private"]


async def test_a_message_before_the_session_is_sent_back_not_dropped(url, agent):
    browser = Browser(url)
    await browser.client.connect(url, transports=["polling"])
    await browser.client.emit("user_uttered", {"message": "hi", "session_id": "web-x"})
    assert await browser.next("session_required") == {"message": "hi"}
    assert agent.received == []  # a client-sent session_id is never used
    await browser.client.emit("session_request", {"session_id": None})
    token = await browser.next("session_confirm")
    assert (await browser.say("hi"))["text"] == "You said: hi"  # what the widget re-sends
    await browser.close()
    assert agent.received == [(sender_from_token(SECRET, token), "hi")]


@pytest.mark.parametrize("event, data", [
    ("session_request", "not a dict"), ("session_request", None), ("session_request", [1]),
    ("user_uttered", None), ("user_uttered", "hi"), ("user_uttered", {"message": 5}),
    ("user_uttered", {"text": "hi"}),
])
async def test_malformed_events_are_ignored_and_the_socket_goes_on(url, agent, event, data):
    browser = Browser(url)
    token, _ = await browser.open()
    if data is None:
        await browser.client.emit(event)
    else:
        await browser.client.emit(event, data)
    if event == "session_request":  # without a valid token: a new session
        token = await browser.next("session_confirm")
    await asyncio.sleep(0.2)
    assert (await browser.say("still here"))["text"] == "You said: still here"
    await browser.close()
    assert agent.received == [(sender_from_token(SECRET, token), "still here")]


async def test_unstorable_characters_are_replaced_and_unknown_shortcuts_unslashed(url, agent):
    browser = Browser(url)
    await browser.open()
    await browser.say("i want to die\ud800\x00 now")
    await browser.say("/not_an_intent 415-555-0100")
    await browser.say("/affirm")
    await browser.close()
    assert [text for _, text in agent.received] == [
        "i want to die   now", "not_an_intent 415-555-0100", "/affirm"]


async def test_a_burst_beyond_the_rate_limit_is_answered_with_988(agent):
    channel = WebChatInput(secret=SECRET)
    channel.limiter = RateLimiter(clock=lambda: 0.0)  # no refill during the test
    async with serve(channel, agent) as url:
        browser = Browser(url)
        await browser.open()
        replies = [(await browser.say(f"m{index}"))["text"] for index in range(BURST + 3)]
        await browser.close()
    assert len(agent.received) == BURST
    assert replies.count(RATE_LIMITED_REPLY) == 3 and "988" in RATE_LIMITED_REPLY


async def test_replies_reach_every_tab_of_the_conversation(url):
    first, second = Browser(url), Browser(url)
    token, _ = await first.open()
    await first.say("hi")  # a token without a stored conversation is not reused
    assert await second.open(token) == (token, [{"sender": "user", "text": "hi"},
                                                {"sender": "bot", "text": "You said: hi"}])
    await first.say("hello")
    assert (await second.next("bot_uttered"))["text"] == "You said: hello"
    await first.close()
    await second.close()


async def test_delete_my_data_erases_and_moves_to_a_fresh_session(url, agent):
    browser = Browser(url)
    token, _ = await browser.open()
    await browser.say("something private")
    await browser.client.emit("user_uttered", {"message": "delete my data"})
    await browser.next("conversation_deleted")
    new_token = await browser.next("session_confirm")
    assert new_token != token
    assert await agent.tracker_store.retrieve(sender_from_token(SECRET, token)) is None
    await browser.close()

    reloaded = Browser(url)
    _, history = await reloaded.open(new_token)
    assert history == []
    await reloaded.close()

    # The old token no longer opens anything: it gets a new, empty conversation.
    old = Browser(url)
    other_token, history = await old.open(token)
    assert other_token not in (token, new_token) and history == []
    await old.close()


async def test_other_origins_are_refused_unless_allowed(agent):
    async with serve(WebChatInput(secret=SECRET, allowed_origins=["https://partner.example"]),
                     agent) as base_url:
        allowed = Browser(base_url)
        await allowed.open(headers={"Origin": "https://partner.example"})
        await allowed.close()
        with pytest.raises(socketio.exceptions.ConnectionError):
            await Browser(base_url).open(headers={"Origin": "https://evil.example"})


async def test_chat_page_and_assets_are_served(url):
    async with aiohttp.ClientSession() as session:
        async with session.get(url + "/chat") as page:
            html = await page.text()
            assert page.status == 200 and "/chat/widget.js" in html
            assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        for path in ("/chat/widget.js", "/chat/widget.css", "/chat/vendor/socket.io.js"):
            async with session.get(url + path) as asset:
                assert asset.status == 200, path
                assert len(await asset.read()) > 1000, path


def test_visible_messages_start_at_the_last_session():
    from rasa.shared.core.events import BotUttered, SessionStarted, UserUttered

    events = [UserUttered("old"), BotUttered("old reply"), SessionStarted(),
              BotUttered("Pick one", data={"buttons": YES_NO}), UserUttered("/affirm"),
              BotUttered("ok")]
    assert visible_messages(events) == [
        {"sender": "bot", "text": "Pick one", "quick_replies": YES_NO},
        {"sender": "user", "text": "Yes"},
        {"sender": "bot", "text": "ok"},
    ]


async def test_too_long_message_is_answered_without_reaching_the_bot(url, agent):
    browser = Browser(url)
    await browser.open()
    reply = await browser.say("x" * (MAX_MESSAGE_CHARS + 1))
    assert reply["text"] == TOO_LONG_REPLY and "988" in reply["text"]
    assert (await browser.say("hello"))["text"] == "You said: hello"
    await browser.close()
