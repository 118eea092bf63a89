"""Lock store chosen by environment: Redis when ``REDIS_URL`` is set, in-memory otherwise.

Several Rasa replicas must share a Redis lock store so that two messages of one
conversation are never processed at the same time by different processes::

    lock_store:
      type: bot.storage.lock_store.EnvLockStore

    REDIS_URL=redis://:secret@127.0.0.1:6379/1   # db number in the path, default 1

The in-memory lock store only serialises messages within one process.

Either store also admits at most ``BOT_MAX_CONCURRENT_TURNS`` turns of this process at once,
first come, first served (bot.storage.turn_gate).
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any, AsyncIterator, Callable, Optional, TypeVar
from urllib.parse import unquote, urlsplit

from rasa.constants import ENV_SANIC_WORKERS
from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    LOCK_LIFETIME,
    InMemoryLockStore,
    LockError,
    LockStore,
    RedisLockStore,
)
from rasa.utils.endpoints import EndpointConfig

from bot.storage.turn_gate import TurnGate, is_urgent_turn, max_concurrent_turns

REDIS_URL_ENV = "REDIS_URL"
DEFAULT_REDIS_DB = 1  # Rasa's own default for the lock store

Result = TypeVar("Result")


class GatedTurns:
    """Lock store mixin: a turn holds its conversation's lock, then a place at the turn gate.

    Rasa runs every turn (``Agent.handle_message``) inside ``lock_store.lock(sender_id)``,
    whatever the channel, so this is the one place that sees them all. Put it before the
    store class: ``class Store(GatedTurns, InMemoryLockStore)``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        places = max_concurrent_turns()
        self.turn_gate: Optional[TurnGate] = TurnGate(places) if places else None

    @contextlib.asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        async with super().lock(  # type: ignore[misc]
            conversation_id, lock_lifetime, wait_time_in_seconds
        ) as ticket_lock:
            if self.turn_gate is None:
                yield ticket_lock
                return
            async with self.turn_gate.place(urgent=is_urgent_turn()):
                yield ticket_lock


class GatedInMemoryLockStore(GatedTurns, InMemoryLockStore):
    """Rasa's in-memory lock store with the turn gate."""


class AtomicRedisLockStore(GatedTurns, RedisLockStore):
    """``RedisLockStore`` whose lock updates are atomic across processes (with the turn gate).

    Rasa 3.6's ``RedisLockStore`` reads a conversation's ticket lock, changes it
    and writes it back in separate commands. When two replicas take a ticket for
    the same conversation at the same moment, one can overwrite the other: both
    then process at once, or a ticket is lost and the next message waits out the
    whole lock lifetime (60 s) before the REST channel gives up (seen in
    tests/test_replicas.py). Here every read-modify-write is a Redis WATCH/MULTI
    transaction, retried when another process changed the lock in between.
    """

    def _transact(
        self,
        conversation_id: str,
        change: Callable[[Optional[TicketLock]], tuple[Optional[TicketLock], Result]],
    ) -> Result:
        """Apply ``change`` to the stored lock atomically; a returned ``None`` lock deletes it."""
        key = self.key_prefix + conversation_id

        def run(pipe: Any) -> Result:
            serialised = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(serialised)) if serialised else None
            new_lock, result = change(lock)
            pipe.multi()
            if new_lock is None:
                pipe.delete(key)
            else:
                pipe.set(key, new_lock.dumps())
            return result

        return self.red.transaction(run, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._transact(conversation_id, issue)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_expired_tickets()
            return lock, None

        self._transact(conversation_id, drop_expired)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return (lock if lock and lock.is_someone_waiting() else None), None

        self._transact(conversation_id, finish)


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


def sanic_workers() -> int:
    """The number of server processes ``SANIC_WORKERS`` asks Rasa for (1 if unset or invalid)."""
    try:
        return max(1, int(os.environ.get(ENV_SANIC_WORKERS, "1")))
    except ValueError:
        return 1


def lock_store_from_env() -> LockStore:
    """An ``AtomicRedisLockStore`` for ``REDIS_URL``, or a ``GatedInMemoryLockStore`` without it.

    Rasa only checks the *type* named in endpoints.yml before starting ``SANIC_WORKERS``
    processes, and a custom class passes that check; without ``REDIS_URL`` each of them
    would lock conversations in its own memory, so two messages of one conversation could
    be processed at once. That configuration is refused here instead.
    """
    url = os.environ.get(REDIS_URL_ENV)
    if not url:
        if sanic_workers() > 1:
            raise ValueError(
                f"{ENV_SANIC_WORKERS}={sanic_workers()} needs {REDIS_URL_ENV}: the in-memory "
                "lock store only serialises messages within one process."
            )
        return GatedInMemoryLockStore()
    return AtomicRedisLockStore(**redis_lock_store_kwargs(url))


class EnvLockStore(LockStore):
    """The name endpoints.yml uses; constructing it returns :func:`lock_store_from_env`'s store.

    Rasa builds custom lock stores as ``cls(endpoint_config=...)``; the
    environment, not the endpoint config, picks the backend.
    """

    def __new__(cls, endpoint_config: Optional[EndpointConfig] = None) -> LockStore:  # type: ignore[misc]
        return lock_store_from_env()
