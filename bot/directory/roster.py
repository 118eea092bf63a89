"""Import the operator's provider roster (CSV) into the directory.

The file is UTF-8 CSV (a byte-order mark is fine) with a header row. Column names are
matched case-insensitively; columns may come in any order. The full description, with an
example, is in bot/directory/ROSTER_FORMAT.md.

    id            required  the operator's own stable key for the provider (max 64 chars)
    name          required  display name
    credentials             e.g. "LMFT", "PhD"
    approaches              semicolon list of: act; schema; behavioral_activation;
                            compassion_focused (empty = not listed)
    help_types              semicolon list of: individual; couples (empty = not listed)
    insurance               semicolon list of plan names, free text (empty = not listed)
    telehealth              yes / no (empty = unknown)
    phone         required* US number, any punctuation, 10 digits (or 11 starting with 1)
    booking_url   required* http:// or https:// URL
    address                 street line
    city
    state         required  2-letter code or full name of a US state or territory
    zip                     5-digit ZIP Code or ZIP+4
    licensed_states         semicolon list of states where the provider may offer telehealth
                            besides `state`

    * the phone and booking_url columns must be present; each row needs at least one of them.

Rows are numbered as in the file with the header as row 1. A row that fails a check is
rejected with its row number, column and reason; every other row is still imported (so
fix the file and import again: the import is an idempotent upsert keyed by `id`). A
missing required column or an unknown column rejects the whole file before anything is
written. With `prune=True` the roster is treated as the complete list: providers from an
earlier roster import whose id is absent from this file are deleted (ids of rejected rows
are kept as they were).
"""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.directory import fields
from bot.directory.fields import ColumnError, checked
from bot.directory.models import APPROACHES, HELP_TYPES, ProviderRecord
from bot.directory.upsert import ImportReport, ProviderWriter, RowRejection

SOURCE = "roster"
REQUIRED_COLUMNS = ("id", "name", "state", "phone", "booking_url")
OPTIONAL_COLUMNS = (
    "credentials", "approaches", "help_types", "insurance", "telehealth",
    "address", "city", "zip", "licensed_states",
)
_TELEHEALTH = {"yes": True, "no": False, "": None}


class RosterFormatError(ValueError):
    """The file as a whole cannot be imported (unreadable, bad header)."""


def _split(value: str) -> list[str]:
    return [part for part in (fields.clean(p) for p in value.split(";")) if part]


def _codes(value: str, allowed: tuple[str, ...], column: str) -> frozenset[str]:
    codes = [code.lower() for code in _split(value)]
    unknown = [code for code in codes if code not in allowed]
    if unknown:
        raise ColumnError(column, f"unknown code {unknown[0]!r}; allowed: {', '.join(allowed)}")
    return frozenset(codes)


def _record(row: dict[str, str]) -> ProviderRecord:
    key = fields.clean(row["id"])
    if not key:
        raise ColumnError("id", "required value is empty")
    if len(key) > 64:
        raise ColumnError("id", "longer than 64 characters")
    name = fields.clean(row["name"])
    if not name:
        raise ColumnError("name", "required value is empty")
    if not fields.clean(row["state"]):
        raise ColumnError("state", "required value is empty")
    state = checked("state", fields.state, row["state"])
    approaches = _codes(row["approaches"], APPROACHES, "approaches")
    help_types = _codes(row["help_types"], HELP_TYPES, "help_types")
    telehealth_text = fields.clean(row["telehealth"]).lower()
    if telehealth_text not in _TELEHEALTH:
        raise ColumnError("telehealth", f"{telehealth_text!r} is not yes, no or empty")
    phone = checked("phone", fields.phone, row["phone"])
    booking_url = checked("booking_url", fields.web_url, row["booking_url"])
    if phone is None and booking_url is None:
        raise ColumnError("phone", "a phone or a booking_url is required")
    postal_code = checked("zip", fields.postal_code, row["zip"])
    licensed = frozenset(checked("licensed_states", fields.state, s)
                         for s in _split(row["licensed_states"]))
    return ProviderRecord(
        source=SOURCE,
        source_key=key,
        name=name,
        credentials=fields.optional(row["credentials"]),
        approaches=approaches,
        help_types=help_types,
        insurance=frozenset(filter(None, map(fields.insurance_name, _split(row["insurance"])))),
        telehealth=_TELEHEALTH[telehealth_text],
        phone=phone,
        booking_url=booking_url,
        address=fields.optional(row["address"]),
        city=fields.optional(row["city"]),
        state=state,
        postal_code=postal_code,
        licensed_states=licensed - {state},
    )


def _header(raw: list[str]) -> list[str]:
    header = [fields.clean(name).lower() for name in raw]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RosterFormatError(f"row 1 (header): missing required column(s): {', '.join(missing)}")
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise RosterFormatError(
            f"row 1 (header): unknown column(s): {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}")
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise RosterFormatError(f"row 1 (header): duplicated column(s): {', '.join(duplicated)}")
    return header


def _read(path: str | Path, report: ImportReport) -> tuple[list[ProviderRecord], set[str]]:
    """Check the whole file; return its good records and the ids of rejected rows."""
    records: list[ProviderRecord] = []
    rejected_keys: set[str] = set()
    first_row_of_id: dict[str, int] = {}
    row_number = 1
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            raw_header = next(reader, None)
            if raw_header is None:
                raise RosterFormatError("the file is empty (no header row)")
            header = _header(raw_header)
            for row_number, values in enumerate(reader, start=2):
                if not any(v.strip() for v in values):
                    continue
                if len(values) > len(header):
                    report.reject(RowRejection(row_number, "*", (
                        f"{len(values)} fields but the header has {len(header)}")))
                    continue
                row = dict.fromkeys(REQUIRED_COLUMNS + OPTIONAL_COLUMNS, "")
                row.update(zip(header, values))
                key = fields.clean(row["id"])
                if key in first_row_of_id:
                    report.reject(RowRejection(row_number, "id", (
                        f"duplicate id, already used on row {first_row_of_id[key]}")))
                    continue
                if key:
                    first_row_of_id[key] = row_number
                try:
                    records.append(_record(row))
                except ColumnError as error:
                    report.reject(RowRejection(row_number, error.column, error.reason))
                    rejected_keys.add(key)
    except OSError as error:
        raise RosterFormatError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise RosterFormatError(f"not UTF-8 text (after row {row_number})") from None
    except csv.Error as error:
        raise RosterFormatError(f"row {row_number + 1}: malformed CSV: {error}") from None
    return records, rejected_keys - {""}


def import_roster(engine: Engine, path: str | Path, prune: bool = False) -> ImportReport:
    """Import a roster CSV; see the module docstring for the format and the rules.

    The whole file is checked before anything is written, so a RosterFormatError leaves
    the database untouched.
    """
    report = ImportReport()
    records, rejected_keys = _read(path, report)
    writer = ProviderWriter(engine, SOURCE, report, prune=prune)
    for key in rejected_keys:
        writer.protect(key)
    for record in records:
        writer.add(record)
    writer.finish()
    return report
