"""At most N conversation turns in progress at once in this process, admitted first come, first served.

One Rasa process runs every turn on one event loop. A turn that calls the action server
(form validation, the crisis hand-off, therapist search) gives the loop away while it waits
for the reply, and with many turns in progress it only gets it back after every other turn
has had its share: the more calls a turn makes, the more rounds it waits, so those turns
made the latency tail (a check-in answer took 4x as long as a "learn" turn at the same load).
Admitting only a few turns at a time, in arrival order, keeps the core busy while one of them
waits for the action server and makes every turn wait its place in one queue instead.

A crisis message goes first: a turn marked urgent (``urgent_turn``; the message is read
before its turn waits, see bot.rasa_patches) takes the next free place before every ordinary
turn that is waiting, so the 988 reply does not queue behind other people's check-ins.

``BOT_MAX_CONCURRENT_TURNS`` sets N (default 8; 0 turns the gate off). The gate is taken
after the conversation's own lock (bot.storage.lock_store), so a second message of one
conversation waits for the first without holding a place.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import os
from typing import AsyncIterator, Deque, Iterator

MAX_CONCURRENT_TURNS_ENV = "BOT_MAX_CONCURRENT_TURNS"
DEFAULT_MAX_CONCURRENT_TURNS = 8


# Whether the turn in progress in this task should be let in first (a crisis message).
_URGENT: contextvars.ContextVar[bool] = contextvars.ContextVar("urgent_turn", default=False)


@contextlib.contextmanager
def urgent_turn(urgent: bool) -> Iterator[None]:
    """Marks the turn run inside the ``with`` (in this task) as urgent, or not."""
    token = _URGENT.set(urgent)
    try:
        yield
    finally:
        _URGENT.reset(token)


def is_urgent_turn() -> bool:
    """True inside ``urgent_turn(True)``."""
    return _URGENT.get()


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
    """A first-come, first-served limit on concurrent holders; urgent ones go first.

    ``asyncio.Semaphore`` in Python 3.10 is not first come, first served: a task that
    arrives just after a release can take the place before the woken waiter runs, and the
    waiter queues again at the back. Here a released place is handed straight to the oldest
    urgent waiter, else to the oldest waiter. While an urgent holder is inside, no ordinary
    waiter is let in (those inside finish as usual), so the urgent turn shares the event loop
    with as few turns as possible; when it leaves, every free place is handed out again.
    """

    def __init__(self, places: int) -> None:
        if places < 1:
            raise ValueError("a turn gate needs at least one place")
        self.places = places
        self._free = places
        self._urgent_inside = 0
        self._urgent: Deque[asyncio.Future[None]] = collections.deque()
        self._ordinary: Deque[asyncio.Future[None]] = collections.deque()

    @property
    def waiting(self) -> int:
        """How many are queued for a place."""
        return len(self._urgent) + len(self._ordinary)

    def _may_enter_now(self, urgent: bool) -> bool:
        if not self._free or self._urgent:
            return False
        return urgent or not (self._ordinary or self._urgent_inside)

    def _take(self, urgent: bool) -> None:
        self._free -= 1
        self._urgent_inside += urgent

    async def _enter(self, urgent: bool) -> None:
        if self._may_enter_now(urgent):
            self._take(urgent)
            return
        place: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._ordinary
        queue.append(place)
        try:
            await place
        except asyncio.CancelledError:
            if place.done() and not place.cancelled():
                self._leave(urgent)  # the place was handed over just as the waiter was cancelled
            else:
                queue.remove(place)
            raise

    def _leave(self, urgent: bool) -> None:
        self._free += 1
        self._urgent_inside -= urgent
        self._hand_out()

    def _hand_out(self) -> None:
        """Hands free places to the waiters next in line (urgent first), as far as allowed."""
        while self._free:
            urgent = bool(self._urgent)
            if not urgent and (self._urgent_inside or not self._ordinary):
                return
            place = (self._urgent if urgent else self._ordinary).popleft()
            if not place.done():
                self._take(urgent)
                place.set_result(None)  # the place passes straight to the waiter

    @contextlib.asynccontextmanager
    async def place(self, urgent: bool = False) -> AsyncIterator[None]:
        """Hold one place for the body of the ``async with``; ``urgent`` goes first."""
        await self._enter(urgent)
        try:
            yield
        finally:
            self._leave(urgent)
