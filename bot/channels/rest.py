"""Rasa's REST channel with the request checked before it reaches a conversation.

Rasa 3.6's ``RestInput`` trusts the body: a body that is not a JSON object is an HTTP 500,
a message that is not a string gets ``200 []``, a missing sender files the message under one
conversation shared by everybody ("default"), an empty message crashes the classifier, and
a 100 KB message ties the server up for a minute; a sender id with a lone surrogate or a NUL
stops the whole server (bot.channels.input_check). This channel (same name, same URL,
``/webhooks/rest/webhook``) answers those with a clear 4xx instead, and a turn that produced
no reply at all (the action server is down) gets an apology rather than silence. It also:

- accepts only ``Content-Type: application/json`` (415 otherwise), so a web page cannot post
  to it cross-site without a CORS preflight;
- caps the body at ``MAX_BODY_BYTES`` and JSON nesting at ``MAX_JSON_DEPTH``;
- refuses sender ids of the other channels' namespaces (``web-...``, ``sms-...``), so a
  REST client cannot post into a web or SMS conversation;
- ignores client-sent ``input_channel`` and ``metadata``;
- answers a sender over the rate limit (bot.channels.limits) with 429 and a reply giving 988.
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.input_check import json_too_deep, sender_problem, user_text
from bot.channels.limits import (
    EMPTY_MESSAGE_REPLY,
    MAX_MESSAGE_CHARS,
    RATE_LIMITED_REPLY,
    RateLimiter,
)
from bot.channels.sms import SENDER_PREFIX as SMS_SENDER_PREFIX
from bot.channels.web_session import SENDER_PREFIX as WEB_SENDER_PREFIX

# 4,000 characters of JSON-escaped emoji (12 bytes each) plus room for the rest.
MAX_BODY_BYTES = 64 * 1024
MAX_JSON_DEPTH = 16
RESERVED_SENDER_PREFIXES = (WEB_SENDER_PREFIX, SMS_SENDER_PREFIX)
NO_REPLY_APOLOGY = (
    "Sorry, something went wrong on my side. Please try again in a moment. "
    "If you're in crisis, call or text 988."
)


def request_problem(body: Any) -> Optional[tuple[int, str]]:
    """(HTTP status, reason) when the parsed body is not a valid message, else None."""
    if not isinstance(body, dict):
        return 400, "the body must be a JSON object with 'sender' and 'message'"
    sender, message = body.get("sender"), body.get("message")
    problem = sender_problem(sender)
    if problem:
        return 400, problem
    if sender.startswith(RESERVED_SENDER_PREFIXES):
        return 403, f"'sender' must not start with {' or '.join(RESERVED_SENDER_PREFIXES)}"
    if not isinstance(message, str):
        return 400, "'message' must be a string"
    if len(message) > MAX_MESSAGE_CHARS:
        return 413, f"'message' must be at most {MAX_MESSAGE_CHARS} characters"
    return None


def parse_request(request: Request) -> tuple[Any, Optional[tuple[int, str]]]:
    """(parsed JSON body, None), or (None, (HTTP status, reason)) for a refused request."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return None, (415, "the body must be sent as Content-Type: application/json")
    raw = request.body or b""
    if len(raw) > MAX_BODY_BYTES:
        return None, (413, f"the body must be at most {MAX_BODY_BYTES} bytes "
                           f"('message' at most {MAX_MESSAGE_CHARS} characters)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, (400, "the body must be UTF-8")
    if json_too_deep(text, MAX_JSON_DEPTH):
        return None, (400, f"the body must not nest deeper than {MAX_JSON_DEPTH} levels")
    try:
        body = json.loads(text)
    except ValueError:
        return None, (400, "the body must be JSON")
    return body, request_problem(body)


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


def domain_intents(request: Request) -> list[str]:
    agent = getattr(request.app.ctx, "agent", None)
    domain = getattr(agent, "domain", None)
    return list(domain.intents) if domain else []


class ValidatedRestInput(RestInput):
    """The REST channel, refusing malformed requests with a 4xx."""

    def __init__(self) -> None:
        self.limiter = RateLimiter()

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _extract_message(self, req: Request) -> Optional[Text]:
        return user_text(req.json["message"], domain_intents(req))

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return None

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        webhook = super().blueprint(apologise_when_silent(on_new_message))

        @webhook.middleware("request")
        async def check_request(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            body, problem = parse_request(request)
            if problem:
                status, reason = problem
                return response.json({"error": reason}, status=status)
            sender = body["sender"]
            if not user_text(body["message"], domain_intents(request)):
                return response.json([{"recipient_id": sender, "text": EMPTY_MESSAGE_REPLY}])
            if not self.limiter.allow(sender):
                return response.json([{"recipient_id": sender, "text": RATE_LIMITED_REPLY}],
                                      status=429)
            return None

        return webhook
