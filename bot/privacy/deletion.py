"""Delete one sender's conversation from the tracker store ("delete my data").

The deletion happens in the tracker store, so it does not depend on the channel (REST,
web, SMS) or on a form: :class:`DeletesOnConfirmation` is mixed into the store classes
(bot.storage.tracker_store.EnvSQLTrackerStore). When Rasa saves a tracker at the end of a
turn in which the user confirmed the deletion (``action_delete_my_data`` sets slot
``data_deletion_requested``), the store deletes every stored event of that sender instead
of writing the new ones. Rasa saves under the lock store's lock for that sender, so a
message being processed by another replica is not half-deleted; if the deletion fails the
save fails, nothing of the turn is stored, and the error is logged.

Why not inside the action: ``SQLTrackerStore.save`` only writes the events beyond the
number already stored for the current session. If an action deleted the rows, that number
would be 0 when the turn ends and Rasa would write the whole conversation back.

``await delete_sender_data(agent, sender_id) -> int`` deletes unconditionally (the
one-word SMS ``DELETE``; the channel sends its own confirmation), under the sender's lock,
from the SQL store and the in-memory stores behind Rasa's wrappers (including Rasa's
in-memory fallback store). The next message from that sender starts a new conversation.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.core.agent import Agent
from rasa.core.tracker_store import (
    AwaitableTrackerStore,
    FailSafeTrackerStore,
    InMemoryTrackerStore,
    SQLTrackerStore,
    TrackerStore,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.storage.tracker_cache import CachesTrackers

logger = logging.getLogger(__name__)

DELETION_SLOT = "data_deletion_requested"


def backing_stores(store: TrackerStore) -> list[TrackerStore]:
    """The stores that hold data behind Rasa's wrapper stores.

    ``Agent`` wraps its store in ``FailSafeTrackerStore`` (with an in-memory
    fallback once a save failed) and sometimes ``AwaitableTrackerStore``; neither
    exposes the wrapped store publicly.
    """
    if isinstance(store, FailSafeTrackerStore):
        fallback = [store._fallback_tracker_store] if store._fallback_tracker_store else []
        return [
            found
            for wrapped in [store._tracker_store, *fallback]
            for found in backing_stores(wrapped)
        ]
    if isinstance(store, AwaitableTrackerStore):
        return backing_stores(store._tracker_store)
    return [store]


def delete_from_store(store: TrackerStore, sender_id: str) -> int:
    """Remove every stored event of ``sender_id`` from one store; return how many."""
    if isinstance(store, SQLTrackerStore):
        if isinstance(store, CachesTrackers):
            store.forget(sender_id)
        with store.session_scope() as session:
            deleted = (
                session.query(store.SQLEvent)
                .filter(store.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        return deleted
    if isinstance(store, InMemoryTrackerStore):
        serialised = store.store.pop(sender_id, None)
        return len(json.loads(serialised)["events"]) if serialised else 0
    raise TypeError(f"deleting conversations from {type(store).__name__} is not supported")


def deletion_confirmed(tracker: DialogueStateTracker) -> bool:
    """True when the user confirmed "delete my data" in this conversation."""
    return bool(tracker.get_slot(DELETION_SLOT))


class DeletesOnConfirmation:
    """Tracker store mixin: saving a tracker whose deletion was confirmed deletes it.

    Put it before the store class: ``class Store(DeletesOnConfirmation, SQLTrackerStore)``.
    """

    async def save(self, tracker: DialogueStateTracker) -> Any:
        if not deletion_confirmed(tracker):
            return await super().save(tracker)  # type: ignore[misc]
        deleted = delete_from_store(self, tracker.sender_id)  # type: ignore[arg-type]
        logger.info("Deleted a conversation on the user's request (%d events).", deleted)
        return None


async def delete_sender_data(agent: Agent, sender_id: str) -> int:
    """Delete the sender's whole conversation; return the number of events removed."""
    async with agent.lock_store.lock(sender_id):
        deleted = sum(delete_from_store(store, sender_id)
                      for store in backing_stores(agent.tracker_store))
    logger.info("Deleted a conversation on the user's request (%d events).", deleted)
    return deleted
