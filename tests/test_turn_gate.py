"""The turn gate: at most N turns at once, first come first served, nothing lost on cancel."""

from __future__ import annotations

import asyncio

import pytest
from bot.storage.lock_store import AtomicRedisLockStore, lock_store_from_env
from bot.storage.turn_gate import (
    DEFAULT_MAX_CONCURRENT_TURNS,
    TurnGate,
    is_urgent_turn,
    max_concurrent_turns,
    urgent_turn,
)


async def settle() -> None:
    """Let every ready task run until it blocks."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_never_more_holders_than_places():
    gate, inside, most = TurnGate(3), 0, 0

    async def turn(pause: float) -> None:
        nonlocal inside, most
        async with gate.place():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(pause)
            inside -= 1

    await asyncio.gather(*(turn(0.001 * (index % 4)) for index in range(20)))
    assert most == 3
    assert (inside, gate.waiting) == (0, 0)


class Turns:
    """Turns through one gate, recording the order they got in."""

    def __init__(self, places: int) -> None:
        self.gate, self.order = TurnGate(places), []

    async def turn(self, name: str, urgent: bool = False, hold: asyncio.Event | None = None) -> None:
        async with self.gate.place(urgent=urgent):
            self.order.append(name)
            if hold:
                await hold.wait()

    async def one_inside_two_waiting(self) -> tuple[asyncio.Event, list[asyncio.Task]]:
        """"first" holds the only place until the event is set; "second" and "third" wait."""
        release = asyncio.Event()
        tasks = [asyncio.create_task(self.turn("first", hold=release))]
        await settle()
        tasks += [asyncio.create_task(self.turn(name)) for name in ("second", "third")]
        await settle()
        return release, tasks


async def test_a_freed_place_goes_to_the_oldest_waiter_not_a_newcomer():
    turns = Turns(1)
    release_first, started = await turns.one_inside_two_waiting()
    assert turns.gate.waiting == 2
    release_first.set()
    # A newcomer arriving in the same loop iteration as the release must queue behind them.
    newcomer = asyncio.create_task(turns.turn("newcomer"))
    await asyncio.gather(*started, newcomer)
    assert turns.order == ["first", "second", "third", "newcomer"]


async def test_an_urgent_waiter_gets_the_next_place_before_older_ordinary_waiters():
    turns = Turns(1)
    release_first, started = await turns.one_inside_two_waiting()
    urgent = [asyncio.create_task(turns.turn(name, urgent=True)) for name in ("crisis 1", "crisis 2")]
    await settle()
    assert turns.gate.waiting == 4
    release_first.set()
    await asyncio.gather(*started, *urgent)
    assert turns.order == ["first", "crisis 1", "crisis 2", "second", "third"]


async def test_no_ordinary_turn_is_let_in_while_an_urgent_one_is_inside():
    gate = TurnGate(3)
    await gate._enter(False)  # an ordinary turn already inside keeps its place
    urgent_inside = asyncio.Event()
    urgent_may_leave = asyncio.Event()

    async def urgent() -> None:
        async with gate.place(urgent=True):
            urgent_inside.set()
            await urgent_may_leave.wait()

    crisis = asyncio.create_task(urgent())
    await urgent_inside.wait()
    late = [asyncio.create_task(gate._enter(False)) for _ in range(2)]
    await settle()
    assert gate._free == 1 and gate.waiting == 2  # a free place, yet both wait
    assert await asyncio.wait_for(gate._enter(True), 0.1) is None  # another urgent one may
    gate._leave(True)
    urgent_may_leave.set()
    await crisis
    await asyncio.wait_for(asyncio.gather(*late), 0.1)  # both in once it has left
    assert (gate._free, gate.waiting) == (0, 0)


async def test_a_cancelled_urgent_waiter_leaves_its_queue():
    gate = TurnGate(1)
    await gate._enter(False)
    urgent = asyncio.create_task(gate._enter(True))
    ordinary = asyncio.create_task(gate._enter(False))
    await settle()
    urgent.cancel()
    await settle()
    assert gate.waiting == 1
    gate._leave(False)
    await asyncio.wait_for(ordinary, timeout=0.1)
    gate._leave(False)
    assert (gate._free, gate.waiting) == (1, 0)


def test_urgent_turn_marks_only_the_body_of_its_with():
    assert not is_urgent_turn()
    with urgent_turn(True):
        assert is_urgent_turn()
        with urgent_turn(False):
            assert not is_urgent_turn()
        assert is_urgent_turn()
    assert not is_urgent_turn()


async def test_a_cancelled_waiter_gives_no_place_away_and_takes_none():
    gate = TurnGate(1)
    release = asyncio.Event()

    async def hold() -> None:
        async with gate.place():
            await release.wait()

    holder = asyncio.create_task(hold())
    await settle()
    waiter = asyncio.create_task(hold())
    await settle()
    waiter.cancel()
    await settle()
    assert waiter.cancelled() and gate.waiting == 0
    release.set()
    await holder
    # The place is free again: a new turn gets it at once.
    await asyncio.wait_for(gate._enter(False), timeout=0.1)
    gate._leave(False)


async def test_a_waiter_cancelled_as_the_place_reaches_it_passes_the_place_on():
    gate = TurnGate(1)
    await gate._enter(False)
    late = asyncio.create_task(gate._enter(False))
    after = asyncio.create_task(gate._enter(False))
    await settle()
    gate._leave(False)  # hands the place to `late` ...
    late.cancel()  # ... which is cancelled before it runs
    await settle()
    assert late.cancelled()
    await asyncio.wait_for(after, timeout=0.1)  # the place went on to the next waiter
    gate._leave(False)
    assert (gate._free, gate.waiting) == (1, 0)


@pytest.fixture(autouse=True)
def no_redis(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("SANIC_WORKERS", raising=False)


@pytest.mark.parametrize("raw, expected", [("", DEFAULT_MAX_CONCURRENT_TURNS), ("0", 0), (" 2 ", 2)])
def test_max_concurrent_turns_from_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("BOT_MAX_CONCURRENT_TURNS", raw)
    assert max_concurrent_turns() == expected


@pytest.mark.parametrize("raw", ["-1", "two", "1.5"])
def test_a_bad_max_concurrent_turns_stops_start_up(monkeypatch, raw):
    monkeypatch.setenv("BOT_MAX_CONCURRENT_TURNS", raw)
    with pytest.raises(ValueError, match="BOT_MAX_CONCURRENT_TURNS"):
        max_concurrent_turns()


async def test_lock_store_turns_of_different_conversations_wait_for_a_place(monkeypatch):
    monkeypatch.setenv("BOT_MAX_CONCURRENT_TURNS", "1")
    store = lock_store_from_env()
    events = []
    ann_inside = asyncio.Event()
    ann_may_finish = asyncio.Event()

    async def ann() -> None:
        async with store.lock("ann"):
            events.append("ann in")
            ann_inside.set()
            await ann_may_finish.wait()
            events.append("ann out")

    async def bob() -> None:
        async with store.lock("bob"):
            events.append("bob in")

    first = asyncio.create_task(ann())
    await ann_inside.wait()
    second = asyncio.create_task(bob())
    await settle()
    assert events == ["ann in"] and store.turn_gate.waiting == 1
    ann_may_finish.set()
    await asyncio.gather(first, second)
    assert events == ["ann in", "ann out", "bob in"]
    assert store.get_lock("ann") is None and store.get_lock("bob") is None


async def test_lock_store_lets_an_urgent_turn_in_first(monkeypatch):
    monkeypatch.setenv("BOT_MAX_CONCURRENT_TURNS", "1")
    store = lock_store_from_env()
    order = []
    ann_may_finish = asyncio.Event()

    async def turn(sender: str, urgent: bool = False, hold: asyncio.Event | None = None) -> None:
        with urgent_turn(urgent):
            async with store.lock(sender):
                order.append(sender)
                if hold:
                    await hold.wait()

    ann = asyncio.create_task(turn("ann", hold=ann_may_finish))
    await settle()
    bob = asyncio.create_task(turn("bob"))
    await settle()
    cat = asyncio.create_task(turn("cat", urgent=True))
    await settle()
    ann_may_finish.set()
    await asyncio.gather(ann, bob, cat)
    assert order == ["ann", "cat", "bob"]


async def test_lock_store_without_gate(monkeypatch):
    monkeypatch.setenv("BOT_MAX_CONCURRENT_TURNS", "0")
    store = lock_store_from_env()
    assert store.turn_gate is None
    both_inside = asyncio.Event()
    inside = 0

    async def turn(sender: str) -> None:
        nonlocal inside
        async with store.lock(sender):
            inside += 1
            if inside == 2:
                both_inside.set()
            await asyncio.wait_for(both_inside.wait(), timeout=1)

    await asyncio.gather(turn("ann"), turn("bob"))


def test_redis_lock_store_has_the_gate_too(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6390/1")
    store = lock_store_from_env()
    assert isinstance(store, AtomicRedisLockStore)
    assert store.turn_gate.places == DEFAULT_MAX_CONCURRENT_TURNS
