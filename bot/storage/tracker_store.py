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

import contextlib
import os
from typing import Any, Generator, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs, ensure_schema_exists
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from bot.privacy.deletion import DeletesOnConfirmation
from bot.storage.private_files import is_sqlite_file, private_sqlite_file
from bot.storage.tracker_cache import CachesTrackers

TRACKER_DB_URL_ENV = "TRACKER_DB_URL"
DEFAULT_TRACKER_DB_URL = "sqlite:///var/tracker.db"


def tracker_db_url(configured: Optional[str] = None) -> str:
    """``TRACKER_DB_URL`` if set, else ``configured`` (endpoints.yml ``url``), else SQLite."""
    return os.environ.get(TRACKER_DB_URL_ENV) or configured or DEFAULT_TRACKER_DB_URL


def create_tracker_engine(url: Optional[str] = None) -> Engine:
    """An SQLAlchemy engine for the tracker database, configured as Rasa does."""
    url = url or tracker_db_url()
    private_sqlite_file(url)
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


class TrackerStoreError(RuntimeError):
    """A database error while reading or writing conversations."""


class EnvSQLTrackerStore(DeletesOnConfirmation, CachesTrackers, SQLTrackerStore):
    """``SQLTrackerStore`` connected to :func:`tracker_db_url`.

    Rasa passes the endpoints.yml ``url`` as ``host``; ``TRACKER_DB_URL`` overrides it.
    A SQLite database file is created 0600 in a 0700 folder (bot.storage.private_files)
    and gets :func:`pooled_sqlite_engine` instead of Rasa's engine.
    Saving a tracker whose deletion the user confirmed deletes the conversation instead
    (bot.privacy.deletion). With one Rasa process, the trackers of recent conversations stay
    in memory between turns (bot.storage.tracker_cache). A ``ValueError`` from the database layer (a NUL in a string on
    PostgreSQL, a lone surrogate on SQLite) is raised as :class:`TrackerStoreError`:
    Rasa's ``session_scope`` would call ``print_error_and_exit`` and stop the server.
    """

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        url = tracker_db_url(host)
        private_sqlite_file(url)
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        if is_sqlite_file(url):
            self.engine.dispose()
            self.engine = pooled_sqlite_engine(url)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        elif self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Session, None, None]:
        session = self.sessionmaker()
        try:
            ensure_schema_exists(session)
            yield session
        except ValueError as error:
            raise TrackerStoreError(f"the tracker database refused a value: {error}") from error
        finally:
            session.close()
