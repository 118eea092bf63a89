"""Replayed SMS webhooks are ignored: each Twilio ``MessageSid`` is handled once.

A validly signed request stays valid when sent again, and Twilio itself retries a
webhook that timed out. The SIDs seen in the last ``KEEP_SECONDS`` are kept in the
tracker database (table ``sms_seen_messages``, next to ``sms_opt_outs``); a SID is an
opaque id of the message, not its content or number.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

KEEP_SECONDS = 48 * 3600

metadata = sa.MetaData()
seen_messages = sa.Table(
    "sms_seen_messages",
    metadata,
    sa.Column("message_sid", sa.String(128), primary_key=True),  # input_check caps at 128
    sa.Column("seen_at", sa.Float, nullable=False, index=True),
)


class ReplayGuard:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(self.engine)

    def first_time(self, message_sid: str) -> bool:
        """Record ``message_sid``; False if it was already seen (a replay)."""
        now = time.time()
        try:
            with self.engine.begin() as connection:
                connection.execute(seen_messages.delete().where(
                    seen_messages.c.seen_at < now - KEEP_SECONDS))
                connection.execute(seen_messages.insert().values(
                    message_sid=message_sid, seen_at=now))
        except IntegrityError:
            return False
        return True
