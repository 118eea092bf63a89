"""Trackers kept in memory between turns: the database stays exactly what Rasa would have written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.deletion import delete_from_store
from bot.storage import tracker_cache
from bot.storage.tracker_store import EnvSQLTrackerStore


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("BOT_TRACKER_CACHE_SIZE", raising=False)
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/tracker.db"


def stored(db: str, sender: str) -> list[dict]:
    """What a store without the cache reads back: every event of the conversation, in order."""
    reader = EnvSQLTrackerStore(host=db)  # a new store: nothing kept yet
    with reader.session_scope() as session:
        rows = reader._event_query(session, sender, fetch_events_from_all_sessions=True).all()
    return [{k: v for k, v in json.loads(row.data).items() if k != "timestamp"} for row in rows]


def plain(tracker: DialogueStateTracker) -> list[dict]:
    return [{k: v for k, v in event.as_dict().items() if k != "timestamp"} for event in tracker.events]


async def turn(store: EnvSQLTrackerStore, sender: str, text: str) -> DialogueStateTracker:
    """One turn as Rasa runs it: retrieve (or create), add events, save."""
    tracker = await store.get_or_create_tracker(sender)
    if not any(isinstance(event, SessionStarted) for event in tracker.events):
        tracker.update_with_events([ActionExecuted("action_session_start"), SessionStarted(),
                                    ActionExecuted("action_listen")], None)
    tracker.update(UserUttered(text))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    return tracker


async def test_the_next_turn_gets_the_saved_tracker_and_the_database_gets_each_event_once(db):
    store = EnvSQLTrackerStore(host=db)
    first = await turn(store, "ann", "one")
    # The first turn's tracker held a session start after its initial action_listen: kept.
    for text in ("two", "three", "four"):
        assert await turn(store, "ann", text) is first
    assert stored(db, "ann") == plain(first)
    assert first.latest_message.text == "four"


async def test_unsaved_changes_are_not_handed_out(db):
    store = EnvSQLTrackerStore(host=db)
    kept = await turn(store, "ann", "one")
    kept.update(UserUttered("half a turn"))  # the turn failed before saving
    again = await store.retrieve("ann")
    assert again is not kept
    assert plain(again)[-1]["event"] == "action" and "half a turn" not in str(plain(again))


async def test_a_failed_save_drops_the_kept_tracker(db, monkeypatch):
    store = EnvSQLTrackerStore(host=db)
    kept = await turn(store, "ann", "one")

    def refuse(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "session_scope", refuse)
    kept.update(UserUttered("lost"))
    with pytest.raises(RuntimeError):
        await store.save(kept)
    monkeypatch.undo()
    assert (await store.retrieve("ann")) is not kept


async def test_a_new_session_inside_the_tracker_is_read_back_from_the_database(db):
    store = EnvSQLTrackerStore(host=db)
    tracker = await turn(store, "ann", "one")
    tracker.update_with_events([ActionExecuted("action_session_start"), SessionStarted(),
                                ActionExecuted("action_listen"), UserUttered("new session")], None)
    await store.save(tracker)
    fresh = await store.retrieve("ann")
    assert fresh is not tracker
    assert plain(fresh)[0]["event"] == "session_started"  # only the latest session
    read_back = len(fresh.events)
    assert await turn(store, "ann", "two") is fresh  # kept from the database read on
    assert stored(db, "ann") == plain(tracker) + plain(fresh)[read_back:]


async def test_deleting_a_conversation_forgets_it(db):
    store = EnvSQLTrackerStore(host=db)
    await turn(store, "ann", "one")
    assert delete_from_store(store, "ann") > 0
    assert await store.retrieve("ann") is None


async def test_only_the_most_recent_conversations_are_kept(db, monkeypatch):
    monkeypatch.setenv("BOT_TRACKER_CACHE_SIZE", "2")
    store = EnvSQLTrackerStore(host=db)
    trackers = {sender: await turn(store, sender, "hi") for sender in ("ann", "bob", "cy")}
    assert list(store._kept) == ["bob", "cy"]
    ann = await store.retrieve("ann")
    assert ann is not trackers["ann"] and plain(ann)[-1] == plain(trackers["ann"])[-1]
    assert list(store._kept) == ["cy", "ann"]


async def test_an_idle_conversation_leaves_memory(db, monkeypatch):
    store = EnvSQLTrackerStore(host=db)
    now = [1000.0]
    monkeypatch.setattr(tracker_cache.time, "monotonic", lambda: now[0])
    ann = await turn(store, "ann", "one")
    now[0] += tracker_cache.KEEP_SECONDS - 1
    bob = await turn(store, "bob", "one")
    assert await store.retrieve("ann") is ann  # used again: kept for another hour
    now[0] += tracker_cache.KEEP_SECONDS + 1
    assert await store.retrieve("bob") is not bob
    assert list(store._kept) == ["bob"]  # read back just now; ann was idle too long


@pytest.mark.parametrize("setting", [{"BOT_TRACKER_CACHE_SIZE": "0"},
                                     {"REDIS_URL": "redis://127.0.0.1:6390/1"}])
async def test_off_when_turned_off_or_with_several_replicas(db, monkeypatch, setting):
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    store = EnvSQLTrackerStore(host=db)
    first = await turn(store, "ann", "one")
    second = await turn(store, "ann", "two")
    assert second is not first and not store._kept
    # read back from the session start on: the first action_listen and action_session_start
    # of the conversation are stored but not read
    assert stored(db, "ann")[2:] == plain(second)


def test_off_with_an_event_broker(db):
    class Broker(EventBroker):
        def publish(self, event):
            pass

    assert EnvSQLTrackerStore(host=db, event_broker=Broker()).tracker_cache_size == 0


def test_a_bad_cache_size_stops_start_up(db, monkeypatch):
    monkeypatch.setenv("BOT_TRACKER_CACHE_SIZE", "lots")
    with pytest.raises(ValueError, match="BOT_TRACKER_CACHE_SIZE"):
        EnvSQLTrackerStore(host=db)
