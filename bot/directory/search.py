"""Find providers for what the user asked for.

Who is eligible: providers located in the user's state; when the user wants telehealth,
also providers elsewhere who list telehealth and a licence in the user's state. A
provider whose listing contradicts a preference (lists help types, approaches or
insurance plans, none of them the one asked for) is excluded; one that does not list the
field at all stays eligible and the match names that preference as unconfirmed, so the
bot can suggest asking the provider.

Order: fewest unconfirmed help_type/approach/insurance first; then clinicians whose
primary NPPES taxonomy is a psychotherapy code (so a dentist who also lists a counselor
code comes later; roster rows count as primary); then therapists before prescribers
(psychiatrists, psychiatric nurse practitioners: this search is for therapy); then
proximity (same ZIP, or telehealth when wanted; then same 3-digit ZIP area; then
elsewhere in the state; then out-of-state telehealth); for couples, marriage and family
therapists first; then operator roster before NPPES; then name and row id, so equal
inputs always give equal output.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, and_, case, false, func, literal, or_, select, true, type_coerce
from sqlalchemy.engine import Engine

from bot.directory.fields import insurance_name, insurer_names
from bot.directory.locations import Location
from bot.directory.models import APPROACHES, HELP_TYPES, SET_DELIMITER, providers
from bot.directory.taxonomy import MARRIAGE_AND_FAMILY_THERAPIST, PRESCRIBER, clinician_words

APPROACH_ANY = "any"
PROXIMITY_ORDER = {"same_zip": 0, "telehealth": 0, "same_area": 1, "same_state": 2,
                   "out_of_state_telehealth": 3}


@dataclass(frozen=True)
class SearchCriteria:
    location: Location
    help_type: str
    approach: str = APPROACH_ANY
    insurance: str | None = None
    telehealth: bool = False

    def __post_init__(self) -> None:
        if self.help_type not in HELP_TYPES:
            raise ValueError(f"help_type must be one of {HELP_TYPES}, not {self.help_type!r}")
        if self.approach not in (APPROACH_ANY, *APPROACHES):
            raise ValueError(f"approach must be 'any' or one of {APPROACHES}, not {self.approach!r}")


@dataclass(frozen=True)
class ProviderMatch:
    """What the bot can show about one provider.

    proximity: "same_zip", "telehealth" (offers telehealth, which the user wants),
    "same_area" (same 3-digit ZIP prefix), "same_state" or "out_of_state_telehealth".
    unconfirmed: the preferences this provider does not list, among "help_type",
    "approach", "insurance", "telehealth".
    clinician_type: the clinician type in words ("clinical social worker"), NPPES rows only.
    """

    name: str
    credentials: str | None
    approaches: tuple[str, ...]
    help_types: tuple[str, ...]
    phone: str | None
    booking_url: str | None
    city: str | None
    state: str
    telehealth: bool | None
    proximity: str
    unconfirmed: tuple[str, ...]
    source: str
    clinician_type: str | None = None


def _raw(column_name: str):
    """A set column as its stored text, so LIKE patterns bind as plain strings."""
    return type_coerce(providers.c[column_name], Text)


def _contains(column_name: str, member: str):
    return _raw(column_name).like(f"%{SET_DELIMITER}{member}{SET_DELIMITER}%")


def _lists_plan(plan: str):
    """Some listed plan has the words of `plan`, or of a name people type for that insurer,
    in a row ("aetna" in "aetna medicare", "blue cross" in "anthem blue cross")."""
    d = SET_DELIMITER
    column = _raw("insurance")
    return or_(*(column.like(p) for name in insurer_names(plan) for p in
                 (f"%{d}{name}{d}%", f"%{d}{name} %", f"% {name}{d}%", f"% {name} %")))


def _build_query(criteria: SearchCriteria, limit: int):
    location = criteria.location
    c = providers.c
    in_state = c.state == location.state
    wants_telehealth = true() if criteria.telehealth else false()
    offers_telehealth = and_(wants_telehealth, c.telehealth.is_(True))
    licensed_here = and_(offers_telehealth, _contains("licensed_states", location.state))

    filters = [or_(in_state, licensed_here)]
    unconfirmed = {}  # preference -> SQL flag (1 = not listed by the provider)

    def preference(name: str, column_name: str, matches) -> None:
        not_listed = _raw(column_name) == ""
        filters.append(or_(not_listed, matches))
        unconfirmed[name] = case((not_listed, 1), else_=0)

    preference("help_type", "help_types", _contains("help_types", criteria.help_type))
    if criteria.approach != APPROACH_ANY:
        preference("approach", "approaches", _contains("approaches", criteria.approach))
    plan = insurance_name(criteria.insurance or "")
    if plan:
        preference("insurance", "insurance", _lists_plan(plan))

    same_zip = same_area = false()
    if location.zip_code:
        same_zip = and_(in_state, c.postal_code == location.zip_code)
        same_area = and_(in_state, c.postal_code.like(f"{location.zip_code[:3]}%"))
    proximity = case(
        (same_zip, "same_zip"),
        (and_(in_state, offers_telehealth), "telehealth"),
        (same_area, "same_area"),
        (in_state, "same_state"),
        else_="out_of_state_telehealth",
    )
    couples_first = [case((_contains("taxonomies", MARRIAGE_AND_FAMILY_THERAPIST), 0), else_=1)
                     ] if criteria.help_type == "couples" else []
    telehealth_unknown = case((and_(wants_telehealth, c.telehealth.is_(None)), 1), else_=0)
    return (
        select(
            c.name, c.credentials, c.approaches, c.help_types, c.phone, c.booking_url,
            c.city, c.state, c.telehealth, c.source, c.clinician_taxonomy,
            proximity.label("proximity"),
            telehealth_unknown.label("unconfirmed_telehealth"),
            *(flag.label(f"unconfirmed_{name}") for name, flag in unconfirmed.items()),
        )
        .where(and_(*filters))
        .order_by(
            sum(unconfirmed.values(), literal(0)),
            case((c.mental_health_primary.is_(False), 1), else_=0),
            case((c.clinician_role == PRESCRIBER, 1), else_=0),
            case(PROXIMITY_ORDER, value=proximity),
            *couples_first,
            case((c.source == "roster", 0), else_=1),
            func.lower(c.name),
            c.id,
        )
        .limit(limit)
    ), (*unconfirmed, "telehealth")


def search_providers(engine: Engine, criteria: SearchCriteria, limit: int = 3) -> list[ProviderMatch]:
    """The best `limit` providers for `criteria`, best first (see the module docstring)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    query, preference_names = _build_query(criteria, limit)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        ProviderMatch(
            name=row["name"],
            credentials=row["credentials"],
            approaches=tuple(sorted(row["approaches"])),
            help_types=tuple(sorted(row["help_types"])),
            phone=row["phone"],
            booking_url=row["booking_url"],
            city=row["city"],
            state=row["state"],
            telehealth=row["telehealth"],
            proximity=row["proximity"],
            unconfirmed=tuple(n for n in preference_names if row[f"unconfirmed_{n}"]),
            source=row["source"],
            clinician_type=clinician_words(row["clinician_taxonomy"]),
        )
        for row in rows
    ]
