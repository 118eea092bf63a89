"""Tracker and lock stores are chosen by environment variables, loaded as endpoints.yml names them."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints, number_of_sanic_workers
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.storage.lock_store import AtomicRedisLockStore, redis_lock_store_kwargs
from bot.storage.tracker_store import EnvSQLTrackerStore

ENDPOINTS_BLOCKS = """\
tracker_store:
  type: bot.storage.tracker_store.EnvSQLTrackerStore
lock_store:
  type: bot.storage.lock_store.EnvLockStore
"""


@pytest.fixture
def endpoints(tmp_path: Path) -> AvailableEndpoints:
    path = tmp_path / "endpoints.yml"
    path.write_text(ENDPOINTS_BLOCKS)
    return AvailableEndpoints.read_endpoints(str(path))


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.chdir(tmp_path)


def engine_url(store: TrackerStore) -> str:
    return str(store.engine.url)


async def test_default_is_sqlite_under_var(endpoints, tmp_path):
    store = TrackerStore.create(endpoints.tracker_store, Domain.empty())
    assert isinstance(store, EnvSQLTrackerStore)
    assert engine_url(store) == "sqlite:///var/tracker.db"
    await store.save(DialogueStateTracker.from_events("ann", [UserUttered("hello")]))
    assert (tmp_path / "var" / "tracker.db").exists()
    assert (await store.retrieve("ann")).latest_message.text == "hello"


def test_tracker_db_url_selects_database(endpoints, monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path}/elsewhere/prod.db")
    store = TrackerStore.create(endpoints.tracker_store, Domain.empty())
    assert engine_url(store) == f"sqlite:///{tmp_path}/elsewhere/prod.db"
    tables = sa.inspect(sa.create_engine(engine_url(store))).get_table_names()
    assert tables == ["events"]
    assert not (tmp_path / "var").exists()


def test_environment_overrides_url_in_endpoints(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path}/env.db")
    store = EnvSQLTrackerStore(host=f"sqlite:///{tmp_path}/config.db")
    assert str(store.engine.url) == f"sqlite:///{tmp_path}/env.db"


def test_url_in_endpoints_used_without_environment(tmp_path):
    store = EnvSQLTrackerStore(host=f"sqlite:///{tmp_path}/config.db")
    assert str(store.engine.url) == f"sqlite:///{tmp_path}/config.db"


async def test_sqlite_file_keeps_one_connection_open_across_messages(tmp_path):
    """No connect (pragmas) and close (WAL checkpoint) per session: the pool keeps it open."""
    store = EnvSQLTrackerStore(host=f"sqlite:///{tmp_path}/pooled.db")
    connects = []
    sa.event.listen(store.engine, "connect", lambda *_: connects.append(1))
    tracker = DialogueStateTracker.from_events("ann", [])
    for turn in range(5):
        tracker.update(UserUttered(f"message {turn}"))
        await store.save(tracker)
        assert (await store.retrieve("ann")).latest_message.text == f"message {turn}"
    assert len(connects) == 1
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    assert len(connects) == 1


def test_lock_store_in_memory_without_redis_url(endpoints):
    assert isinstance(LockStore.create(endpoints.lock_store), InMemoryLockStore)


def test_several_sanic_workers_without_redis_are_refused(endpoints, monkeypatch):
    """Rasa would start them (a custom lock store class passes its check) with per-process locks."""
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert number_of_sanic_workers(endpoints.lock_store) == 2
    with pytest.raises(ValueError, match="SANIC_WORKERS=2 needs REDIS_URL"):
        LockStore.create(endpoints.lock_store)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6390/1")
    assert isinstance(LockStore.create(endpoints.lock_store), AtomicRedisLockStore)


async def test_in_memory_lock_round_trip(endpoints):
    store = LockStore.create(endpoints.lock_store)
    async with store.lock("ann") as lock:
        assert store.get_lock("ann").conversation_id == lock.conversation_id == "ann"
    assert store.get_lock("ann") is None


def test_lock_store_redis_from_url(endpoints, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://:s%3Acret@10.0.0.5:6390/3")
    store = LockStore.create(endpoints.lock_store)
    assert isinstance(store, AtomicRedisLockStore)
    connection = store.red.connection_pool.connection_kwargs
    assert (connection["host"], connection["port"], connection["db"]) == ("10.0.0.5", 6390, 3)
    assert connection["password"] == "s:cret"


@pytest.mark.parametrize(
    "url, expected",
    [
        ("redis://127.0.0.1:6380", ("127.0.0.1", 6380, 1, False)),
        ("redis://cache/0", ("cache", 6379, 0, False)),
        ("rediss://user:pw@cache:6390/2", ("cache", 6390, 2, True)),
    ],
)
def test_redis_url_parsing(url, expected):
    kwargs = redis_lock_store_kwargs(url)
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["use_ssl"]) == expected


def test_redis_url_must_be_redis():
    with pytest.raises(ValueError, match="REDIS_URL"):
        redis_lock_store_kwargs("http://cache:6379")
