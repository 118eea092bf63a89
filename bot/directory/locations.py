"""Turn what a user typed into a US place: "CA", "94110-1234", "Columbus, OH", "queens ny".

US places come from two maintained data packages, not hand-written tables: `us` (state
and territory names, codes, and a phonetic match for misspelt names such as "Calfornia")
and `zipcodes` (every ZIP Code with its city, other accepted city names, county and
coordinates, embedded in the wheel: no network, no data files). Country names for
"that is not in the US" come from `pycountry`.

    read_place("Columbus, OH")   # Location("OH", "43215"), label() "Columbus, OH 43215"
    read_place("near me")        # NEAR_ME: the caller asks for a ZIP Code
    read_place("Toronto, Canada")  # OutsideUS("Canada")
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Union

import pycountry
import us
import zipcodes

STATE_NAMES: dict[str, str] = {s.abbr: s.name for s in us.states.STATES_AND_TERRITORIES}

_EXTRA_NAMES = {
    "washington dc": "DC", "washington d c": "DC", "d c": "DC", "us virgin islands": "VI",
    "u s virgin islands": "VI", "jersey": "NJ",
}


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


_NAME_TO_CODE: dict[str, str] = {
    **{_normalise(name): code for code, name in STATE_NAMES.items()},
    **_EXTRA_NAMES,
}
# Longest names first so "west virginia" wins over "virginia", "washington dc" over "washington".
_NAME_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(n) for n in sorted(_NAME_TO_CODE, key=len, reverse=True)) + r")\b"
)
_ZIP_PATTERN = re.compile(r"(?<!\d)(\d{5})(?:-?\d{4})?(?!\d)")
_NEAR_ME = re.compile(r"\b(near me|nearby|close to me|close by|around me|around here|my area|where i live|local)\b")
# Words before a place in an answer: "I live in", "im near", "from".
_LEAD_IN = re.compile(
    r"^(?:(?:im|i m|i am|we are|we re|i live|we live|i|we)\s+)?(?:(?:living|located|based|live)\s+)?"
    r"(?:(?:in|near|around|from|at|by|close to|outside of|outside)\s+)?(?:the\s+)?"
)
# Abbreviations people type in city names ("st louis", "ft worth", "mt vernon").
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount", "pt": "point"}
_MAX_NAME_WORDS = 4
_MIN_MISSPELT_LENGTH = 5
# A place named without its state must be this strong a name (see _PlaceIndex.names) with
# at least this many ZIP Codes.
_MAX_RANK_ALONE = 2
_MIN_ZIPS_ALONE = 2
# ... and, when other states have a place of that name too, a big place (this many ZIP
# Codes) at least this many times the next one: "cleveland" is Ohio, but "springfield",
# "aurora" or "london" (6 ZIP Codes in KY, one each in OH, TX and WV) get asked for the state.
_MIN_ZIPS_DOMINANT = 10
_DOMINANCE = 2
_STATES_SHOWN = 4
# Names for the United Kingdom that are not ISO country names.
_OTHER_COUNTRY_NAMES = {"uk": "the UK", "britain": "the UK", "great britain": "the UK", "england": "England",
                        "scotland": "Scotland", "wales": "Wales"}
# Provinces and states of the neighbours people most often name without the country.
_NEIGHBOUR_SUBDIVISIONS = ("CA", "MX")


@dataclass(frozen=True)
class Location:
    """A US state or territory code, and a 5-digit ZIP Code when one is known.

    `place` (the city, county or borough as understood), `latitude` and `longitude` come
    from the ZIP Code data; they do not take part in equality.
    """

    state: str
    zip_code: str | None = None
    place: str | None = field(default=None, compare=False)
    latitude: float | None = field(default=None, compare=False)
    longitude: float | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.state not in STATE_NAMES:
            raise ValueError(f"unknown state code: {self.state!r}")
        if self.zip_code is not None and not re.fullmatch(r"\d{5}", self.zip_code):
            raise ValueError(f"not a 5-digit ZIP Code: {self.zip_code!r}")

    def label(self) -> str:
        """What the bot echoes back: "Columbus, OH 43215", "OH 43215" or "Ohio"."""
        if self.zip_code is None:
            return STATE_NAMES[self.state]
        return f"{self.place}, {self.state} {self.zip_code}" if self.place else f"{self.state} {self.zip_code}"

    def slot_value(self) -> str:
        """A text that reads back as this location: the label when a ZIP is known, else the code."""
        return self.label() if self.zip_code else self.state


@dataclass(frozen=True)
class OutsideUS:
    """A place outside the US (the directory covers the US only)."""

    name: str


@dataclass(frozen=True)
class AmbiguousPlace:
    """A place name, given without its state, that several states have (biggest first)."""

    name: str
    states: tuple[str, ...]


class _NearMe:
    def __repr__(self) -> str:
        return "NEAR_ME"


NEAR_ME = _NearMe()
Place = Union[Location, OutsideUS, AmbiguousPlace, _NearMe, None]


@dataclass(frozen=True, slots=True)
class _Zip:
    state: str
    city: str
    latitude: float | None
    longitude: float | None
    standard: bool


@dataclass
class _PlaceIndex:
    zips: dict[str, _Zip]
    # normalised city / county / borough name -> state -> (rank, ZIP Codes, name as
    # written in the data); lower rank is a stronger name: 0 the USPS city, 1 another
    # accepted city name, 2 the county, 3 a name USPS does not accept in addresses but
    # people use ("Queens", "Manhattan").
    names: dict[str, dict[str, tuple[int, list[str], str]]]
    # state -> normalised city names (ranks 0 and 1), for misspelt cities
    cities: dict[str, list[str]]


def _add_name(index: dict, name: str, state: str, rank: int, zip_code: str) -> None:
    key = _normalise(name)
    if not key:
        return
    by_state = index.setdefault(key, {})
    old_rank, zips, _ = by_state.get(state, (rank, [], name))
    if rank < old_rank:
        by_state[state] = (rank, [zip_code], name)
    elif rank == old_rank:
        zips.append(zip_code)
        by_state[state] = (rank, zips, by_state.get(state, (0, 0, name))[2])


@lru_cache(maxsize=1)
def _place_index() -> _PlaceIndex:
    """Every ZIP Code of a US state or territory, and its names, built once per process."""
    zips: dict[str, _Zip] = {}
    names: dict[str, dict[str, tuple[int, list[str]]]] = {}
    # State by state, to keep the peak low; list_all() would also keep all 42,000 rows
    # for the life of the process. Military mail (AA/AE/AP) and the freely associated
    # states (FM/MH/PW) are left out.
    rows = (row for state in STATE_NAMES for row in zipcodes.filter_by(state=state))
    for row in rows:
        state = row["state"]
        code = row["zip_code"]
        lat, lon = row.get("lat"), row.get("long")
        zips[code] = _Zip(
            state=state,
            city=row["city"],
            latitude=float(lat) if lat else None,
            longitude=float(lon) if lon else None,
            standard=row["zip_code_type"] == "STANDARD",
        )
        _add_name(names, row["city"], state, 0, code)
        for other in row["acceptable_cities"]:
            _add_name(names, other, state, 1, code)
        county = row["county"] or ""
        if county:
            _add_name(names, county, state, 2, code)
            bare = re.sub(r"\s+(county|parish|borough|municipality|census area)$", "", county, flags=re.I)
            _add_name(names, bare, state, 2, code)
        for other in row["unacceptable_cities"]:
            _add_name(names, other, state, 3, code)
    cities: dict[str, list[str]] = {}
    for key, by_state in names.items():
        for state, (rank, _zips, _name) in by_state.items():
            if rank <= 1:
                cities.setdefault(state, []).append(key)
    return _PlaceIndex(zips, names, cities)


def warm_up() -> None:
    """Load the ZIP Code data now (about a second) rather than during a user's turn."""
    _place_index()


def state_code(text: str) -> str | None:
    """The code for a state given exactly as a 2-letter code or a name (any case), else None."""
    cleaned = _normalise(text)
    if cleaned.upper() in STATE_NAMES:
        return cleaned.upper()
    return _NAME_TO_CODE.get(cleaned)


def _central_zip(zip_codes: list[str]) -> str:
    """The ZIP Code nearest the middle of a place's (standard, if any) ZIP Codes."""
    index = _place_index().zips
    located = [z for z in zip_codes if index[z].latitude is not None]
    pool = [z for z in located if index[z].standard] or located or zip_codes
    if len(pool) == 1 or not located:
        return sorted(pool)[0]
    lat = sum(index[z].latitude for z in pool) / len(pool)
    lon = sum(index[z].longitude for z in pool) / len(pool)
    return min(sorted(pool), key=lambda z: (index[z].latitude - lat) ** 2 + (index[z].longitude - lon) ** 2)


def _location_at(zip_code: str, place: str | None = None) -> Location:
    info = _place_index().zips[zip_code]
    return Location(info.state, zip_code, place or info.city, info.latitude, info.longitude)


def _name_variants(name: str) -> list[str]:
    words = name.split()
    expanded = " ".join(_ABBREVIATIONS.get(w, w) for w in words)
    return [name] if expanded == name else [name, expanded]


def place_in_state(name: str, state: str, misspelt: bool = False) -> Location | None:
    """The named city, county or borough in `state`, located at its most central ZIP Code;
    with `misspelt`, the closest city name ("colombus" for "columbus")."""
    index = _place_index()
    variants = _name_variants(_normalise(name))
    if misspelt:
        variants = difflib.get_close_matches(variants[-1], index.cities.get(state, []), n=1, cutoff=0.85)
    entries = [e for e in (index.names.get(v, {}).get(state) for v in variants) if e]
    if not entries:
        return None
    _rank, zips, written = min(entries, key=lambda e: e[0])
    return _location_at(_central_zip(zips), written)


def _place_anywhere(name: str) -> Location | AmbiguousPlace | None:
    """A city or county named without a state: a city before a county, then the state where
    the name covers the most ZIP Codes ("Portland" is Oregon), when that place clearly
    outweighs the other cities (or counties) of its name - else AmbiguousPlace. Places with
    one ZIP Code and names USPS does not accept are not chosen here ("home" is not Home,
    KS); with their state they are found ("Home, KS")."""
    named = sorted(
        (rank > 1, -len(zips), rank, state, zips, written)
        for variant in _name_variants(name)
        for state, (rank, zips, written) in _place_index().names.get(variant, {}).items()
        if rank <= _MAX_RANK_ALONE
    )
    named = [entry for entry in named if -entry[1] >= _MIN_ZIPS_ALONE or not entry[0]]
    chosen = next((entry for entry in named if -entry[1] >= _MIN_ZIPS_ALONE), None)
    if chosen is None:
        return None
    county, size, _rank, state, zips, written = chosen
    alike = [entry for entry in named if entry[0] == county]
    others = list(dict.fromkeys(entry[3] for entry in alike if entry[3] != state))
    runner_up = next((-entry[1] for entry in alike if entry[3] != state), 0)
    if others and (-size < _MIN_ZIPS_DOMINANT or -size < _DOMINANCE * runner_up):
        return AmbiguousPlace(written, (state, *others)[:_STATES_SHOWN])
    return _location_at(_central_zip(zips), written)


def _state_mentions(words: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, code) for every state name, or 2-letter code, in a list of words."""
    found = []
    for start in range(len(words)):
        for end in range(start + 1, min(start + 4, len(words)) + 1):
            span = " ".join(words[start:end])
            code = _NAME_TO_CODE.get(span) or (span.upper() if end == start + 1 and span.upper() in STATE_NAMES else None)
            if code:
                found.append((start, end, code))
    return found


def _city_with_state(words: list[str]) -> Location | None:
    """"columbus oh", "kansas city mo", "portland oregon": a place followed by its state."""
    mentions = _state_mentions(words)
    for misspelt in (False, True):
        best: tuple[int, Location] | None = None
        for start, end, code in mentions:
            for size in range(min(_MAX_NAME_WORDS if not misspelt else 2, start), 0, -1):
                name = " ".join(words[start - size:start])
                if misspelt and len(name) < _MIN_MISSPELT_LENGTH:
                    continue
                location = place_in_state(name, code, misspelt)
                if location:
                    if best is None or size + end - start > best[0]:
                        best = (size + end - start, location)
                    break
        if best:
            return best[1]
    return None


def _outside_us(normalised: str) -> OutsideUS | None:
    for key, name in _other_country_names().items():
        if re.search(rf"\b{re.escape(key)}\b", normalised):
            return OutsideUS(name)
    return None


@lru_cache(maxsize=1)
def _other_country_names() -> dict[str, str]:
    """Normalised name -> display name for every country but the US (and its territories,
    which ISO also lists as countries), plus Canadian provinces and Mexican states."""
    us_codes = {"US", "UM", *(s.abbr for s in us.states.TERRITORIES)}
    names: dict[str, str] = {}
    for country in pycountry.countries:
        if country.alpha_2 in us_codes:
            continue
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value:
                names[_normalise(value)] = getattr(country, "common_name", None) or country.name
    for sub in pycountry.subdivisions:
        if sub.country_code in _NEIGHBOUR_SUBDIVISIONS:
            names[_normalise(sub.name)] = f"{sub.name}, {pycountry.countries.get(alpha_2=sub.country_code).name}"
    names.update(_OTHER_COUNTRY_NAMES)
    # Longest first, so "new mexico" never reads as "mexico" (states are matched before this).
    return dict(sorted(names.items(), key=lambda item: -len(item[0])))


def read_place(text: str, whole_answer: bool = True) -> Place:
    """What place the text names.

    A ZIP Code (ZIP+4 accepted) wins; then a city, county or borough followed by its state
    ("Columbus, OH", "queens ny", "Kansas City, MO"); then, when the text is a whole answer
    to "where are you?", a state ("ny", "Calfornia") or a place on its own ("Portland": the
    state where the name covers the most ZIP Codes - the caller echoes it so a wrong guess
    shows); then a state name anywhere in a sentence. A 2-letter code counts only as the
    whole answer or after a place name, because short codes are common words ("in", "me",
    "or", "ok"). `whole_answer=False` is for reading details from other messages: only
    ZIP Codes, places with their state and state names count there.

    Returns a Location, OutsideUS for a named country other than the US, AmbiguousPlace for
    a place name several states share ("springfield"), NEAR_ME when the text only says
    "near me", or None.
    """
    zip_match = _ZIP_PATTERN.search(text)
    if zip_match:
        zip_code = zip_match.group(1)
        if zip_code not in _place_index().zips:
            return None
        rest = _normalise(text[: zip_match.start()] + " " + text[zip_match.end():]).split()
        named = _city_with_state(rest)
        state = _place_index().zips[zip_code].state
        return _location_at(zip_code, named.place if named and named.state == state else None)

    normalised = _normalise(text)
    words = normalised.split()
    paired = _city_with_state(words)
    if paired:
        return paired
    answer = _LEAD_IN.sub("", normalised, count=1).strip() or normalised
    if whole_answer and answer and not _NEAR_ME.search(normalised):
        exact = state_code(answer)
        if exact:
            return Location(exact)
        if answer in _other_country_names():
            return OutsideUS(_other_country_names()[answer])
        alone = _place_anywhere(answer)
        if alone:
            return alone
        if len(answer) >= 4:
            fuzzy = us.states.lookup(answer)
            if fuzzy is not None and fuzzy.abbr in STATE_NAMES:
                return Location(fuzzy.abbr)
    name_match = _NAME_PATTERN.search(normalised)
    if name_match:
        return Location(_NAME_TO_CODE[name_match.group(1)])
    outside = _outside_us(normalised)
    if outside:
        return outside
    return NEAR_ME if _NEAR_ME.search(normalised) else None


def parse_location(text: str) -> Location | None:
    """The US location a whole answer names, or None (see read_place)."""
    place = read_place(text)
    return place if isinstance(place, Location) else None


def zip_coordinates(zip_code: str) -> tuple[float, float] | None:
    """(latitude, longitude) of a 5-digit ZIP Code from the ZIP Code data, or None."""
    info = _place_index().zips.get(zip_code[:5])
    if info is None or info.latitude is None:
        return None
    return info.latitude, info.longitude


def distance_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in miles between two (latitude, longitude) points."""
    return zipcodes.haversine(a[1], a[0], b[1], b[0])
