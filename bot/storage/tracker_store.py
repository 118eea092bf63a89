"""Rasa's SQL tracker store with its database chosen by one environment variable.

``endpoints.yml`` names this class; the database comes from ``TRACKER_DB_URL``
(an SQLAlchemy URL), so switching from SQLite to PostgreSQL needs no code or
config change::

    tracker_store:
      type: bot.storage.tracker_store.EnvSQLTrackerStore

    # development default (relative to the working directory)
    TRACKER_DB_URL=sqlite:///var/tracker.db
    # production
    TRACKER_DB_URL=postgresql://rasa:secret@db.internal:5432/rasa

A plain ``${TRACKER_DB_URL}`` in endpoints.yml would not work: Rasa refuses to
start when a referenced variable is unset.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import QueuePool

TRACKER_DB_URL_ENV = "TRACKER_DB_URL"
DEFAULT_TRACKER_DB_URL = "sqlite:///var/tracker.db"


def tracker_db_url(configured: Optional[str] = None) -> str:
    """``TRACKER_DB_URL`` if set, else ``configured`` (endpoints.yml ``url``), else SQLite."""
    return os.environ.get(TRACKER_DB_URL_ENV) or configured or DEFAULT_TRACKER_DB_URL


def ensure_sqlite_directory(url: str) -> None:
    """Create the parent folder of an SQLite database file (SQLite will not)."""
    if is_sqlite_file(url):
        Path(make_url(url).database).parent.mkdir(parents=True, exist_ok=True)


def create_tracker_engine(url: Optional[str] = None) -> Engine:
    """An SQLAlchemy engine for the tracker database, configured as Rasa does."""
    url = url or tracker_db_url()
    ensure_sqlite_directory(url)
    return sa.create_engine(url, **create_engine_kwargs(url))


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Wait up to 30 s for a lock (not SQLite's 5 s) and let readers go on during writes.

    Rasa wraps the store in a fail-safe that, on a database error, silently answers from an
    empty in-memory tracker: a short lock must wait rather than drop the conversation.
    """
    cursor = connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def is_sqlite_file(url: str) -> bool:
    """True for an SQLite database in a file (not in memory)."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def pooled_sqlite_engine(url: str) -> Engine:
    """An engine that keeps its SQLite connections open between sessions.

    SQLAlchemy 1.4 gives a file database a ``NullPool``: every session of the tracker store
    (two or more a message) opened a new connection, ran the pragmas and closed it again,
    and closing the last connection of a WAL database checkpoints it. A ``QueuePool`` (what
    SQLAlchemy 2.0 uses for files) keeps them open; the connections are only ever used by one
    thread at a time, as the pool hands them out, so SQLite's same-thread check is off.
    """
    engine = sa.create_engine(url, poolclass=QueuePool,
                              connect_args={"check_same_thread": False})
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class EnvSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` connected to :func:`tracker_db_url`.

    Rasa passes the endpoints.yml ``url`` as ``host``; ``TRACKER_DB_URL`` overrides it.
    An SQLite file gets :func:`pooled_sqlite_engine` instead of Rasa's engine.
    """

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        url = tracker_db_url(host)
        ensure_sqlite_directory(url)
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        if is_sqlite_file(url):
            self.engine.dispose()
            self.engine = pooled_sqlite_engine(url)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        elif self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
