"""Keep the trackers of recent conversations in memory between turns (one process only).

Every turn, Rasa's SQL tracker store reads the conversation's events from the database,
decodes them and replays them into a new tracker, and on saving counts the stored events
again to find the new ones: together a third or more of the Rasa process's CPU time on a
turn (bench/README.md). With a single Rasa process, nothing else writes a conversation, so
the tracker saved at the end of a turn is exactly what the next turn would rebuild: this
mixin hands that same object back and, on saving, writes only the events added since.

The database stays the record: every save still writes the new events before the tracker is
kept. An entry is dropped, and the next turn reads the database again, when

- the tracker gained events that were not saved (a turn failed half-way),
- a conversation session started again inside it (the database read returns only the latest
  session; the kept tracker would hold the old one too),
- it is deleted (bot.privacy.deletion calls :meth:`CachesTrackers.forget`),
- it has not been used for ``KEEP_SECONDS`` (an hour, Rasa's session expiry: an idle
  conversation does not stay in memory, and the retention job, which deletes in the database
  from another process, never deletes a conversation this process still holds, as long as it
  runs with ``--days 1`` or more), or
- it is the least recently used of more than ``BOT_TRACKER_CACHE_SIZE`` (default 1000).

It is off when another process could write the same conversations (``REDIS_URL`` set: several
Rasa replicas share the database) and when an event broker is configured (Rasa finds the
events to stream by comparing with a freshly read tracker). ``BOT_TRACKER_CACHE_SIZE=0``
turns it off.
"""

from __future__ import annotations

import collections
import itertools
import os
import time
from typing import Any, Iterator, Optional, OrderedDict

from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.storage.lock_store import REDIS_URL_ENV

CACHE_SIZE_ENV = "BOT_TRACKER_CACHE_SIZE"
DEFAULT_CACHE_SIZE = 1000
KEEP_SECONDS = 3600.0
# A new conversation's tracker starts with action_listen, action_session_start, session_started.
FIRST_EVENTS = 3


def tracker_cache_size() -> int:
    """How many conversations to keep (``BOT_TRACKER_CACHE_SIZE``); 0 when the cache must be off."""
    if os.environ.get(REDIS_URL_ENV):
        return 0
    raw = os.environ.get(CACHE_SIZE_ENV, "").strip()
    if not raw:
        return DEFAULT_CACHE_SIZE
    if not raw.isdigit():
        raise ValueError(f"{CACHE_SIZE_ENV} must be a whole number >= 0, not {raw!r}")
    return int(raw)


def _one_session(tracker: DialogueStateTracker) -> bool:
    """True unless a session started again after the tracker's first events."""
    later = itertools.islice(tracker.events, FIRST_EVENTS, None)
    return not any(isinstance(event, SessionStarted) for event in later)


class CachesTrackers:
    """SQL tracker store mixin keeping recent trackers in memory (see the module docstring).

    Put it after :class:`bot.privacy.deletion.DeletesOnConfirmation` and before the store
    class, so a deleting save never reaches it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        size = 0 if getattr(self, "event_broker", None) else tracker_cache_size()
        self.tracker_cache_size = size
        # sender id -> (tracker, number of its events stored in the database, last used),
        # least recently used first
        self._kept: OrderedDict[str, tuple[DialogueStateTracker, int, float]] = (
            collections.OrderedDict()
        )

    def _drop_idle(self) -> None:
        idle_since = time.monotonic() - KEEP_SECONDS
        while self._kept and next(iter(self._kept.values()))[2] < idle_since:
            self._kept.popitem(last=False)

    def _keep(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        if not self.tracker_cache_size or not _one_session(tracker):
            self._kept.pop(sender_id, None)
            return
        self._kept[sender_id] = (tracker, len(tracker.events), time.monotonic())
        self._kept.move_to_end(sender_id)
        while len(self._kept) > self.tracker_cache_size:
            self._kept.popitem(last=False)

    def _stored_count(self, tracker: DialogueStateTracker) -> Optional[int]:
        """How many of this tracker object's events are in the database, if it is the kept one."""
        kept = self._kept.get(tracker.sender_id)
        return kept[1] if kept and kept[0] is tracker else None

    def forget(self, sender_id: str) -> None:
        """Drop a conversation from memory (its stored events are being deleted)."""
        self._kept.pop(sender_id, None)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        self._drop_idle()
        kept = self._kept.get(sender_id)
        if kept is not None:
            tracker, stored, _ = kept
            if len(tracker.events) == stored:
                self._kept[sender_id] = (tracker, stored, time.monotonic())
                self._kept.move_to_end(sender_id)
                return tracker
            self.forget(sender_id)  # changed without being saved: read the database again
        tracker = await super().retrieve(sender_id)  # type: ignore[misc]
        if tracker is not None:
            self._keep(tracker)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            await super().save(tracker)  # type: ignore[misc]
        except BaseException:
            self.forget(tracker.sender_id)
            raise
        self._keep(tracker)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """The events not yet stored: known without a query for the kept tracker."""
        stored = self._stored_count(tracker)
        if stored is None:
            return super()._additional_events(session, tracker)  # type: ignore[misc]
        return itertools.islice(tracker.events, stored, len(tracker.events))
