"""Turn what a user typed ("CA", "new york", "Washington DC", "94110-1234") into a Location."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.directory.zip_prefixes import state_for_zip

STATE_NAMES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas",
    "CA": "California", "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware",
    "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia", "HI": "Hawaii",
    "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
    "WY": "Wyoming", "PR": "Puerto Rico", "VI": "U.S. Virgin Islands", "GU": "Guam",
    "AS": "American Samoa", "MP": "Northern Mariana Islands",
}

_EXTRA_NAMES = {
    "washington dc": "DC", "washington d c": "DC", "d c": "DC",
    "virgin islands": "VI", "us virgin islands": "VI",
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


@dataclass(frozen=True)
class Location:
    """A US state or territory code, and the 5-digit ZIP Code when the user gave one."""

    state: str
    zip_code: str | None = None

    def __post_init__(self) -> None:
        if self.state not in STATE_NAMES:
            raise ValueError(f"unknown state code: {self.state!r}")
        if self.zip_code is not None and not re.fullmatch(r"\d{5}", self.zip_code):
            raise ValueError(f"not a 5-digit ZIP Code: {self.zip_code!r}")


def state_code(text: str) -> str | None:
    """The code for a state given exactly as a 2-letter code or a name (any case), else None."""
    cleaned = _normalise(text)
    if cleaned.upper() in STATE_NAMES:
        return cleaned.upper()
    return _NAME_TO_CODE.get(cleaned)


def parse_location(text: str) -> Location | None:
    """Find a location in free text: a ZIP Code (ZIP+4 accepted) first, then a state.

    A 2-letter code counts only when it is the whole text ("CA", "ny"), because short
    codes are common words inside sentences ("in", "me", "or", "ok"). State names are
    found anywhere ("I live in new york"). Returns None when nothing is recognised or a
    ZIP Code's prefix is not assigned to a state or territory.
    """
    zip_match = _ZIP_PATTERN.search(text)
    if zip_match:
        zip_code = zip_match.group(1)
        state = state_for_zip(zip_code)
        return Location(state, zip_code) if state else None
    exact = state_code(text)
    if exact:
        return Location(exact)
    name_match = _NAME_PATTERN.search(_normalise(text))
    return Location(_NAME_TO_CODE[name_match.group(1)]) if name_match else None
