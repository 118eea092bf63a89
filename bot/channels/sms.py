"""SMS over a Twilio webhook, answered inline with TwiML.

Point a Twilio number's "A message comes in" webhook (HTTP POST) at
``https://<host>/webhooks/sms/webhook``. Each request:

1. must carry a valid ``X-Twilio-Signature`` for ``TWILIO_AUTH_TOKEN`` (checked with the
   twilio package's ``RequestValidator``), else 403 and nothing else happens. The URL
   checked is ``SMS_WEBHOOK_URL`` when set (set it behind a proxy or tunnel to the exact
   URL configured at Twilio), else the URL the request arrived at;
2. is identified by an HMAC-SHA256 of the ``From`` number under ``SMS_SENDER_ID_SECRET``;
   the number itself is never stored or logged;
3. is answered in the HTTP response (``<Response><Message>``), so no outbound API
   credentials are needed and Twilio's 15-second limit is respected (after
   ``reply_timeout`` seconds the user gets a "please resend" reply).

Replayed requests (a ``MessageSid`` already handled, bot.channels.sms_replays) get an
empty answer and reach nothing. The text is checked like every channel's
(bot.channels.input_check): unstorable characters replaced, at most ``MAX_MESSAGE_CHARS``,
and a rate limit per number (bot.channels.limits) whose reply gives 988.

One-word commands (bot.channels.sms_keywords): STOP and the carrier opt-out words
record an opt-out (bot.channels.sms_opt_outs) and answer with a confirmation that
mentions 988; after that nothing is sent until START. HELP answers with the program
description. DELETE erases the conversation at once and confirms; "delete my data"
in words goes through the bot, which asks first. A reply "2" picks the second option
the bot offered last; other text starting with "/" is treated as plain text.

credentials.yml::

    bot.channels.sms.SmsInput:
      validate_signature: true   # false only for local development (logs a warning)
      reply_timeout: 12
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
from urllib.parse import parse_qs
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.channel_secrets import load_secret
from bot.channels.sms_keywords import (
    EMPTY_MESSAGE_REPLY,
    REPLIES,
    TOO_SLOW_REPLY,
    Command,
    parse_command,
)
from bot.channels.input_check import clean_text, sender_problem
from bot.channels.limits import (
    MAX_MESSAGE_CHARS,
    RATE_LIMITED_REPLY,
    TOO_LONG_REPLY,
    RateLimiter,
)
from bot.channels.sms_opt_outs import OptOutStore
from bot.channels.sms_replays import ReplayGuard
from bot.channels.sms_text import choice_payload, render_turn
from bot.channels.transcript import offered_buttons
from bot.crisis.guard import strip_intent_prefix
from bot.privacy.deletion import delete_sender_data

logger = logging.getLogger(__name__)

AUTH_TOKEN_ENV = "TWILIO_AUTH_TOKEN"
PUBLIC_URL_ENV = "SMS_WEBHOOK_URL"
SENDER_SECRET_ENV = "SMS_SENDER_ID_SECRET"
SIGNATURE_HEADER = "X-Twilio-Signature"
SENDER_PREFIX = "sms-"
DEFAULT_REPLY_TIMEOUT = 12.0

Handler = Callable[[UserMessage], Awaitable[Any]]


def sender_id_for(number: str, secret: bytes) -> str:
    """The conversation id for a phone number: a keyed hash, never the number."""
    digest = hmac.new(secret, number.strip().encode("utf-8"), hashlib.sha256).hexdigest()
    return SENDER_PREFIX + digest


def form_params(request: Request) -> RequestParameters:
    """The POST parameters, blank ones included.

    Twilio signs every parameter it sends, ``Body=`` of an empty or media-only message
    too, but Sanic's ``request.form`` drops blank values, which would fail validation.
    """
    if request.content_type.split(";")[0].strip() != "application/x-www-form-urlencoded":
        return RequestParameters()
    return RequestParameters(parse_qs(request.body.decode("utf-8", errors="replace"),
                                      keep_blank_values=True))


def twiml(text: Optional[str]) -> HTTPResponse:
    """A TwiML reply with one message, or an empty ``<Response/>`` for no reply."""
    reply = MessagingResponse()
    if text:
        reply.message(text)
    return response.text(str(reply), content_type="text/xml; charset=utf-8")


class SmsInput(InputChannel):
    """Twilio-compatible SMS webhook with signature checks, opt-outs and inline replies."""

    @classmethod
    def name(cls) -> Text:
        return "sms"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            auth_token=os.environ.get(AUTH_TOKEN_ENV) or None,
            sender_secret=load_secret(SENDER_SECRET_ENV),
            opt_outs=OptOutStore(),
            validate_signature=bool(credentials.get("validate_signature", True)),
            public_url=os.environ.get(PUBLIC_URL_ENV) or credentials.get("public_url"),
            reply_timeout=float(credentials.get("reply_timeout", DEFAULT_REPLY_TIMEOUT)),
        )

    def __init__(
        self,
        auth_token: Optional[str],
        sender_secret: bytes,
        opt_outs: OptOutStore,
        validate_signature: bool = True,
        public_url: Optional[str] = None,
        reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
        replays: Optional[ReplayGuard] = None,
    ) -> None:
        self.replays = replays or ReplayGuard(opt_outs.engine)
        self.limiter = RateLimiter()
        self.validator = RequestValidator(auth_token) if auth_token else None
        self.sender_secret = sender_secret
        self.opt_outs = opt_outs
        self.validate_signature = validate_signature
        self.public_url = public_url
        self.reply_timeout = reply_timeout
        if not validate_signature:
            logger.warning("SMS webhook signature validation is OFF (validate_signature: "
                           "false). Use this only for local development.")
        elif self.validator is None:
            logger.warning("%s is not set: the SMS webhook will reject every request "
                           "with 403.", AUTH_TOKEN_ENV)

    def signed_url(self, request: Request) -> str:
        if not self.public_url:
            return request.url
        query = request.query_string
        return self.public_url + (f"?{query}" if query else "")

    def is_authentic(self, request: Request, params: RequestParameters) -> bool:
        if not self.validate_signature:
            return True
        signature = request.headers.get(SIGNATURE_HEADER)
        if self.validator is None or not signature:
            return False
        return self.validator.validate(self.signed_url(request), params, signature)

    async def bot_turn(self, text: str, sender_id: str, agent: Any,
                       on_new_message: Handler) -> str:
        """Send ``text`` to the bot and return its replies as one SMS body."""
        tracker = await agent.tracker_store.retrieve(sender_id)
        payload = choice_payload(text, offered_buttons(tracker.events)) if tracker else None
        collector = CollectingOutputChannel()
        message = UserMessage(payload or strip_intent_prefix(text), collector, sender_id,
                              input_channel=self.name())
        handling = asyncio.ensure_future(on_new_message(message))
        try:
            await asyncio.wait_for(asyncio.shield(handling), self.reply_timeout)
        except asyncio.TimeoutError:
            logger.warning("An SMS turn took longer than %gs; asked the user to resend.",
                           self.reply_timeout)
            return TOO_SLOW_REPLY
        return render_turn(collector.messages)

    async def reply(self, sender_id: str, body: str, agent: Any,
                    on_new_message: Handler) -> Optional[str]:
        """The SMS body to answer with, or None to send nothing."""
        opted_out = self.opt_outs.is_opted_out(sender_id)
        command = parse_command(body, opted_out)
        if command is Command.OPT_OUT:
            self.opt_outs.opt_out(sender_id)
            logger.info("Recorded an SMS opt-out.")
        elif command is Command.OPT_IN:
            self.opt_outs.opt_in(sender_id)
        elif command is Command.DELETE:
            await delete_sender_data(agent, sender_id)
        if command is not None:
            return REPLIES[command]
        if opted_out:
            return None
        if not strip_intent_prefix(body):
            return EMPTY_MESSAGE_REPLY
        if len(body) > MAX_MESSAGE_CHARS:
            return TOO_LONG_REPLY
        if not self.limiter.allow(sender_id):
            return RATE_LIMITED_REPLY
        return await self.bot_turn(body, sender_id, agent, on_new_message)

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        sms = Blueprint("sms_webhook", __name__)

        @sms.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sms.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            params = form_params(request)
            if not self.is_authentic(request, params):
                logger.warning("Rejected an SMS webhook request with a missing or bad signature.")
                return response.text("invalid signature", status=403)
            number, message_sid = params.get("From"), params.get("MessageSid")
            if sender_problem(number) or sender_problem(message_sid):
                return response.text("missing or malformed From or MessageSid", status=400)
            if not self.replays.first_time(message_sid):
                logger.info("Ignored a replayed SMS webhook request.")
                return twiml(None)
            sender_id = sender_id_for(number, self.sender_secret)
            body = clean_text(params.get("Body") or "")
            text = await self.reply(sender_id, body, request.app.ctx.agent, on_new_message)
            return twiml(text)

        return sms
