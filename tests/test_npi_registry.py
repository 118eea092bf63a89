"""The live NPI Registry client, offline: real-shaped responses through httpx.MockTransport.

The fixtures in tests/fixtures/npi_registry/ follow the registry's v2.1 response shape
(`result_count`, `results[]` with `basic`, `addresses[]` with `address_purpose`,
`taxonomies[]` with `code`, `desc`, `primary`; `Errors[]` on a bad query); names, NPIs
and phone numbers in them are invented.
"""
import asyncio
import json
import os
import time
from pathlib import Path

import httpx
import pytest

from bench.registry import fake_registry
from bot.directory.locations import parse_location
from bot.directory.npi_registry import (
    ATTEMPTS,
    NpiRegistry,
    RegistryUnavailable,
    ResponseCache,
    registry_from_env,
)

FIXTURES = Path(__file__).parent / "fixtures" / "npi_registry"
COLUMBUS = parse_location("Columbus, OH 43215")
ALLOWED_PARAMS = {"version", "enumeration_type", "address_purpose", "country_code", "limit", "skip",
                  "taxonomy_description", "postal_code", "city", "state"}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


class FakeRegistry:
    """Answers like the registry: a fixture per (taxonomy, ZIP Code), else no results."""

    def __init__(self, answers=None, latency: float = 0.0) -> None:
        self.answers = answers if answers is not None else {
            ("Marriage & Family Therapist", "43215"): fixture("mft_43215.json"),
            ("Psychologist", "43215"): fixture("psychologist_43215.json"),
        }
        self.latency = latency
        self.calls: list[dict] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.calls.append(params)
        if self.latency:
            await asyncio.sleep(self.latency)
        body = self.answers.get((params.get("taxonomy_description"), params.get("postal_code")), fixture("empty.json"))
        return httpx.Response(200, json=body)


def registry(handler, tmp_path=None, **kwargs) -> NpiRegistry:
    cache = ResponseCache(tmp_path / "cache") if tmp_path else None
    return NpiRegistry("https://registry.test/api/", cache=cache, transport=httpx.MockTransport(handler), **kwargs)


async def test_results_are_filtered_and_ranked():
    fake = FakeRegistry()
    found = await registry(fake).search(COLUMBUS, "couples")
    assert [c.name for c in found] == ["Avery Example", "Finley Invented", "Emerson Madeup"]
    first = found[0]
    assert (first.credential, first.specialty, first.city, first.state, first.phone) == (
        "LMFT", "Marriage & family therapist", "Columbus", "OH", "614-555-0142")
    assert first.distance_miles is not None and first.distance_miles < 1
    assert found[1].distance_miles < found[2].distance_miles
    # Enough at the ZIP step: one call per taxonomy group, nothing wider.
    assert len(fake.calls) == 4
    assert {c["postal_code"] for c in fake.calls} == {"43215"}
    for call in fake.calls:
        assert set(call) <= ALLOWED_PARAMS
        assert call["version"] == "2.1" and call["enumeration_type"] == "NPI-1"


async def test_secondary_taxonomy_ranks_after_primary_and_other_states_are_dropped():
    only_mft = FakeRegistry({("Marriage & Family Therapist", "43215"): fixture("mft_43215.json")})
    found = await registry(only_mft).search(COLUMBUS, "couples")
    assert [(c.name, c.primary) for c in found] == [("Avery Example", True), ("Blair Sample", False)]


async def test_no_results_widens_zip_then_prefix_then_city_then_state():
    fake = FakeRegistry({})
    assert await registry(fake).search(COLUMBUS, "couples") == []
    steps = []
    for call in fake.calls:
        step = (call.get("postal_code"), call.get("city"), call.get("state"))
        if step not in steps:
            steps.append(step)
    assert steps == [("43215", None, None), ("432*", None, None), (None, "Columbus", "OH"), (None, None, "OH")]
    assert len(fake.calls) == 4 * 4


async def test_a_state_alone_is_one_step():
    fake = FakeRegistry({})
    await registry(fake).search(parse_location("ohio"), "individual")
    assert {(c.get("state"), c.get("postal_code")) for c in fake.calls} == {("OH", None)}
    assert len(fake.calls) == 6


async def test_timeout_is_retried_once_then_gives_up():
    attempts = []

    def handler(request):
        attempts.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(RegistryUnavailable):
        await registry(handler).search(parse_location("ohio"), "couples")
    assert len(attempts) == 4 * ATTEMPTS


@pytest.mark.parametrize("status, headers, retried", [
    (429, {"Retry-After": "0"}, True),
    (429, {"Retry-After": "120"}, False),
    (500, {}, True),
    (503, {}, True),
    (400, {}, False),
])
async def test_http_errors(status, headers, retried):
    attempts = []

    def handler(request):
        attempts.append(request)
        return httpx.Response(status, headers=headers, text="busy")

    with pytest.raises(RegistryUnavailable):
        await registry(handler).search(parse_location("ohio"), "couples")
    assert len(attempts) == 4 * (ATTEMPTS if retried else 1)


async def test_a_server_error_then_success_gives_results():
    seen = set()
    fake = FakeRegistry()

    async def handler(request):
        key = str(request.url)
        if key not in seen:
            seen.add(key)
            return httpx.Response(502)
        return await fake(request)

    found = await registry(handler).search(COLUMBUS, "couples")
    assert [c.name for c in found][:1] == ["Avery Example"]


@pytest.mark.parametrize("body", [b"<html>Service Unavailable</html>", b'{"results": ', json.dumps(fixture("errors.json")).encode(), b'{"results": {"a": 1}}', b"[]"])
async def test_malformed_or_error_bodies_are_a_failure(body):
    def handler(request):
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    with pytest.raises(RegistryUnavailable):
        await registry(handler).search(parse_location("ohio"), "couples")


async def test_one_failing_group_does_not_hide_the_others():
    fake = FakeRegistry()

    async def handler(request):
        if request.url.params.get("taxonomy_description") == "Counselor":
            return httpx.Response(500)
        return await fake(request)

    found = await registry(handler).search(COLUMBUS, "couples")
    assert [c.name for c in found][0] == "Avery Example"


async def test_deadline_bounds_a_slow_registry():
    fake = FakeRegistry(latency=5.0)
    started = time.perf_counter()
    with pytest.raises(RegistryUnavailable):
        await registry(fake, deadline=0.3).search(COLUMBUS, "couples")
    assert time.perf_counter() - started < 1.0


async def test_parallel_calls_with_simulated_latency_stay_under_a_second():
    """300 ms a call (a slow day for a government API): one step of four parallel calls."""
    fake = FakeRegistry(latency=0.3)
    started = time.perf_counter()
    found = await registry(fake).search(COLUMBUS, "couples")
    elapsed = time.perf_counter() - started
    assert len(found) == 3
    assert elapsed < 1.0, elapsed


async def test_cache_answers_repeat_queries_and_expires(tmp_path):
    fake = FakeRegistry()
    client = registry(fake, tmp_path)
    first = await client.search(COLUMBUS, "couples")
    calls = len(fake.calls)
    assert await client.search(COLUMBUS, "couples") == first
    assert len(fake.calls) == calls  # all from the cache

    for path in (tmp_path / "cache").glob("*.json"):
        entry = json.loads(path.read_text())
        entry["fetched_at"] -= 25 * 3600
        path.write_text(json.dumps(entry))
    await client.search(COLUMBUS, "couples")
    assert len(fake.calls) == 2 * calls


async def test_failures_are_not_cached(tmp_path):
    def failing(request):
        return httpx.Response(500)

    with pytest.raises(RegistryUnavailable):
        await registry(failing, tmp_path).search(COLUMBUS, "couples")
    assert not list((tmp_path / "cache").glob("*.json"))


def test_live_search_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("NPI_REGISTRY_URL", "off")
    assert registry_from_env() is None
    monkeypatch.delenv("NPI_REGISTRY_URL")
    assert registry_from_env().url == "https://npiregistry.cms.hhs.gov/api/"


def test_cache_can_be_turned_off(monkeypatch, tmp_path):
    monkeypatch.delenv("NPI_REGISTRY_URL", raising=False)
    monkeypatch.setenv("NPI_REGISTRY_CACHE_DIR", str(tmp_path))
    assert registry_from_env().cache.directory == tmp_path
    monkeypatch.setenv("NPI_REGISTRY_CACHE_DIR", "off")
    assert registry_from_env().cache is None


async def test_the_benchmarks_registry_stand_in_answers_like_the_registry_after_its_delay():
    with fake_registry(0.2) as url:
        started = time.perf_counter()
        found = await NpiRegistry(url).search(parse_location("Ohio"), "individual")
        took = time.perf_counter() - started
    assert found and all(clinician.state == "OH" for clinician in found)
    assert 0.2 <= took < 2.0


@pytest.mark.network
@pytest.mark.skipif(os.environ.get("NPI_LIVE_TEST") != "1", reason="set NPI_LIVE_TEST=1 to call the real registry")
async def test_live_registry(tmp_path):
    client = NpiRegistry(cache=ResponseCache(tmp_path))
    started = time.perf_counter()
    found = await client.search(parse_location("Columbus, OH"), "couples")
    print(f"live search: {time.perf_counter() - started:.2f} s, {len(found)} found")
    assert found and all(c.state == "OH" for c in found)
