"""Runs a therapist search from the form's slots and renders the matches as text."""

from __future__ import annotations

from typing import List, Optional

from sqlalchemy.engine import Engine

from bot.directory import ProviderMatch, SearchCriteria, parse_location, search_providers

APPROACH_NAMES = {
    "act": "ACT",
    "schema": "schema therapy",
    "behavioral_activation": "behavioral activation",
    "compassion_focused": "compassion-focused therapy",
}
PREFERENCE_NAMES = {
    "help_type": "individual or couples work",
    "approach": "their approach",
    "insurance": "your insurance",
    "telehealth": "video sessions",
}
NO_INSURANCE_PREFERENCE = "any"


def criteria_from_slots(
    location: str, help_type: str, approach: str, insurance: str, telehealth: str
) -> Optional[SearchCriteria]:
    """Search criteria from the validated slot values, or None if the location is unknown."""
    parsed = parse_location(location)
    if parsed is None:
        return None
    return SearchCriteria(
        location=parsed,
        help_type=help_type,
        approach=approach,
        insurance=None if insurance == NO_INSURANCE_PREFERENCE else insurance,
        telehealth=telehealth == "yes",
    )


def find_therapists(engine: Engine, criteria: SearchCriteria) -> List[ProviderMatch]:
    """Up to three matches, best first."""
    return search_providers(engine, criteria, limit=3)


def describe_match(number: int, match: ProviderMatch) -> str:
    """One numbered line about a provider, plain ASCII so it fits SMS well."""
    name = f"{match.name}, {match.credentials}" if match.credentials else match.name
    parts = [f"{number}. {name}"]
    if match.approaches:
        parts.append("Approach: " + ", ".join(APPROACH_NAMES.get(a, a) for a in match.approaches))
    contact = [c for c in (match.phone, match.booking_url) if c]
    parts.append(" / ".join(contact))
    place = ", ".join(p for p in (match.city, match.state) if p)
    if match.telehealth:
        place += " (video sessions available)"
    parts.append(place)
    if match.unconfirmed:
        parts.append(
            "Ask them about " + " and ".join(PREFERENCE_NAMES.get(p, p) for p in match.unconfirmed)
        )
    return ". ".join(parts) + "."


def describe_matches(matches: List[ProviderMatch]) -> str:
    """All matches, one per line."""
    return "\n".join(describe_match(i, m) for i, m in enumerate(matches, start=1))
