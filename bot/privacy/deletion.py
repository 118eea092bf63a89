"""Delete one sender's conversation from the tracker store ("delete my data").

Why after the turn, not inside an action: ``SQLTrackerStore.save`` only writes the
events beyond the number already stored for the current session. If an action
deleted the rows, that number would be 0 when the turn ends and Rasa would write
the whole conversation back. So deletion runs after the turn, from the channel.

API for the channels (web socket.io and SMS), both coroutines on the running
``Agent`` (in a Rasa input channel: ``request.app.ctx.agent``):

``await apply_pending_deletion(agent, sender_id) -> bool``
    Call after every handled user message, once the bot's replies are sent.
    If the stored tracker has slot ``data_deletion_requested`` set to true (the
    ``action_delete_my_data`` action sets it when the user confirms), deletes the
    sender's conversation and returns True; returns False otherwise.

``await delete_sender_data(agent, sender_id) -> int``
    Deletes unconditionally (e.g. for a one-word SMS ``DELETE``; the channel
    sends its own confirmation). Returns the number of events removed.

Both hold the lock store's lock for that sender while deleting, so a message
being processed by another replica is not half-deleted. Deletion covers the SQL
tracker store (the ``events`` table, the only table that holds conversations)
and the in-memory store, including Rasa's in-memory fallback store. The next
message from that sender starts a new conversation.
"""

from __future__ import annotations

import json
import logging

from rasa.core.agent import Agent
from rasa.core.tracker_store import (
    AwaitableTrackerStore,
    FailSafeTrackerStore,
    InMemoryTrackerStore,
    SQLTrackerStore,
    TrackerStore,
)

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


def _delete_unlocked(agent: Agent, sender_id: str) -> int:
    deleted = sum(delete_from_store(store, sender_id) for store in backing_stores(agent.tracker_store))
    logger.info("Deleted a conversation on the user's request (%d events).", deleted)
    return deleted


async def delete_sender_data(agent: Agent, sender_id: str) -> int:
    """Delete the sender's whole conversation; return the number of events removed."""
    async with agent.lock_store.lock(sender_id):
        return _delete_unlocked(agent, sender_id)


async def apply_pending_deletion(agent: Agent, sender_id: str) -> bool:
    """Delete the conversation if its tracker has ``data_deletion_requested`` set."""
    async with agent.lock_store.lock(sender_id):
        tracker = await agent.tracker_store.retrieve(sender_id)
        if tracker is None or not tracker.get_slot(DELETION_SLOT):
            return False
        _delete_unlocked(agent, sender_id)
        return True
