"""Delete-my-data removes one sender's rows and nothing else."""

import asyncio
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.agent import Agent
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.deletion import DELETION_SLOT, DeletesOnConfirmation, delete_sender_data
from bot.storage.tracker_store import EnvSQLTrackerStore, TrackerStoreError

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "delete_data"],
        "slots": {
            DELETION_SLOT: {
                "type": "bool",
                "influence_conversation": False,
                "mappings": [{"type": "custom"}],
            }
        },
        "responses": {"utter_greet": [{"text": "Hi"}]},
    }
)


def conversation(sender_id: str, text: str, delete: bool) -> DialogueStateTracker:
    events = [
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": "greet"}),
        BotUttered("Hi"),
        ActionExecuted("action_listen"),
    ]
    if delete:
        events += [UserUttered("delete my data", {"name": "delete_data"}),
                   SlotSet(DELETION_SLOT, True)]
    return DialogueStateTracker.from_events(sender_id, events, slots=DOMAIN.slots)


def sql_rows(db_url: str) -> dict[str, int]:
    with sa.create_engine(db_url).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT sender_id, count(*) FROM events GROUP BY sender_id")
        )
        return dict(rows.all())


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path}/tracker.db"
    monkeypatch.setenv("TRACKER_DB_URL", url)
    return url


def make_agent(store: TrackerStore) -> Agent:
    return Agent(domain=DOMAIN, tracker_store=store, lock_store=InMemoryLockStore())


async def save_two_senders(agent: Agent, alice_deletes: bool) -> None:
    await agent.tracker_store.save(conversation("alice", "my partner never talks", alice_deletes))
    await agent.tracker_store.save(conversation("bob", "hello", False))


async def test_saving_a_confirmed_deletion_deletes_only_that_sender_sql(db_url):
    store = EnvSQLTrackerStore(domain=DOMAIN)
    await store.save(conversation("alice", "my partner never talks", False))
    await store.save(conversation("bob", "hello", False))
    assert sql_rows(db_url) == {"alice": 4, "bob": 4}

    await store.save(conversation("alice", "my partner never talks", True))  # end of the turn

    assert sql_rows(db_url) == {"bob": 4}
    assert await store.retrieve("alice") is None
    assert (await store.retrieve("bob")).latest_message.text == "hello"


async def test_a_conversation_confirmed_in_its_first_turn_is_never_written(db_url):
    store = EnvSQLTrackerStore(domain=DOMAIN)
    await store.save(conversation("alice", "delete everything", True))
    await store.save(conversation("bob", "hello", False))
    assert sql_rows(db_url) == {"bob": 4}


async def test_no_deletion_without_the_slot(db_url):
    agent = make_agent(EnvSQLTrackerStore(domain=DOMAIN))
    await save_two_senders(agent, alice_deletes=False)
    assert sql_rows(db_url) == {"alice": 4, "bob": 4}


@pytest.mark.parametrize("sender", ["x\ud800", "nul\x00"], ids=["lone surrogate", "NUL"])
async def test_a_value_the_database_refuses_raises_instead_of_exiting(db_url, sender):
    """Rasa's session_scope calls print_error_and_exit on a ValueError: the server stopped."""
    store = EnvSQLTrackerStore(domain=DOMAIN)
    try:
        await store.save(conversation(sender, "hi", False))
    except TrackerStoreError:
        pass  # SQLite refuses the surrogate; it stores NUL (PostgreSQL refuses it)
    await store.save(conversation("bob", "hello", False))
    assert sql_rows(db_url)["bob"] == 4


def test_sqlite_files_and_folder_are_private(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path}/var/deep/tracker.db")
    previous = os.umask(0o022)
    try:
        EnvSQLTrackerStore(domain=DOMAIN)
    finally:
        os.umask(previous)
    folder = tmp_path / "var"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "deep").stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "deep" / "tracker.db").stat().st_mode) == 0o600


async def test_delete_sender_data_is_unconditional(db_url):
    agent = make_agent(EnvSQLTrackerStore(domain=DOMAIN))
    await save_two_senders(agent, alice_deletes=False)

    assert await delete_sender_data(agent, "alice") == 4
    assert sql_rows(db_url) == {"bob": 4}
    assert await delete_sender_data(agent, "alice") == 0


class DeletingInMemoryStore(DeletesOnConfirmation, InMemoryTrackerStore):
    pass


async def test_in_memory_store():
    store = DeletingInMemoryStore(DOMAIN)
    await store.save(conversation("alice", "my partner never talks", False))
    await store.save(conversation("bob", "hello", False))
    await store.save(conversation("alice", "my partner never talks", True))
    assert set(await store.keys()) == {"bob"}


async def test_deletion_waits_for_the_conversation_lock(db_url):
    agent = make_agent(EnvSQLTrackerStore(domain=DOMAIN))
    await save_two_senders(agent, alice_deletes=False)

    async with agent.lock_store.lock("alice"):
        deletion = asyncio.create_task(delete_sender_data(agent, "alice"))
        await asyncio.sleep(0.3)
        assert not deletion.done()
        assert sql_rows(db_url)["alice"] == 4
    assert await asyncio.wait_for(deletion, 10) == 4
    assert "alice" not in sql_rows(db_url)


async def test_rows_deleted_during_a_turn_come_back_when_rasa_saves(db_url):
    """Why deletion happens in the store's save, not in an action: save() rewrites what
    is missing."""
    agent = make_agent(EnvSQLTrackerStore(domain=DOMAIN))
    tracker = conversation("alice", "my partner never talks", False)
    await agent.tracker_store.save(tracker)

    await delete_sender_data(agent, "alice")  # as an action would, mid-turn
    tracker.update(BotUttered("Your data was deleted."))
    await agent.tracker_store.save(tracker)  # what Rasa does when the turn ends

    assert sql_rows(db_url) == {"alice": 5}


async def test_fallback_store_is_cleared_too(db_url):
    agent = make_agent(EnvSQLTrackerStore(domain=DOMAIN))
    fallback = agent.tracker_store.fallback_tracker_store  # Rasa creates it on SQL errors
    await fallback.save(conversation("alice", "my partner never talks", False))
    await agent.tracker_store.save(conversation("alice", "my partner never talks", False))

    assert await delete_sender_data(agent, "alice") == 8
    assert "alice" not in await fallback.keys()
