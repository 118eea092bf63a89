"""SMS opt-outs, kept in the tracker database (``TRACKER_DB_URL``) in table ``sms_opt_outs``.

Rows hold only the keyed hash that is the SMS sender id and the time of the opt-out,
never a phone number. They are separate from conversations, so "delete my data" and the
retention purge (which remove conversation events) keep an opt-out in force.
"""

from __future__ import annotations

import time
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.storage.tracker_store import create_tracker_engine

metadata = sa.MetaData()
opt_outs = sa.Table(
    "sms_opt_outs",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("opted_out_at", sa.Float, nullable=False),
)


class OptOutStore:
    def __init__(self, engine: Optional[Engine] = None) -> None:
        self.engine = engine or create_tracker_engine()
        metadata.create_all(self.engine)

    def is_opted_out(self, sender_id: str) -> bool:
        query = sa.select(opt_outs.c.sender_id).where(opt_outs.c.sender_id == sender_id)
        with self.engine.connect() as connection:
            return connection.execute(query).first() is not None

    def opt_out(self, sender_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(opt_outs.delete().where(opt_outs.c.sender_id == sender_id))
            connection.execute(opt_outs.insert().values(sender_id=sender_id,
                                                        opted_out_at=time.time()))

    def opt_in(self, sender_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(opt_outs.delete().where(opt_outs.c.sender_id == sender_id))
