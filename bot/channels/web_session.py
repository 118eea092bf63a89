"""Server-issued web chat sessions: the server decides the sender id and signs it.

A token is ``<sender_id>.<signature>`` with the signature an HMAC-SHA256 of the sender
id under ``WEB_SESSION_SECRET``. The browser keeps the token and presents it when it
reconnects, so a reload continues the same conversation; without the secret nobody can
make a token for another sender id, so a client cannot join someone else's conversation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Optional

SENDER_PREFIX = "web-"
_CONTEXT = b"webchat-session:"


def _signature(secret: bytes, sender_id: str) -> str:
    digest = hmac.new(secret, _CONTEXT + sender_id.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_for(secret: bytes, sender_id: str) -> str:
    return f"{sender_id}.{_signature(secret, sender_id)}"


def new_session(secret: bytes) -> tuple[str, str]:
    """A fresh random sender id and its token."""
    sender_id = SENDER_PREFIX + secrets.token_hex(16)
    return sender_id, token_for(secret, sender_id)


def sender_from_token(secret: bytes, token: object) -> Optional[str]:
    """The sender id a token was issued for, or None if it is missing, malformed or forged."""
    if not isinstance(token, str) or "." not in token:
        return None
    sender_id, signature = token.rsplit(".", 1)
    if not sender_id.startswith(SENDER_PREFIX):
        return None
    if not hmac.compare_digest(signature, _signature(secret, sender_id)):
        return None
    return sender_id
