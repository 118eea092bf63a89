"""Value checks shared by the importers. Each raises FieldError with a reason."""
from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.directory.locations import STATE_NAMES, state_code

INSURERS_FILE = Path(__file__).with_name("insurers.yml")
# How close a typed name must be to a known insurer's ("aetana" ~ "aetna": 0.91).
_TYPO_CUTOFF = 0.85

NON_DIGITS = re.compile(r"\D")
_ZIP = re.compile(r"(\d{5})(?:-?\d{4})?")
_NOT_PHONE_CHARACTER = re.compile(r"[^\d\s().+-]")
_NOT_INSURANCE_CHARACTERS = re.compile(r"[^a-z0-9&']+")


class FieldError(ValueError):
    """A value that cannot be imported; str(error) says why."""


class ColumnError(Exception):
    """A row that cannot be imported, with the column at fault."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def checked(column: str, check, value: str):
    """check(value), with a FieldError turned into a ColumnError for `column`."""
    try:
        return check(value)
    except FieldError as error:
        raise ColumnError(column, str(error)) from None


def clean(value: str | None) -> str:
    return " ".join((value or "").split())


def optional(value: str | None) -> str | None:
    return clean(value) or None


def state(value: str) -> str:
    code = state_code(value) if clean(value) else None
    if code is None:
        raise FieldError(f"{clean(value)!r} is not a US state or territory")
    return code


def state_code_exact(value: str) -> str:
    """A 2-letter code only (as in NPPES), any case."""
    code = clean(value).upper()
    if code not in STATE_NAMES:
        raise FieldError(f"{clean(value)!r} is not a US state or territory code")
    return code


def postal_code(value: str) -> str | None:
    """5-digit ZIP from '12345', '12345-6789' or '123456789'; None when blank."""
    text = clean(value)
    if not text:
        return None
    match = _ZIP.fullmatch(text)
    if not match:
        raise FieldError(f"{text!r} is not a 5-digit ZIP Code or ZIP+4")
    return match.group(1)


def phone(value: str) -> str | None:
    """A US phone number as NNN-NNN-NNNN; None when blank. The value is not echoed."""
    text = clean(value)
    if not text:
        return None
    digits = NON_DIGITS.sub("", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or _NOT_PHONE_CHARACTER.search(text):
        raise FieldError("not a 10-digit US phone number")
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def web_url(value: str) -> str | None:
    """An http(s) URL with a host; None when blank."""
    text = clean(value)
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in text:
        raise FieldError(f"{text[:80]!r} is not an http:// or https:// URL")
    return text


@lru_cache(maxsize=1)
def _insurer_names() -> dict[str, str]:
    """Every name in insurers.yml (stored names and what people type) -> the stored name."""
    raw = yaml.safe_load(INSURERS_FILE.read_text(encoding="utf-8"))
    return {
        " ".join(_NOT_INSURANCE_CHARACTERS.sub(" ", name.lower()).split()): stored
        for stored, typed in raw.items()
        for name in (stored, *typed)
    }


@lru_cache(maxsize=1)
def _in_state_suffix() -> re.Pattern[str]:
    """" of illinois", " in texas": the state part of a regional plan's name."""
    names = "|".join(re.escape(name.lower()) for name in STATE_NAMES.values())
    return re.compile(rf"\s+(?:of|in)\s+(?:{names})$")


@lru_cache(maxsize=1)
def known_insurers() -> re.Pattern[str]:
    """Any insurer name of insurers.yml, as whole words in lower-case text."""
    names = sorted(_insurer_names(), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")


def insurer_names(stored: str) -> tuple[str, ...]:
    """A stored insurer name and the names people type for it (just `stored` for others)."""
    return (stored, *sorted(name for name, known in _insurer_names().items() if known == stored and name != stored))


def insurance_name(value: str) -> str:
    """Lower-case words separated by single spaces (punctuation becomes a space), with the
    name people type for a known insurer, a typo of it or its regional name turned into
    the stored one (insurers.yml): "BCBS of Illinois" -> "blue cross blue shield"."""
    name = " ".join(_NOT_INSURANCE_CHARACTERS.sub(" ", value.lower()).split())
    known = _insurer_names()
    regional = _in_state_suffix().sub("", name)
    for candidate in (name, regional):
        if candidate in known:
            return known[candidate]
    close = difflib.get_close_matches(regional, known, n=1, cutoff=_TYPO_CUTOFF) if len(regional) >= 5 else []
    return known[close[0]] if close else name
