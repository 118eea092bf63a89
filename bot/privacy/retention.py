"""Purge conversations whose last event is older than N days (default 30).

    python -m bot.privacy.retention --days 30

Uses the tracker database of ``TRACKER_DB_URL`` (see bot.storage.tracker_store),
run from the directory Rasa runs in (the SQLite default is relative to it).
A conversation is all rows of one ``sender_id`` in the ``events`` table; it is
removed whole when its newest event's timestamp is before now minus N days.
Daily at 03:15 from cron::

    15 3 * * * cd /srv/partner-bot && TRACKER_DB_URL=... .venv/bin/python -m bot.privacy.retention --days 30
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Optional, Sequence

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.engine import Engine

from bot.storage.tracker_store import create_tracker_engine

DEFAULT_DAYS = 30
SECONDS_PER_DAY = 86_400
EVENTS = SQLTrackerStore.SQLEvent.__table__


@dataclass(frozen=True)
class PurgeResult:
    conversations: int
    events: int


def purge_inactive_conversations(engine: Engine, days: int, now: float) -> PurgeResult:
    """Delete every conversation whose last event is older than ``days`` before ``now``."""
    if days < 0:
        raise ValueError("days must not be negative")
    if not sa.inspect(engine).has_table(EVENTS.name):
        return PurgeResult(0, 0)
    cutoff = now - days * SECONDS_PER_DAY
    stale_senders = (
        sa.select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(sa.func.max(EVENTS.c.timestamp) < cutoff)
    )
    with engine.begin() as connection:
        conversations = connection.execute(
            sa.select(sa.func.count()).select_from(stale_senders.subquery())
        ).scalar_one()
        events = connection.execute(
            EVENTS.delete().where(EVENTS.c.sender_id.in_(stale_senders))
        ).rowcount
    return PurgeResult(conversations, events)


def main(argv: Optional[Sequence[str]] = None, now: Optional[float] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS,
                        help=f"keep conversations active within this many days (default {DEFAULT_DAYS})")
    args = parser.parse_args(argv)
    if args.days < 0:
        parser.error("--days must not be negative")
    result = purge_inactive_conversations(
        create_tracker_engine(), args.days, time.time() if now is None else now
    )
    print(f"Deleted {result.conversations} conversations ({result.events} events) "
          f"inactive for more than {args.days} days.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
