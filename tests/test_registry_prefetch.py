"""PrefetchingRegistry: a search started early is used once, while fresh and not failed."""

import asyncio

import httpx
from bot.directory.locations import parse_location
from bot.directory.npi_registry import NpiRegistry
from bot.directory.registry_prefetch import ConversationRegistry, PrefetchingRegistry
from tests.test_npi_registry import FakeRegistry

COLUMBUS = parse_location("43215")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def shared(handler, **kwargs) -> PrefetchingRegistry:
    registry = NpiRegistry("https://registry.test/api/", transport=httpx.MockTransport(handler))
    return PrefetchingRegistry(registry, **kwargs)


def prefetching(handler, **kwargs) -> ConversationRegistry:
    """The registry as the conversation "c1" sees it."""
    return shared(handler, **kwargs).for_conversation("c1")


async def test_a_prefetched_search_is_used_once():
    fake, one_search = FakeRegistry(latency=0.05), FakeRegistry()
    await prefetching(one_search).search(COLUMBUS, "couples")
    registry = prefetching(fake)
    registry.prefetch(COLUMBUS, "couples")
    registry.prefetch(COLUMBUS, "couples")  # already under way: no second search
    first = await registry.search(COLUMBUS, "couples")
    assert first and len(fake.calls) == len(one_search.calls)
    again = await registry.search(COLUMBUS, "couples")  # used up: the registry is asked again
    assert [c.name for c in again] == [c.name for c in first]
    assert len(fake.calls) == 2 * len(one_search.calls)


async def test_a_search_for_other_answers_is_not_taken_from_the_prefetch():
    fake = FakeRegistry()
    registry = prefetching(fake)
    registry.prefetch(COLUMBUS, "couples")
    await asyncio.sleep(0.05)
    calls = len(fake.calls)
    await registry.search(COLUMBUS, "individual")
    assert len(fake.calls) > calls


async def test_two_conversations_searching_the_same_place_each_use_their_own_prefetch():
    fake, one_search = FakeRegistry(latency=0.05), FakeRegistry()
    await prefetching(one_search).search(COLUMBUS, "couples")
    registry = shared(fake)
    first, second = registry.for_conversation("c1"), registry.for_conversation("c2")
    first.prefetch(COLUMBUS, "couples")
    second.prefetch(COLUMBUS, "couples")
    await first.search(COLUMBUS, "couples")
    await second.search(COLUMBUS, "couples")
    assert len(fake.calls) == 2 * len(one_search.calls)  # one search each, both in the background
    assert await registry.for_conversation("c3").search(COLUMBUS, "couples")
    assert len(fake.calls) == 3 * len(one_search.calls)  # a third conversation had none started


async def test_a_failed_prefetch_is_asked_again():
    fake, registry_down = FakeRegistry(), [True]

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404) if registry_down[0] else await fake(request)

    registry = prefetching(handler)
    registry.prefetch(COLUMBUS, "couples")
    await asyncio.sleep(0.05)  # the prefetch has failed by now
    registry_down[0] = False
    assert await registry.search(COLUMBUS, "couples")
    assert fake.calls


async def test_a_stale_prefetch_is_dropped_and_cancelled():
    clock = Clock()
    fake = FakeRegistry(latency=5.0)
    registry = shared(fake, fresh_for=60.0, clock=clock)
    registry.prefetch("c1", COLUMBUS, "couples")
    stale = registry._started[("c1", COLUMBUS, "couples")][1]
    await asyncio.sleep(0.01)
    clock.now = 61.0
    fake.latency = 0.0
    calls = len(fake.calls)
    assert await registry.search("c1", COLUMBUS, "couples")
    assert len(fake.calls) > calls
    assert stale.cancelled()


async def test_capacity_drops_the_oldest_prefetch():
    registry = shared(FakeRegistry(latency=5.0), capacity=1)
    registry.prefetch("c1", COLUMBUS, "couples")
    oldest = registry._started[("c1", COLUMBUS, "couples")][1]
    registry.prefetch("c2", COLUMBUS, "couples")
    await asyncio.sleep(0)
    assert oldest.cancelled()
    assert list(registry._started) == [("c2", COLUMBUS, "couples")]
    registry._started[("c2", COLUMBUS, "couples")][1].cancel()
