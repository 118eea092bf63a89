"""Rasa's REST channel with the request checked before it reaches a conversation.

Rasa 3.6's ``RestInput`` trusts the body: a body that is not a JSON object is an HTTP 500,
a message that is not a string gets ``200 []``, a missing sender files the message under one
conversation shared by everybody ("default"), an empty message crashes the classifier, and
a 100 KB message ties the server up for a minute. This channel (same name, same URL,
``/webhooks/rest/webhook``) answers those with a clear 4xx instead, and a turn that produced
no reply at all (the action server is down) gets an apology rather than silence.
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.limits import MAX_MESSAGE_CHARS

MAX_SENDER_CHARS = 128
EMPTY_MESSAGE_REPLY = "I didn't get any text. Please type your message. In crisis? Call or text 988."
NO_REPLY_APOLOGY = (
    "Sorry, something went wrong on my side. Please try again in a moment. "
    "If you're in crisis, call or text 988."
)


def request_problem(body: Any) -> Optional[tuple[int, str]]:
    """(HTTP status, reason) when the body is not a valid message, else None."""
    if not isinstance(body, dict):
        return 400, "the body must be a JSON object with 'sender' and 'message'"
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return 400, f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters"
    if not isinstance(message, str):
        return 400, "'message' must be a string"
    if len(message) > MAX_MESSAGE_CHARS:
        return 413, f"'message' must be at most {MAX_MESSAGE_CHARS} characters"
    return None


def _json_body(request: Request) -> Any:
    try:
        return json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return None


def apologise_when_silent(
    on_new_message: Callable[[UserMessage], Awaitable[Any]]
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wraps the message handler: a turn that sent nothing gets an apology."""

    async def handle(message: UserMessage) -> Any:
        result = await on_new_message(message)
        output = message.output_channel
        if isinstance(output, CollectingOutputChannel) and not output.messages:
            await output.send_text_message(message.sender_id, NO_REPLY_APOLOGY)
        return result

    return handle


class ValidatedRestInput(RestInput):
    """The REST channel, refusing malformed requests with a 4xx."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        webhook = super().blueprint(apologise_when_silent(on_new_message))

        @webhook.middleware("request")
        async def check_request(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            body = _json_body(request)
            problem = request_problem(body)
            if problem:
                status, reason = problem
                return response.json({"error": reason}, status=status)
            if not body["message"].strip():
                return response.json(
                    [{"recipient_id": body["sender"], "text": EMPTY_MESSAGE_REPLY}]
                )
            return None

        return webhook
