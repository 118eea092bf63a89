"""Fakes shared by the channel unit tests (no tests here): a scripted bot behind a real
in-memory tracker store and lock store, and the Rasa wiring of a channel into a Sanic
app served in-process on a free port; and a phone that sends SMS webhooks signed as Twilio signs them.

The fake agent is what the channels touch: ``handle_message`` (Rasa's channel handler
calls ``app.ctx.agent.handle_message``), ``tracker_store`` and ``lock_store`` (used by
bot.privacy.deletion and by the channels to read the last offered buttons).
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ElementTree
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage, register
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from sanic import Sanic
from twilio.request_validator import RequestValidator

from bot.channels.sms import SIGNATURE_HEADER
from bot.privacy.deletion import DELETION_SLOT, DeletesOnConfirmation
from tests.support.stack import free_ports

AUTH_TOKEN = "test-twilio-auth-token"  # as tests/conftest.py STACK_SECRETS
NUMBER = "+14155550100"
WEBHOOK = "/webhooks/sms/webhook"
Reply = dict[str, Any]
YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"},
          {"title": "Not sure", "payload": "/answer_unsure"}]

# The intents of the buttons above (channels pass "/affirm" on only for a known intent), and
# the one slot the tracker store reads (bot.privacy.deletion), as domain.yml declares them.
DOMAIN = Domain.from_dict({"intents": ["affirm", "deny", "answer_unsure"], "slots": {DELETION_SLOT: {
    "type": "bool", "influence_conversation": False, "mappings": [{"type": "custom"}]}}})


def scripted(text: str) -> list[Reply]:
    """The fake bot's replies: echoes, asks a yes/no question, or confirms deletion."""
    if text == "ask":
        return [{"text": "Do they go quiet?", "buttons": YES_NO}]
    if text == "two messages":
        return [{"text": "First part."}, {"text": "Second part?", "buttons": YES_NO[:2]}]
    return [{"text": f"You said: {text}"}]


class DeletingInMemoryTrackerStore(DeletesOnConfirmation, InMemoryTrackerStore):
    """Rasa's in-memory store with the project's delete-on-confirmation (as the SQL one)."""


class FakeAgent:
    """Records what the channel sent the bot; answers with ``replies(text)``."""

    def __init__(self, replies: Callable[[str], list[Reply]] = scripted) -> None:
        self.domain = DOMAIN
        self.tracker_store = DeletingInMemoryTrackerStore(DOMAIN)
        self.lock_store = InMemoryLockStore()
        self.replies = replies
        self.received: list[tuple[str, str]] = []  # (sender_id, text)

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append((message.sender_id, message.text))
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text))
        for reply in self.replies(message.text):
            await message.output_channel.send_response(message.sender_id, dict(reply))
            tracker.update(BotUttered(reply.get("text"), data={"buttons": reply.get("buttons")}))
        if message.text == "delete my data":
            tracker.update(SlotSet(DELETION_SLOT, True))
        await self.tracker_store.save(tracker)

    async def stored_texts(self, sender_id: str) -> list[str]:
        tracker = await self.tracker_store.retrieve(sender_id)
        return [event.text for event in tracker.events if isinstance(event, UserUttered)] \
            if tracker else []


@asynccontextmanager
async def serve(channel: InputChannel, agent: FakeAgent) -> AsyncIterator[str]:
    """Serve ``channel`` as ``rasa run`` wires it (under /webhooks/); yields the base URL."""
    Sanic.test_mode = True  # lets several apps start in one process (Sanic's TouchUp)
    app = Sanic(f"channel-test-{uuid.uuid4().hex[:8]}")
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    port = free_ports(1)[0]
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.close()


class Phone:
    """Sends SMS webhooks as Twilio would, and reads the TwiML answers."""

    def __init__(self, base_url: str, number: str = NUMBER, token: str = AUTH_TOKEN,
                 signed_url: str = "") -> None:
        self.url = base_url + WEBHOOK
        self.signed_url = signed_url or self.url
        self.number = number
        self.validator = RequestValidator(token)

    def params(self, body: str, **extra: str) -> dict:
        return {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32,
                "From": self.number, "To": "+15005550006", "Body": body, "NumMedia": "0",
                **extra}

    async def post(self, params: dict, signature: str = None) -> aiohttp.ClientResponse:
        if signature is None:
            signature = self.validator.compute_signature(self.signed_url, params)
        headers = {SIGNATURE_HEADER: signature} if signature else {}
        async with aiohttp.ClientSession() as session:
            async with session.post(self.url, data=params, headers=headers) as response:
                await response.read()
                return response

    async def send(self, body: str, **extra: str) -> str:
        """The reply text ("" when the TwiML has no message); asserts HTTP 200 and TwiML."""
        response = await self.post(self.params(body, **extra))
        assert response.status == 200
        assert response.content_type == "text/xml"
        root = ElementTree.fromstring(await response.text())
        assert root.tag == "Response"
        messages = root.findall("Message")
        assert len(messages) <= 1, "a turn is one SMS body"
        return messages[0].text if messages else ""
