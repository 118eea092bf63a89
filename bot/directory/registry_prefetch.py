"""Registry searches started while the user is still answering the form.

A therapist search asks the live NPI Registry only with the place and the kind of help
(individual or couples): the other answers (approach, insurance, video sessions) rank
nothing there. So once the form knows those two, ``PrefetchingRegistry.prefetch`` starts
the registry search in the background, and the search turn, three questions later, takes
its result instead of waiting for the registry (300 ms to 4 s) while the user waits.

Prefetches belong to one conversation (``for_conversation``): two people asking for the same
place at the same time each get their own, so the second is not left waiting for the registry
because the first took the shared result. A prefetched result is used once, and only while
fresh; a prefetch that has already failed is not trusted (the search asks the registry
again), and one still running is awaited.
One registry call per form that gets past the help-type question is made even when the
local directory answers the search: the price of not waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Callable, Tuple

from bot.directory.locations import Location
from bot.directory.npi_registry import Clinician, NpiRegistry, registry_from_env

logger = logging.getLogger(__name__)

# A search started longer ago than this is not used (the user took a long break).
FRESH_SECONDS = 10 * 60
# Searches kept at most (one per form in progress); the oldest is dropped first.
CAPACITY = 256

Key = Tuple[str, Location, str]  # conversation id, place, kind of help


def _retrieve_exception(task: "asyncio.Future[list[Clinician]]") -> None:
    """Marks a failed search's exception as seen (asyncio logs it otherwise)."""
    if not task.cancelled():
        task.exception()


class PrefetchingRegistry:
    """An ``NpiRegistry`` whose searches can be started before they are asked for."""

    def __init__(
        self,
        registry: NpiRegistry,
        fresh_for: float = FRESH_SECONDS,
        capacity: int = CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = registry
        self._fresh_for = fresh_for
        self._capacity = capacity
        self._clock = clock
        self._started: OrderedDict[Key, Tuple[float, asyncio.Future[list[Clinician]]]] = OrderedDict()

    def for_conversation(self, conversation_id: str) -> "ConversationRegistry":
        """This registry as one conversation sees it: its own prefetches only."""
        return ConversationRegistry(self, conversation_id)

    def prefetch(self, conversation_id: str, location: Location, help_type: str) -> None:
        """Starts the search for ``(location, help_type)`` unless a fresh one of this
        conversation is under way."""
        key = (conversation_id, location, help_type)
        self._drop_stale()
        if key in self._started:
            return
        search = asyncio.ensure_future(self.registry.search(location, help_type))
        search.add_done_callback(_retrieve_exception)
        self._started[key] = (self._clock(), search)
        while len(self._started) > self._capacity:
            self._started.popitem(last=False)[1][1].cancel()

    async def search(self, conversation_id: str, location: Location, help_type: str) -> list[Clinician]:
        """The clinicians this conversation prefetched when there are any to use, else a
        search now."""
        self._drop_stale()
        entry = self._started.pop((conversation_id, location, help_type), None)
        if entry is not None:
            search = entry[1]
            failed = search.done() and (search.cancelled() or search.exception() is not None)
            if not failed:
                return await search
            logger.info("prefetched registry search had failed; asking again")
        return await self.registry.search(location, help_type)

    def _drop_stale(self) -> None:
        oldest_fresh = self._clock() - self._fresh_for
        while self._started:
            key, (started, search) = next(iter(self._started.items()))
            if started >= oldest_fresh:
                break
            del self._started[key]
            search.cancel()


class ConversationRegistry:
    """A ``PrefetchingRegistry`` seen from one conversation; searches like an ``NpiRegistry``."""

    def __init__(self, registry: PrefetchingRegistry, conversation_id: str) -> None:
        self._registry = registry
        self._conversation_id = conversation_id

    def prefetch(self, location: Location, help_type: str) -> None:
        """Starts this conversation's search for ``(location, help_type)`` in the background."""
        self._registry.prefetch(self._conversation_id, location, help_type)

    async def search(self, location: Location, help_type: str) -> list[Clinician]:
        """This conversation's prefetched clinicians, or a search now."""
        return await self._registry.search(self._conversation_id, location, help_type)


def prefetching_registry_from_env() -> PrefetchingRegistry | None:
    """The live registry as configured (``registry_from_env``), with prefetching."""
    registry = registry_from_env()
    return None if registry is None else PrefetchingRegistry(registry)
