"""Turns typed or button answers of the therapist search form into canonical values."""

from __future__ import annotations

import re
from typing import Optional

HELP_TYPES = {
    "individual": ("individual", "just me", "myself", "for me", "solo", "one on one", "1:1"),
    "couples": ("couple", "couples", "both of us", "together", "marriage", "marital", "relationship",
                "for us", "us both", "we both", "me and my", "my partner and i", "my husband and i",
                "my wife and i", "with my partner", "with my husband", "with my wife"),
}

APPROACHES = {
    "any": ("any", "no preference", "doesn't matter", "does not matter", "whatever", "not sure", "don't know", "either"),
    "act": ("act", "acceptance and commitment", "acceptance & commitment", "acceptance"),
    "schema": ("schema",),
    "behavioral_activation": ("behavioral activation", "behavioural activation", "activation", "ba"),
    "compassion_focused": ("compassion", "cft"),
}

NO_INSURANCE_PREFERENCE = (
    "skip", "none", "no", "any", "no insurance", "no preference", "no insurance preference",
    "self pay", "self-pay", "cash", "n/a", "na", "-",
)

YES = ("yes", "y", "yeah", "yep", "yup", "ya", "yah", "yea", "ye", "sure", "ok", "okay", "k", "fine", "video",
       "online", "telehealth", "either", "both", "of course", "definitely", "absolutely")
NO = ("no", "n", "nope", "nah", "naw", "no thanks", "in person", "in-person", "person only", "not online", "no video")


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def _contains_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text) is not None


def _match_choice(text: str, choices: dict[str, tuple[str, ...]]) -> Optional[str]:
    """The single choice whose phrases appear in the text, or None if none or several do."""
    text = _normalise(text)
    found = {
        value
        for value, phrases in choices.items()
        if any(_contains_phrase(text, phrase) for phrase in phrases)
    }
    return found.pop() if len(found) == 1 else None


def parse_help_type(text: str) -> Optional[str]:
    """'individual' or 'couples', or None when the answer is neither (or both)."""
    return _match_choice(text, HELP_TYPES)


def parse_approach(text: str) -> Optional[str]:
    """One of the approach codes (or 'any'), or None when unrecognised or ambiguous."""
    return _match_choice(text, APPROACHES)


def parse_insurance(text: str) -> Optional[str]:
    """The insurance name to look for, or None for no preference."""
    text = _normalise(text)
    if not text or text in NO_INSURANCE_PREFERENCE:
        return None
    return text[:80]


def parse_yes_no(text: str) -> Optional[bool]:
    """True for yes, False for no, None when it is neither."""
    text = _normalise(text).rstrip(".!")
    if text in YES or text.startswith(("yes", "yeah", "sure")):
        return True
    if text in NO or text.startswith(("no ", "no,", "nope", "nah", "in person")):
        return False
    return None
