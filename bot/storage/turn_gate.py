"""At most N conversation turns in progress at once in this process, admitted first come, first served.

One Rasa process runs every turn on one event loop. A turn that calls the action server
(form validation, the crisis hand-off, therapist search) gives the loop away while it waits
for the reply, and with many turns in progress it only gets it back after every other turn
has had its share: the more calls a turn makes, the more rounds it waits, so those turns
made the latency tail (a check-in answer took 4x as long as a "learn" turn at the same load).
Admitting only a few turns at a time, in arrival order, keeps the core busy while one of them
waits for the action server and makes every turn wait its place in one queue instead.

``BOT_MAX_CONCURRENT_TURNS`` sets N (default 8; 0 turns the gate off). The gate is taken
after the conversation's own lock (bot.storage.lock_store), so a second message of one
conversation waits for the first without holding a place.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
from typing import AsyncIterator, Deque

MAX_CONCURRENT_TURNS_ENV = "BOT_MAX_CONCURRENT_TURNS"
DEFAULT_MAX_CONCURRENT_TURNS = 8


def max_concurrent_turns() -> int:
    """``BOT_MAX_CONCURRENT_TURNS`` as a number of turns; 0 means no limit.

    Raises ``ValueError`` for anything but a whole number >= 0, so a typo stops start-up
    instead of silently running without the limit.
    """
    raw = os.environ.get(MAX_CONCURRENT_TURNS_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_CONCURRENT_TURNS
    if not raw.isdigit():
        raise ValueError(f"{MAX_CONCURRENT_TURNS_ENV} must be a whole number >= 0, not {raw!r}")
    return int(raw)


class TurnGate:
    """A first-come, first-served limit on concurrent holders.

    ``asyncio.Semaphore`` in Python 3.10 is not first come, first served: a task that
    arrives just after a release can take the place before the woken waiter runs, and the
    waiter queues again at the back. Here a released place is handed to the oldest waiter.
    """

    def __init__(self, places: int) -> None:
        if places < 1:
            raise ValueError("a turn gate needs at least one place")
        self.places = places
        self._free = places
        self._waiting: Deque[asyncio.Future[None]] = collections.deque()

    @property
    def waiting(self) -> int:
        """How many are queued for a place."""
        return len(self._waiting)

    async def _enter(self) -> None:
        if self._free and not self._waiting:
            self._free -= 1
            return
        place: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(place)
        try:
            await place
        except asyncio.CancelledError:
            if place.done() and not place.cancelled():
                self._leave()  # the place was handed over just as the waiter was cancelled
            else:
                self._waiting.remove(place)
            raise

    def _leave(self) -> None:
        while self._waiting:
            place = self._waiting.popleft()
            if not place.done():
                place.set_result(None)  # the place passes straight to the oldest waiter
                return
        self._free += 1

    @contextlib.asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        """Hold one place for the body of the ``async with``."""
        await self._enter()
        try:
            yield
        finally:
            self._leave()
