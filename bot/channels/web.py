"""Web chat over socket.io, served by the Rasa server itself at ``/chat``.

``WebChatInput`` subclasses Rasa's ``SocketIOInput`` and changes what is unsafe or
broken there (see docs/channels.md):

- the server decides the sender id: ``session_request`` takes a signed token
  (bot.channels.web_session) and answers ``session_confirm`` with the same token, or a
  new one if it is missing, forged, or its conversation no longer exists (deleted or
  purged: a token stops working with its conversation); messages are attributed to the
  socket's session, never to a client-sent id;
- a message that arrives before the session is confirmed is not dropped: the server
  answers ``session_required`` with the message, and the widget sends it again once the
  session is confirmed;
- text is checked like every channel's (bot.channels.input_check, bot.channels.limits):
  unstorable characters replaced, at most ``MAX_MESSAGE_CHARS``, a rate limit per socket
  and per conversation whose reply gives 988; malformed events are ignored;
- ``enter_room`` is awaited (python-socketio 5 made it a coroutine; Rasa's channel
  forgets the await, so clients never get replies);
- on reconnect the server sends ``conversation_history`` so a reload redraws the chat;
- when a turn deleted the conversation ("delete my data", done by the tracker store,
  bot.privacy.deletion) it moves every tab to a fresh session and tells them with
  ``conversation_deleted``;
- socket.io only accepts the page's own origin plus ``allowed_origins``.

credentials.yml::

    bot.channels.web.WebChatInput:
      allowed_origins: []   # other sites that embed the widget, e.g. ["https://example.org"]
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels.channel_secrets import load_secret
from bot.channels.input_check import user_text
from bot.channels.limits import (
    EMPTY_MESSAGE_REPLY,
    MAX_MESSAGE_CHARS,
    RATE_LIMITED_REPLY,
    TOO_LONG_REPLY,
    RateLimiter,
)
from bot.channels.transcript import visible_messages
from bot.channels.web_session import new_session, sender_from_token

logger = logging.getLogger(__name__)

SESSION_SECRET_ENV = "WEB_SESSION_SECRET"
WEB_DIR = Path(__file__).resolve().parents[2] / "web"
# Files the chat page needs: URL path under /chat -> (file, content type).
ASSETS = {
    "widget.js": (WEB_DIR / "src" / "widget.js", "text/javascript; charset=utf-8"),
    "widget.css": (WEB_DIR / "src" / "widget.css", "text/css; charset=utf-8"),
    "vendor/socket.io.js": (
        WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
        "text/javascript; charset=utf-8",
    ),
}
CHAT_PAGE = WEB_DIR / "src" / "chat.html"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self'; "
        "style-src 'self'; script-src 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def origin_checker(allowed: list[str]) -> Callable[[Optional[str], Dict], bool]:
    """Accept the server's own origin (as seen by the browser) and ``allowed`` ones."""
    allowed_set = {origin.rstrip("/") for origin in allowed}

    def is_allowed(origin: Optional[str], environ: Dict) -> bool:
        if origin is None or origin in allowed_set:
            return True
        scheme = environ.get("HTTP_X_FORWARDED_PROTO", environ.get("wsgi.url_scheme", "http"))
        return origin == f"{scheme}://{environ.get('HTTP_HOST', '')}"

    return is_allowed


async def serve_asset(name: str) -> HTTPResponse:
    path, content_type = ASSETS[name]
    if not path.exists():
        logger.error("Web chat asset %s is missing; run `npm ci --prefix web`.", path)
        return response.text("web chat assets are not installed", status=503)
    return await response.file(path, mime_type=content_type)


class WebChatBlueprint(SocketBlueprint):
    """Attaches socket.io and the chat page (``/chat``) to the Rasa server."""

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        self.ctx.app = app

        async def chat_page(_: Request) -> HTTPResponse:
            return await response.file(
                CHAT_PAGE, mime_type="text/html; charset=utf-8", headers=PAGE_HEADERS
            )

        app.add_route(chat_page, "/chat", methods=["GET"], name="webchat_page")
        for asset in ASSETS:
            async def asset_route(_: Request, name: str = asset) -> HTTPResponse:
                return await serve_asset(name)

            route_name = "webchat_" + asset.replace("/", "_").replace(".", "_")
            app.add_route(asset_route, f"/chat/{asset}", methods=["GET"], name=route_name)
        super().register(app, options)


class WebChatInput(SocketIOInput):
    """Rasa's socket.io channel with server-decided, persistent sessions."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(allowed_origins=credentials.get("allowed_origins") or [])

    def __init__(self, allowed_origins: Optional[list[str]] = None,
                 secret: Optional[bytes] = None) -> None:
        super().__init__(session_persistence=True, socketio_path="/socket.io")
        self.allowed_origins = list(allowed_origins or [])
        self.secret = secret if secret is not None else load_secret(SESSION_SECRET_ENV)
        self.limiter = RateLimiter()

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        sio = AsyncServer(async_mode="sanic",
                          cors_allowed_origins=origin_checker(self.allowed_origins))
        blueprint = WebChatBlueprint(sio, self.socketio_path, "webchat_webhook", __name__)
        self.sio = sio

        def agent() -> Any:
            return blueprint.ctx.app.ctx.agent

        def intents() -> list[str]:
            domain = getattr(agent(), "domain", None)
            return list(domain.intents) if domain else []

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def bind(sid: str, sender_id: str, token: str) -> None:
            session = await sio.get_session(sid)
            if session.get("sender_id"):
                await sio.leave_room(sid, session["sender_id"])
            await sio.save_session(sid, {"sender_id": sender_id})
            await sio.enter_room(sid, sender_id)
            await sio.emit("session_confirm", token, room=sid)

        @sio.on("session_request")
        async def session_request(sid: str, data: Any = None) -> None:
            token = data.get("session_id") if isinstance(data, dict) else None
            sender_id = sender_from_token(self.secret, token)
            tracker = await agent().tracker_store.retrieve(sender_id) if sender_id else None
            if tracker is None:
                sender_id, token = new_session(self.secret)
            await bind(sid, sender_id, token)
            history = visible_messages(tracker.events) if tracker else []
            await sio.emit("conversation_history", history, room=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: str, data: Any = None) -> None:
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str):
                logger.debug("Ignored a malformed web chat message event.")
                return
            sender_id = (await sio.get_session(sid)).get("sender_id")
            if not sender_id:
                await sio.emit("session_required", {"message": text}, room=sid)
                return
            if len(text) > MAX_MESSAGE_CHARS:
                await sio.emit(self.bot_message_evt, {"text": TOO_LONG_REPLY}, room=sid)
                return
            text = user_text(text, intents())
            if not text:
                await sio.emit(self.bot_message_evt, {"text": EMPTY_MESSAGE_REPLY}, room=sid)
                return
            if not self.limiter.allow(sid, sender_id):
                await sio.emit(self.bot_message_evt, {"text": RATE_LIMITED_REPLY}, room=sid)
                return
            await on_new_message(UserMessage(
                text, SocketIOOutput(sio, self.bot_message_evt), sender_id,
                input_channel=self.name(),
            ))
            if await agent().tracker_store.retrieve(sender_id) is None:
                # Every tab of this conversation moves to one fresh session.
                await sio.emit("conversation_deleted", room=sender_id)
                fresh_sender, fresh_token = new_session(self.secret)
                for socket_id, _ in list(sio.manager.get_participants("/", sender_id)):
                    await bind(socket_id, fresh_sender, fresh_token)

        return blueprint
