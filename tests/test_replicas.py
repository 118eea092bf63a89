"""Two Rasa replicas on one PostgreSQL tracker store and one Redis lock store.

Starts PostgreSQL and Redis (scripts/services/start-postgres-redis.sh), one action
server and two `rasa run` processes configured with the production endpoints
blocks, then runs several conversations at once:
- one conversation whose messages alternate between the replicas,
- CONVERSATIONS - 2 more alternating conversations, each in its own thread,
- one "burst" conversation that sends two messages at the same moment, one to
  each replica, while the test holds that conversation's lock in Redis: neither
  replica may answer until it is released, and then only the lock keeps the two
  turns apart.
Messages are `/intent` texts with static responses, so the checks do not depend
on NLU. Checks: every message got its response; each conversation's rows in
PostgreSQL hold every user message exactly once, each followed by its complete
turn (response, then action_listen) before the next; ids and timestamps in order;
both replicas used Redis.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
import yaml

from bot.storage.lock_store import AtomicRedisLockStore, redis_lock_store_kwargs
from tests.support.services import Services, start_services, stop_services
from tests.support.stack import REPO_ROOT, RasaStack, require_model, say

pytestmark = pytest.mark.servers

# (intent, response) pairs from data/rules.yml: each intent is answered by that static response.
SCRIPT = [
    ("greet", "utter_greet"),
    ("ask_what_is_alexithymia", "utter_what_is_alexithymia"),
    ("ask_difference", "utter_difference"),
    ("ask_causes", "utter_causes"),
    ("ask_communication_tips", "utter_communication_tips"),
    ("thank", "utter_you_are_welcome"),
]
CONVERSATIONS = 6
BURST_SENDER = "replica-burst"
HOLD_SECONDS = 1.0  # a turn takes well under 0.1 s
ENDPOINTS = {
    "tracker_store": {"type": "bot.storage.tracker_store.EnvSQLTrackerStore"},
    "lock_store": {"type": "bot.storage.lock_store.EnvLockStore"},
}


def response_texts() -> dict[str, set[str]]:
    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text())
    return {
        response: {variation["text"] for variation in domain["responses"][response]}
        for _, response in SCRIPT
    }


@pytest.fixture(scope="module")
def services() -> Services:
    running = start_services(REPO_ROOT / "var" / "test-services")
    yield running
    stop_services(running)


class Transcript:
    """Thread-safe record of (sender, text, replica index, replies)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: list[tuple[str, str, int, list[dict]]] = []

    def send(self, urls: list[str], replica: int, sender: str, text: str) -> None:
        replies = say(urls[replica], sender, text, timeout=120)
        with self.lock:
            self.entries.append((sender, text, replica, replies))


def alternating(transcript: Transcript, urls: list[str], sender: str, phase: int) -> None:
    for index, (intent, _) in enumerate(SCRIPT):
        transcript.send(urls, (index + phase) % 2, sender, f"/{intent}")


def burst(transcript: Transcript, urls: list[str], redis_url: str) -> None:
    """Send messages in pairs, one to each replica, while the test holds the
    conversation's lock: both replicas must wait for it, then take turns."""
    store = AtomicRedisLockStore(**redis_lock_store_kwargs(redis_url))
    for first in range(0, len(SCRIPT), 2):
        pair = [threading.Thread(target=transcript.send,
                                 args=(urls, offset, BURST_SENDER, f"/{SCRIPT[first + offset][0]}"))
                for offset in (0, 1)]
        ticket = store.issue_ticket(BURST_SENDER)
        for thread in pair:
            thread.start()
        time.sleep(HOLD_SECONDS)
        waited = [thread.is_alive() for thread in pair]
        store.cleanup(BURST_SENDER, ticket)
        for thread in pair:
            thread.join()
        assert waited == [True, True], "a replica answered while the conversation was locked"


def stored_events(db_url: str) -> dict[str, list[tuple]]:
    query = sa.text("SELECT sender_id, id, type_name, timestamp, intent_name, action_name, data "
                    "FROM events ORDER BY id")
    events: dict[str, list[tuple]] = {}
    with sa.create_engine(db_url).connect() as connection:
        for row in connection.execute(query):
            events.setdefault(row.sender_id, []).append(row)
    return events


def split_turns(rows: list) -> list[list]:
    """Each turn: a user event and every event after it up to the next user event."""
    starts = [index for index, row in enumerate(rows) if row.type_name == "user"]
    return [rows[start:end] for start, end in zip(starts, starts[1:] + [len(rows)])]


def test_two_replicas_share_tracker_and_lock_store(services: Services, tmp_path: Path):
    model = require_model()
    expected = response_texts()
    response_of = {f"/{intent}": response for intent, response in SCRIPT}
    senders = [f"replica-alt-{number}" for number in range(CONVERSATIONS - 1)]
    redis_client = redis.Redis.from_url(services.redis_url)
    commands_before = redis_client.info("stats")["total_commands_processed"]

    started = time.monotonic()
    with RasaStack(tmp_path, model=model, replicas=2, endpoints=ENDPOINTS,
                   env=services.env) as stack:
        ready = time.monotonic()
        transcript = Transcript()
        with ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
            jobs = [pool.submit(alternating, transcript, stack.rasa_urls, sender, phase)
                    for phase, sender in enumerate(senders)]
            jobs.append(pool.submit(burst, transcript, stack.rasa_urls, services.redis_url))
            for job in jobs:
                job.result(timeout=600)
        talked = time.monotonic()

    messages = CONVERSATIONS * len(SCRIPT)
    print(f"\nreplica test: services {services.startup_seconds:.1f} s, servers ready "
          f"{ready - started:.1f} s, {CONVERSATIONS} conversations / {messages} messages "
          f"over 2 replicas in {talked - ready:.1f} s")

    # Every message got its static response, from both replicas.
    assert len(transcript.entries) == messages
    for sender, text, replica, replies in transcript.entries:
        assert replies, f"{sender} got no reply to {text} from replica {replica}"
        assert replies[0].get("text") in expected[response_of[text]], (sender, text, replies)
    assert Counter(replica for _, _, replica, _ in transcript.entries) == {0: messages // 2,
                                                                           1: messages // 2}

    # PostgreSQL holds each conversation complete, in order, without duplicates.
    events = stored_events(services.tracker_db_url)
    assert set(events) == {*senders, BURST_SENDER}
    for sender, rows in events.items():
        ids = [row.id for row in rows]
        timestamps = [row.timestamp for row in rows]
        assert ids == sorted(ids) and timestamps == sorted(timestamps), sender
        assert len({row.data for row in rows}) == len(rows), f"duplicated event for {sender}"
        turns = split_turns(rows)
        user_texts = [turn[0].data for turn in turns]
        sent = [f"/{intent}" for intent, _ in SCRIPT]
        received = [json.loads(data)["text"] for data in user_texts]
        if sender == BURST_SENDER:
            assert sorted(received) == sorted(sent)
        else:
            assert received == sent, sender
        for turn, text in zip(turns, received):
            actions = [row.action_name for row in turn if row.type_name == "action"]
            assert actions[0] == response_of[text], (sender, text, actions)
            assert actions[-1] == "action_listen", (sender, text, actions)
            assert turn[-1].action_name == "action_listen", (sender, text)
            assert [row.type_name for row in turn].count("bot") >= 1, (sender, text)

    # Both replicas took their locks in Redis (several commands per message).
    commands = redis_client.info("stats")["total_commands_processed"] - commands_before
    assert commands >= 3 * messages


def test_redis_lock_excludes_across_processes(services: Services):
    """Two lock stores (as in two replicas) racing for one conversation never overlap."""
    holders: list[int] = []
    overlaps: list[int] = []
    guard = threading.Lock()

    async def take_turns(store: AtomicRedisLockStore, turns: int) -> None:
        async def turn() -> None:
            async with store.lock("shared-conversation", wait_time_in_seconds=0.02):
                with guard:
                    holders.append(1)
                    overlaps.append(len(holders))
                await asyncio.sleep(0.005)
                with guard:
                    holders.pop()

        await asyncio.gather(*(turn() for _ in range(turns)))

    def replica() -> None:
        store = AtomicRedisLockStore(**redis_lock_store_kwargs(services.redis_url))
        asyncio.run(take_turns(store, 20))

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(overlaps) == 40 and max(overlaps) == 1
    store = AtomicRedisLockStore(**redis_lock_store_kwargs(services.redis_url))
    assert store.get_lock("shared-conversation") is None
