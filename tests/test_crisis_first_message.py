"""The 988 message reaches a web-chat user before the action server is even asked for anything,
and a crisis message's turn is let in before ordinary turns waiting for a place.

Rasa sends an action's bot messages as soon as that action has run
(``MessageProcessor._run_action`` -> ``execute_side_effects``), and our web channel hands each
one to socket.io at once (``SocketIOOutput``), so the static ``utter_crisis`` goes out before
``action_crisis_handoff`` calls the action server. Here the action endpoint is a relay that
holds every call until the test lets it through: the user must see 988 while the crisis
hand-off call is still held, and the held call's tracker must already carry the 988 message.
The stack runs with the repository's endpoints.yml, so the call must also come without the
domain (``enable_selective_domain``; only ``validate_therapist_form`` asks for it).
"""

import asyncio

import aiohttp
import pytest
import yaml
from aiohttp import web

from tests.conftest import STACK_SECRETS
from tests.support.stack import REPO_ROOT, RasaStack, free_ports, require_model, say
from tests.test_socketio_session import Browser

pytestmark = pytest.mark.servers

CRISIS_TEXT = "I want to kill myself"
HOLD_SECONDS = 30.0


class HeldRelay:
    """An action endpoint that records each call and forwards it only when released."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.calls: asyncio.Queue = asyncio.Queue()
        self.release = asyncio.Event()

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self.calls.put(body)
        await asyncio.wait_for(self.release.wait(), HOLD_SECONDS)
        async with aiohttp.ClientSession() as session:
            async with session.post(self.target, json=body) as answer:
                return web.json_response(await answer.json(), status=answer.status)


@pytest.fixture
async def relay_stack(tmp_path, request):
    """A stack whose action calls go through a ``HeldRelay``; ``request.param``: extra env."""
    (port,) = free_ports(1)
    endpoints = yaml.safe_load((REPO_ROOT / "endpoints.yml").read_text())
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{port}/webhook"
    stack = RasaStack(
        tmp_path, model=require_model(), endpoints=endpoints,
        credentials={"bot.channels.web.WebChatInput": {"allowed_origins": []}},
        env={"TRACKER_DB_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
             "DIRECTORY_DB_URL": f"sqlite:///{tmp_path / 'directory.db'}", **STACK_SECRETS,
             **getattr(request, "param", {})},
    )
    relay = HeldRelay(f"{stack.action_url}/webhook")
    app = web.Application()
    app.router.add_post("/webhook", relay.webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.to_thread(stack.start)
    try:
        yield stack, relay
    finally:
        relay.release.set()
        await asyncio.to_thread(stack.stop)
        await runner.cleanup()


async def test_988_reaches_web_chat_while_the_action_server_call_is_held(relay_stack):
    stack, relay = relay_stack
    browser = Browser(stack.rasa_urls[0])
    await browser.open()
    try:
        await browser.client.emit("user_uttered", {"message": CRISIS_TEXT})
        first = await browser.next("bot_uttered", timeout=20)
        assert "988" in first["text"]

        held = await asyncio.wait_for(relay.calls.get(), 20)
        assert held["next_action"] == "action_crisis_handoff"
        assert not relay.release.is_set()  # nothing has come back from the action server yet
        bot_texts = [event.get("text") or "" for event in held["tracker"]["events"]
                     if event["event"] == "bot"]
        assert bot_texts and "988" in bot_texts[-1], "utter_crisis ran before the call"
        assert "domain" not in held, "selective domain: the hand-off does not need the domain"

        relay.release.set()
        handoff = await browser.next("bot_uttered", timeout=20)
        assert "not a crisis service" in handoff["text"]  # utter_crisis_still_here
    finally:
        await browser.close()


@pytest.mark.parametrize("relay_stack", [{"BOT_MAX_CONCURRENT_TURNS": "1"}], indirect=True)
async def test_a_crisis_message_goes_before_turns_already_waiting_for_a_place(relay_stack):
    """One place at the turn gate: Ann's turn holds it (its form validation call is held),
    Bob's ordinary message waits, then Cat's crisis message arrives and is let in first."""
    stack, relay = relay_stack
    url, finished = stack.rasa_urls[0], []

    async def send(sender: str, text: str) -> list[dict]:
        replies = await asyncio.to_thread(say, url, sender, text)
        finished.append(sender)
        return replies

    ann = asyncio.create_task(send("ann", "find a therapist"))
    held = await asyncio.wait_for(relay.calls.get(), 20)
    assert held["next_action"] == "validate_therapist_form"
    bob = asyncio.create_task(send("bob", "what is alexithymia"))
    await asyncio.sleep(1.0)  # Bob's message is read and waits for the place
    cat = asyncio.create_task(send("cat", CRISIS_TEXT))
    await asyncio.sleep(1.0)
    assert finished == []
    relay.release.set()
    _, bob_replies, cat_replies = await asyncio.wait_for(asyncio.gather(ann, bob, cat), 60)
    assert finished == ["ann", "cat", "bob"]
    assert "988" in cat_replies[0]["text"]
    assert bob_replies and "988" not in bob_replies[0]["text"]
