"""Live look-up of clinicians in the CMS NPPES NPI Registry API (public, no key).

Used when the local directory has no match. Only structured fields go to the API (NUCC
taxonomy description, ZIP Code or ZIP prefix, city, state); never anything the user typed.

How a search runs (see `NpiRegistry.search`):
- one call per taxonomy group, the groups in parallel, for each widening step in turn:
  the user's ZIP Code, then its 3-digit prefix (`postal_code=432*`), then city and state,
  then the state; it stops at the first step that gives three clinicians;
- results are kept when a practice-location address is in the user's state and a
  taxonomy code is one asked for; ranked: mental-health taxonomy primary first, then the
  taxonomy order for the kind of help (couples: marriage & family therapists first), then
  distance from the user's ZIP Code (coordinates from the `zipcodes` data, never a guess);
- each HTTP call has a short timeout and one retry (timeouts, connection errors, 429 with
  a short Retry-After, 5xx); the whole search has a deadline; any failure raises
  `RegistryUnavailable`, so the caller can give the national options at once;
- good responses are cached on disk, keyed by the query, for `CACHE_TTL_SECONDS`.

The registry caps `limit` at 200 and `skip` at 1,000 and publishes no rate limit; this
client never pages (`skip` stays 0) and asks for `PAGE_SIZE` records a call.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import httpx

from bot.directory.locations import Location, distance_miles, zip_coordinates

logger = logging.getLogger(__name__)

API_URL = "https://npiregistry.cms.hhs.gov/api/"
API_URL_ENV = "NPI_REGISTRY_URL"          # "off" turns the live search off
CACHE_DIR_ENV = "NPI_REGISTRY_CACHE_DIR"     # "off": no cache
DEFAULT_CACHE_DIR = "var/npi_registry_cache"
CACHE_TTL_SECONDS = 24 * 3600             # a listing rarely changes within a day
PAGE_SIZE = 100
REQUEST_TIMEOUT = httpx.Timeout(2.0, connect=1.0)
ATTEMPTS = 2                              # one retry
RETRY_PAUSE_SECONDS = 0.2
MAX_RETRY_AFTER_SECONDS = 1.0
SEARCH_DEADLINE_SECONDS = 4.0             # the whole search; an SMS turn has 15 s
WANTED = 3

# NUCC taxonomy code -> the clinician type in words.
SPECIALTIES: dict[str, str] = {
    "106H00000X": "Marriage & family therapist",
    "1041C0700X": "Clinical social worker",
    "101YM0800X": "Mental health counselor",
    "101YP2500X": "Professional counselor",
    "103TC0700X": "Clinical psychologist",
    "103T00000X": "Psychologist",
    "2084P0800X": "Psychiatrist",
    "363LP0808X": "Psychiatric nurse practitioner",
}


@dataclass(frozen=True)
class TaxonomyGroup:
    """One registry call: the NUCC description sent as `taxonomy_description`, and the
    codes kept from its results."""

    description: str
    codes: tuple[str, ...]


MFT = TaxonomyGroup("Marriage & Family Therapist", ("106H00000X",))
SOCIAL_WORKER = TaxonomyGroup("Social Worker", ("1041C0700X",))
COUNSELOR = TaxonomyGroup("Counselor", ("101YM0800X", "101YP2500X"))
PSYCHOLOGIST = TaxonomyGroup("Psychologist", ("103TC0700X", "103T00000X"))
PSYCHIATRIST = TaxonomyGroup("Psychiatry", ("2084P0800X",))
PSYCH_NP = TaxonomyGroup("Psych/Mental Health", ("363LP0808X",))

# Best fit first. Couples work is what marriage & family therapists train for; therapists
# come before prescribers.
GROUPS_FOR_HELP: dict[str, tuple[TaxonomyGroup, ...]] = {
    "couples": (MFT, PSYCHOLOGIST, SOCIAL_WORKER, COUNSELOR),
    "individual": (PSYCHOLOGIST, COUNSELOR, SOCIAL_WORKER, MFT, PSYCHIATRIST, PSYCH_NP),
}


class RegistryUnavailable(Exception):
    """The registry could not be asked (network, timeout, HTTP error, bad response)."""


@dataclass(frozen=True)
class Clinician:
    npi: str
    name: str
    credential: str | None
    specialty: str           # in words
    city: str
    state: str
    phone: str | None
    distance_miles: float | None
    primary: bool            # the matched taxonomy is the clinician's primary one


def _steps(location: Location) -> list[dict[str, str]]:
    """Location parameters, narrowest first."""
    steps = []
    if location.zip_code:
        steps.append({"postal_code": location.zip_code})
        steps.append({"postal_code": f"{location.zip_code[:3]}*"})
    if location.place:
        steps.append({"city": location.place, "state": location.state})
    steps.append({"state": location.state})
    return steps


def _title(text: str) -> str:
    return " ".join(w.capitalize() if w.isupper() or w.islower() else w for w in text.split())


def _practice_address(record: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for address in record.get("addresses") or []:
        if address.get("address_purpose") == "LOCATION":
            return address
    return None


def _clinician(
    record: Mapping[str, Any], codes: Sequence[str], state: str, origin: tuple[float, float] | None
) -> tuple[Clinician, int] | None:
    """The clinician in a result record, with the rank of its matched code in `codes`, or
    None when it is not an active individual practising in `state` under one of `codes`."""
    basic = record.get("basic") or {}
    address = _practice_address(record)
    if basic.get("status", "A") != "A" or address is None or address.get("state") != state:
        return None
    matched = [t for t in record.get("taxonomies") or [] if t.get("code") in codes]
    if not matched:
        return None
    best = min(matched, key=lambda t: (not t.get("primary"), codes.index(t["code"])))
    name = " ".join(_title(basic[k]) for k in ("first_name", "last_name") if basic.get(k))
    if not name:
        return None
    postal = str(address.get("postal_code") or "")[:5]
    where = zip_coordinates(postal) if postal else None
    return Clinician(
        npi=str(record.get("number", "")),
        name=name,
        credential=(basic.get("credential") or "").strip() or None,
        specialty=SPECIALTIES[best["code"]],
        city=_title(address.get("city") or ""),
        state=state,
        phone=address.get("telephone_number") or None,
        distance_miles=distance_miles(origin, where) if origin and where else None,
        primary=bool(best.get("primary")),
    ), codes.index(best["code"])


def rank_clinicians(
    responses: Iterable[tuple[TaxonomyGroup, Mapping[str, Any]]], location: Location, group_order: Sequence[TaxonomyGroup]
) -> list[Clinician]:
    """Everyone in the responses who fits, best first, each clinician once."""
    origin = (location.latitude, location.longitude) if location.latitude is not None else None
    codes = [code for group in group_order for code in group.codes]
    best: dict[str, tuple[tuple, Clinician]] = {}
    for _group, body in responses:
        for record in body.get("results") or []:
            found = _clinician(record, codes, location.state, origin)
            if found is None:
                continue
            clinician, code_rank = found
            distance = clinician.distance_miles if clinician.distance_miles is not None else float("inf")
            key = (not clinician.primary, code_rank, distance, clinician.name)
            if clinician.npi not in best or key < best[clinician.npi][0]:
                best[clinician.npi] = (key, clinician)
    return [clinician for _key, clinician in sorted(best.values(), key=lambda item: item[0])]


def _check_body(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, dict) or "Errors" in body or not isinstance(body.get("results", []), list):
        raise RegistryUnavailable("the registry answered with an error or an unexpected shape")
    return body


class ResponseCache:
    """Registry answers on disk, one JSON file per query, fresh for `ttl` seconds."""

    def __init__(self, directory: Path, ttl: float = CACHE_TTL_SECONDS) -> None:
        self.directory = directory
        self.ttl = ttl

    def _path(self, params: Mapping[str, str]) -> Path:
        key = json.dumps(sorted(params.items()), separators=(",", ":"))
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()}.json"

    def get(self, params: Mapping[str, str]) -> Mapping[str, Any] | None:
        try:
            entry = json.loads(self._path(params).read_text())
        except (OSError, ValueError):
            return None
        if time.time() - entry.get("fetched_at", 0) > self.ttl:
            return None
        return entry.get("body")

    def put(self, params: Mapping[str, str], body: Mapping[str, Any]) -> None:
        path = self._path(params)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps({"fetched_at": time.time(), "body": body}))
            os.replace(temporary, path)
        except OSError:
            logger.warning("could not write the registry cache in %s", self.directory)


class NpiRegistry:
    """The registry API with a timeout, one retry, a deadline and an on-disk cache."""

    def __init__(
        self,
        url: str = API_URL,
        cache: ResponseCache | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        deadline: float = SEARCH_DEADLINE_SECONDS,
    ) -> None:
        self.url = url
        self.cache = cache
        self.transport = transport
        self.deadline = deadline

    async def _get(self, client: httpx.AsyncClient, params: dict[str, str]) -> Mapping[str, Any]:
        cached = self.cache.get(params) if self.cache else None
        if cached is not None:
            return cached
        attempt = 1
        while True:
            pause = RETRY_PAUSE_SECONDS
            try:
                response = await client.get(self.url, params=params)
            except (httpx.TimeoutException, httpx.TransportError) as error:
                reason = type(error).__name__
            else:
                if response.status_code == 200:
                    try:
                        body = _check_body(response.json())
                    except ValueError:
                        raise RegistryUnavailable("the registry answered with malformed JSON") from None
                    if self.cache:
                        self.cache.put(params, body)
                    return body
                reason = f"HTTP {response.status_code}"
                retry_after = response.headers.get("Retry-After", "")
                if response.status_code == 429 and retry_after:
                    pause = float(retry_after) if retry_after.replace(".", "", 1).isdigit() else float("inf")
                if response.status_code != 429 and response.status_code < 500:
                    raise RegistryUnavailable(f"the registry answered {reason}")
            if attempt == ATTEMPTS or pause > MAX_RETRY_AFTER_SECONDS:
                raise RegistryUnavailable(f"the registry did not answer ({reason})")
            logger.info("registry call failed (%s); retrying once", reason)
            attempt += 1
            await asyncio.sleep(pause)

    async def _search(self, location: Location, groups: Sequence[TaxonomyGroup]) -> list[Clinician]:
        base = {"version": "2.1", "enumeration_type": "NPI-1", "address_purpose": "LOCATION",
                "country_code": "US", "limit": str(PAGE_SIZE), "skip": "0"}
        responses: list[tuple[TaxonomyGroup, Mapping[str, Any]]] = []
        ranked: list[Clinician] = []
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, transport=self.transport) as client:
            for step in _steps(location):
                bodies = await asyncio.gather(*(
                    self._get(client, {**base, **step, "taxonomy_description": group.description})
                    for group in groups
                ), return_exceptions=True)
                answered = [(g, b) for g, b in zip(groups, bodies) if not isinstance(b, BaseException)]
                if not answered:  # every call of this step failed: give up now
                    failure = bodies[0]
                    raise failure if isinstance(failure, RegistryUnavailable) else RegistryUnavailable(str(failure))
                responses.extend(answered)
                ranked = rank_clinicians(responses, location, groups)
                if len(ranked) >= WANTED:
                    break
        return ranked

    async def search(self, location: Location, help_type: str) -> list[Clinician]:
        """Up to three clinicians near `location` for `help_type`, best first.

        Raises RegistryUnavailable when the registry cannot be asked in time.
        """
        started = time.perf_counter()
        task = asyncio.ensure_future(self._search(location, GROUPS_FOR_HELP[help_type]))
        try:
            # Not wait_for: it waits for the cancelled search to finish, and a DNS look-up
            # in a worker thread cannot be interrupted. Past the deadline the search is
            # cancelled and left to wind down on its own.
            done, _ = await asyncio.wait({task}, timeout=self.deadline)
            if not done:
                task.cancel()
                task.add_done_callback(lambda t: t.cancelled() or t.exception())
                raise RegistryUnavailable(f"the registry search took over {self.deadline} s")
            return task.result()[:WANTED]
        finally:
            logger.info("registry search took %.2f s", time.perf_counter() - started)


def registry_from_env() -> NpiRegistry | None:
    """The live registry as configured ($NPI_REGISTRY_URL, "off" to disable;
    $NPI_REGISTRY_CACHE_DIR, "off" for no cache), or None when it is turned off."""
    url = os.environ.get(API_URL_ENV, API_URL).strip()
    if url.lower() in ("", "off"):
        return None
    cache_dir = os.environ.get(CACHE_DIR_ENV, DEFAULT_CACHE_DIR).strip()
    cache = None if cache_dir.lower() == "off" else ResponseCache(Path(cache_dir or DEFAULT_CACHE_DIR))
    return NpiRegistry(url, cache)
