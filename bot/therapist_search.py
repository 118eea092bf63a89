"""Runs a therapist search from the form's slots and renders the matches as text.

The local directory (roster and NPPES import) is asked first; when it has no match, the
live NPI Registry (bot.directory.npi_registry); when that cannot be reached in time, the
national options.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple, Union

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.directory import ProviderMatch, SearchCriteria, parse_location, search_providers
from bot.directory.npi_registry import Clinician, NpiRegistry, RegistryUnavailable
from bot.directory.registry_prefetch import ConversationRegistry

logger = logging.getLogger(__name__)

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
# Location slot values that end the form without a search.
NO_LOCATION = "none"           # the user skipped the question, or it failed three times
OUTSIDE_US = "outside_us"      # the user is outside the US (already told)


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


NPI_NOTE = (
    "Listings marked NPI come from the federal NPI registry; an NPI does not verify a "
    "licence, so check it with your state's licensing board."
)


def _sentences(parts: List[str]) -> str:
    """Parts joined as sentences, without doubling a period ("PSY.D." stays "PSY.D.")."""
    return " ".join(p if p.endswith(".") else p + "." for p in parts if p)


def _ask_about(preferences) -> str:
    names = [PREFERENCE_NAMES.get(p, p) for p in preferences]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def describe_match(number: int, match: ProviderMatch, asked_of_all: Tuple[str, ...] = ()) -> str:
    """One numbered line about a provider, plain ASCII so it fits SMS well.

    Preferences in `asked_of_all` are left out: `describe_matches` names them once.
    """
    name = f"{match.name}, {match.credentials}" if match.credentials else match.name
    if match.clinician_type:
        name += f" ({match.clinician_type}{', NPI' if match.source == 'nppes' else ''})"
    parts = [f"{number}. {name}"]
    if match.approaches:
        parts.append("Approach: " + ", ".join(APPROACH_NAMES.get(a, a) for a in match.approaches))
    contact = [c for c in (match.phone, match.booking_url) if c]
    parts.append(" / ".join(contact))
    place = ", ".join(p for p in (match.city, match.state) if p)
    if match.telehealth:
        place += " (video sessions available)"
    parts.append(place)
    own = [p for p in match.unconfirmed if p not in asked_of_all]
    if own:
        parts.append("Ask them about " + _ask_about(own))
    return _sentences(parts)


def describe_matches(matches: List[ProviderMatch]) -> str:
    """All matches, one per line; what to ask every one of them, once at the end."""
    asked_of_all = tuple(p for p in matches[0].unconfirmed
                         if all(p in m.unconfirmed for m in matches)) if matches else ()
    lines = [describe_match(i, m, asked_of_all) for i, m in enumerate(matches, start=1)]
    if asked_of_all:
        lines.append(f"Ask {'each of them' if len(matches) > 1 else 'them'} about "
                     f"{_ask_about(asked_of_all)}.")
    if any(m.source == "nppes" for m in matches):
        lines.append(NPI_NOTE)
    return "\n".join(lines)


def describe_clinician(number: int, clinician: Clinician) -> str:
    """One numbered line about a registry clinician: name and credential, type in words,
    practice city, distance and phone; plain ASCII for SMS."""
    name = f"{clinician.name}, {clinician.credential}" if clinician.credential else clinician.name
    place = f"{clinician.city}, {clinician.state}" if clinician.city else clinician.state
    if clinician.distance_miles is not None:
        place += " (under 1 mile away)" if clinician.distance_miles < 1 else f" (about {clinician.distance_miles:.0f} miles away)"
    parts = [f"{number}. {name} - {clinician.specialty}", place]
    if clinician.phone:
        parts.append(clinician.phone)
    return ". ".join(parts) + "."


def describe_clinicians(clinicians: List[Clinician]) -> str:
    return "\n".join(describe_clinician(i, c) for i, c in enumerate(clinicians, start=1))


@dataclass(frozen=True)
class Reply:
    """A response name and the values it needs."""

    response: str
    values: Dict[str, str] = field(default_factory=dict)


async def search(
    criteria: SearchCriteria,
    engine: Callable[[], Engine],
    registry: Optional[Union[NpiRegistry, ConversationRegistry]],
) -> List[Reply]:
    """What to tell the user: where the search looked, then directory matches, registry
    clinicians, no match, or (when neither source answered) the national options."""
    replies = [Reply("utter_searching_near", {"place": criteria.location.label()})]
    directory_failed = False
    try:
        matches = find_therapists(engine(), criteria)
    except SQLAlchemyError:
        logger.exception("therapist directory query failed")
        directory_failed, matches = True, []
    if matches:
        return replies + [Reply("utter_therapists_found", {"matches": describe_matches(matches)})]
    if registry is None:
        return replies + [Reply("utter_directory_unavailable" if directory_failed else "utter_therapists_none")]
    try:
        clinicians = await registry.search(criteria.location, criteria.help_type)
    except RegistryUnavailable as error:
        logger.warning("live registry search failed: %s", error)
        return replies + [Reply("utter_directory_unavailable")]
    if clinicians:
        return replies + [Reply("utter_therapists_found_live", {"matches": describe_clinicians(clinicians)})]
    return replies + [Reply("utter_therapists_none")]
