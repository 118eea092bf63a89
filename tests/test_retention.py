"""Retention purge with a controlled clock."""

import subprocess
import sys

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.retention import PurgeResult, main, purge_inactive_conversations
from bot.storage.tracker_store import EnvSQLTrackerStore
from tests.support.stack import REPO_ROOT

DAY = 86_400.0
NOW = 1_800_000_000.0  # fixed clock: 2027-01-15


def conversation(sender_id: str, *ages_in_days: float) -> DialogueStateTracker:
    """One user message and one bot reply for each age (days before NOW)."""
    events = []
    for age in ages_in_days:
        events += [UserUttered("hi", {"name": "greet"}, timestamp=NOW - age * DAY),
                   BotUttered("Hello", timestamp=NOW - age * DAY + 1)]
    return DialogueStateTracker.from_events(sender_id, events)


@pytest.fixture
def store(tmp_path, monkeypatch) -> EnvSQLTrackerStore:
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path}/tracker.db")
    return EnvSQLTrackerStore(domain=Domain.empty())


async def save_all(store, *trackers) -> None:
    for tracker in trackers:
        await store.save(tracker)


def senders(store) -> set[str]:
    with store.engine.connect() as connection:
        return set(connection.execute(sa.text("SELECT DISTINCT sender_id FROM events")).scalars())


async def test_purges_by_last_event(store):
    await save_all(
        store,
        conversation("old", 90, 45),           # last event 45 days ago
        conversation("revived", 90, 10),       # old start, recent last event: kept
        conversation("recent", 2),
        conversation("edge", 29.9999),         # last event 10 s inside the 30 days
    )
    result = purge_inactive_conversations(store.engine, days=30, now=NOW)
    assert result == PurgeResult(conversations=1, events=4)
    assert senders(store) == {"revived", "recent", "edge"}

    result = purge_inactive_conversations(store.engine, days=30, now=NOW + 60)
    assert result == PurgeResult(conversations=1, events=2)
    assert senders(store) == {"revived", "recent"}


async def test_moving_the_clock_purges_more(store):
    await save_all(store, conversation("a", 10), conversation("b", 20))
    assert purge_inactive_conversations(store.engine, 30, NOW) == PurgeResult(0, 0)
    assert purge_inactive_conversations(store.engine, 30, NOW + 15 * DAY) == PurgeResult(1, 2)
    assert senders(store) == {"a"}
    assert purge_inactive_conversations(store.engine, 0, NOW) == PurgeResult(1, 2)


def test_empty_database_has_nothing_to_purge(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path}/none.db")
    assert purge_inactive_conversations(engine, 30, NOW) == PurgeResult(0, 0)


async def test_cli_defaults_to_30_days(store, capsys):
    await save_all(store, conversation("a", 29), conversation("b", 31))
    assert main([], now=NOW) == 0
    assert capsys.readouterr().out.strip() == (
        "Deleted 1 conversations (2 events) inactive for more than 30 days."
    )
    assert senders(store) == {"a"}


async def test_module_runs_from_command_line(store, tmp_path):
    await save_all(store, conversation("ancient", 4000))
    done = subprocess.run(
        [sys.executable, "-m", "bot.privacy.retention", "--days", "7"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "TRACKER_DB_URL": f"sqlite:///{tmp_path}/tracker.db"},
    )
    assert done.returncode == 0, done.stderr
    assert "Deleted 1 conversations (2 events) inactive for more than 7 days." in done.stdout
    assert senders(store) == set()


def test_negative_days_rejected():
    with pytest.raises(SystemExit):
        main(["--days", "-1"], now=NOW)
