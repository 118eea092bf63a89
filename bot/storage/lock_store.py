"""Lock store chosen by environment: Redis when ``REDIS_URL`` is set, in-memory otherwise.

Several Rasa replicas must share a Redis lock store so that two messages of one
conversation are never processed at the same time by different processes::

    lock_store:
      type: bot.storage.lock_store.EnvLockStore

    REDIS_URL=redis://:secret@127.0.0.1:6379/1   # db number in the path, default 1

The in-memory lock store only serialises messages within one process.
"""

from __future__ import annotations

import os
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

REDIS_URL_ENV = "REDIS_URL"
DEFAULT_REDIS_DB = 1  # Rasa's own default for the lock store


def redis_lock_store_kwargs(url: str) -> dict[str, Any]:
    """Keyword arguments for ``RedisLockStore`` from a ``redis://`` or ``rediss://`` URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"{REDIS_URL_ENV} must start with redis:// or rediss://")
    db = parts.path.lstrip("/")
    return {
        "host": parts.hostname or "localhost",
        "port": parts.port or 6379,
        "db": int(db) if db else DEFAULT_REDIS_DB,
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": parts.scheme == "rediss",
    }


def lock_store_from_env() -> LockStore:
    """A ``RedisLockStore`` for ``REDIS_URL``, or an ``InMemoryLockStore`` without it."""
    url = os.environ.get(REDIS_URL_ENV)
    if not url:
        return InMemoryLockStore()
    return RedisLockStore(**redis_lock_store_kwargs(url))


class EnvLockStore(LockStore):
    """Delegates lock storage to :func:`lock_store_from_env`'s store.

    Rasa builds custom lock stores as ``cls(endpoint_config=...)``; the
    environment, not the endpoint config, picks the backend.
    """

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None) -> None:
        self.backend = lock_store_from_env()
        super().__init__()

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        return self.backend.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self.backend.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.backend.save_lock(lock)
