"""The `providers` table and the vocabularies its set-valued columns use."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

SOURCES = ("roster", "nppes")
APPROACHES = ("act", "schema", "behavioral_activation", "compassion_focused")
HELP_TYPES = ("individual", "couples")

SET_DELIMITER = "|"


def _stored_form(value: Any) -> str:
    members = sorted(value or ())
    if any(SET_DELIMITER in m for m in members):
        raise ValueError(f"set member contains {SET_DELIMITER!r}: {members}")
    return SET_DELIMITER + SET_DELIMITER.join(members) + SET_DELIMITER if members else ""


_stored_set = lru_cache(maxsize=4096)(_stored_form)  # an import repeats the same sets


class StringSet(TypeDecorator):
    """A set of strings stored as "|a|b|" (sorted), or "" for the empty set ("not listed").

    The delimiters on both ends let a parameterised LIKE '%|a|%' test membership on any
    database. Members must not contain the delimiter.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str:
        if isinstance(value, frozenset):  # what the importers give: few distinct values
            return _stored_set(value)
        return _stored_form(value)

    def process_result_value(self, value: str | None, dialect: Any) -> frozenset[str]:
        return frozenset(m for m in (value or "").split(SET_DELIMITER) if m)


metadata = MetaData()

providers = Table(
    "providers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(16), nullable=False),
    Column("source_key", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("credentials", String(100)),
    Column("approaches", StringSet, nullable=False, default=frozenset()),
    Column("help_types", StringSet, nullable=False, default=frozenset()),
    Column("insurance", StringSet, nullable=False, default=frozenset()),
    Column("telehealth", Boolean),
    Column("phone", String(32)),
    Column("booking_url", String(500)),
    Column("address", String(300)),
    Column("city", String(100)),
    Column("state", String(2), nullable=False),
    Column("postal_code", String(5)),
    Column("licensed_states", StringSet, nullable=False, default=frozenset()),
    # NPPES only (NULL / empty for roster rows): the provider's psychotherapy taxonomy codes
    # (bot/directory/taxonomy.yml), the code NPPES marks primary (any code, e.g. a dentist's),
    # whether the primary is a psychotherapy code, and the code and role the bot shows.
    Column("taxonomies", StringSet, nullable=False, default=frozenset()),
    Column("primary_taxonomy", String(10)),
    Column("mental_health_primary", Boolean),
    Column("clinician_taxonomy", String(10)),
    Column("clinician_role", String(16)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("source", "source_key", name="uq_providers_source_key"),
    Index("ix_providers_state", "state"),
)


@dataclass(frozen=True)
class ProviderRecord:
    """One provider as an importer produced it; empty sets and None mean "not listed"."""

    source: str
    source_key: str
    name: str
    state: str
    credentials: str | None = None
    approaches: frozenset[str] = field(default_factory=frozenset)
    help_types: frozenset[str] = field(default_factory=frozenset)
    insurance: frozenset[str] = field(default_factory=frozenset)
    telehealth: bool | None = None
    phone: str | None = None
    booking_url: str | None = None
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    licensed_states: frozenset[str] = field(default_factory=frozenset)
    taxonomies: frozenset[str] = field(default_factory=frozenset)
    primary_taxonomy: str | None = None
    mental_health_primary: bool | None = None
    clinician_taxonomy: str | None = None
    clinician_role: str | None = None

    def as_row(self) -> dict[str, Any]:
        """The column values (a shallow dict: `dataclasses.asdict` deep-copies every set)."""
        return {name: getattr(self, name) for name in DATA_COLUMNS}


DATA_COLUMNS = tuple(ProviderRecord.__dataclass_fields__)
