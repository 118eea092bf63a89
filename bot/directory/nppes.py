"""Import mental-health clinicians from the CMS NPPES "Full Replacement Monthly NPI File".

The file (npidata_pfile_YYYYMMDD-YYYYMMDD.csv inside the monthly NPPES_Data_Dissemination
zip) is a quoted CSV of about 330 columns and ~10 GB, so it is streamed row by row with
the csv module and never held in memory. Columns are found by their published header
names, so their order does not matter.

A row is kept when all of these hold, and otherwise counted as skipped with a reason:
  * one of "Healthcare Provider Taxonomy Code_1".."_15" is in MENTAL_HEALTH_TAXONOMIES;
  * the NPI is not deactivated ("NPI Deactivation Date" empty, or an
    "NPI Reactivation Date" on or after it);
  * "Entity Type Code" is 1 (an individual; 2 = organisation);
  * the practice location is in the US (country code empty or "US") and not military mail;
  * the practice location has a telephone number (NPPES has no other contact field).
Kept rows must also pass the checks in `_record` (10-digit NPI with a valid check digit,
name, 2-letter state, 5/9-digit ZIP, 10-digit phone, MM/DD/YYYY dates); a row that
fails is rejected with its row number (header = row 1) and column.

NPPES says nothing about approaches, couples work, insurance or telehealth, so those are
stored as "not listed". "Provider License Number State Code_N" of the mental-health
taxonomies become licensed_states.
"""
from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.directory import fields
from bot.directory.fields import ColumnError, checked
from bot.directory.models import ProviderRecord
from bot.directory.upsert import ImportReport, ProviderWriter, RowRejection

SOURCE = "nppes"

# NUCC Health Care Provider Taxonomy codes of clinicians who provide psychotherapy.
# Deliberately not included: 106E00000X (Assistant Behavior Analyst) and 2084P0804X
# (Child & Adolescent Psychiatry) - this directory serves adults and couples.
MENTAL_HEALTH_TAXONOMIES = frozenset({
    "101Y00000X",  # Counselor
    "101YM0800X",  # Counselor, Mental Health
    "101YP2500X",  # Counselor, Professional
    "103T00000X",  # Psychologist
    "103TC0700X",  # Psychologist, Clinical
    "1041C0700X",  # Social Worker, Clinical
    "106H00000X",  # Marriage & Family Therapist
    "2084P0800X",  # Psychiatry & Neurology, Psychiatry
    "363LP0808X",  # Nurse Practitioner, Psychiatric/Mental Health
    "364SP0808X",  # Clinical Nurse Specialist, Psychiatric/Mental Health
})

COL_NPI = "NPI"
COL_ENTITY = "Entity Type Code"
COL_LAST = "Provider Last Name (Legal Name)"
COL_FIRST = "Provider First Name"
COL_CREDENTIAL = "Provider Credential Text"
COL_ADDRESS_1 = "Provider First Line Business Practice Location Address"
COL_ADDRESS_2 = "Provider Second Line Business Practice Location Address"
COL_CITY = "Provider Business Practice Location Address City Name"
COL_STATE = "Provider Business Practice Location Address State Name"
COL_POSTAL = "Provider Business Practice Location Address Postal Code"
COL_COUNTRY = "Provider Business Practice Location Address Country Code (If outside U.S.)"
COL_PHONE = "Provider Business Practice Location Address Telephone Number"
COL_DEACTIVATED = "NPI Deactivation Date"
COL_REACTIVATED = "NPI Reactivation Date"
TAXONOMY_SLOTS = range(1, 16)
COL_TAXONOMY = [f"Healthcare Provider Taxonomy Code_{n}" for n in TAXONOMY_SLOTS]
COL_LICENSE_STATE = [f"Provider License Number State Code_{n}" for n in TAXONOMY_SLOTS]

REQUIRED_COLUMNS = (
    COL_NPI, COL_ENTITY, COL_LAST, COL_FIRST, COL_CREDENTIAL, COL_ADDRESS_1, COL_ADDRESS_2,
    COL_CITY, COL_STATE, COL_POSTAL, COL_COUNTRY, COL_PHONE, COL_DEACTIVATED,
    COL_REACTIVATED, *COL_TAXONOMY, *COL_LICENSE_STATE,
)
MILITARY_STATES = frozenset({"AA", "AE", "AP"})


class NppesFormatError(ValueError):
    """The file as a whole cannot be imported (unreadable, columns missing)."""


def npi_check_digit_ok(npi: str) -> bool:
    """Luhn check over "80840" + the NPI, as the NPI standard specifies."""
    total = 0
    for position, char in enumerate(reversed("80840" + npi)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _date(value: str, column: str) -> date | None:
    text = fields.clean(value)
    if not text:
        return None
    try:
        return datetime.strptime(text, "%m/%d/%Y").date()
    except ValueError:
        raise ColumnError(column, f"{text!r} is not a MM/DD/YYYY date") from None


def _display(text: str) -> str:
    """NPPES names are upper case; show "JANE O'NEIL" as "Jane O'Neil"."""
    cleaned = fields.clean(text)
    return cleaned.title() if cleaned.isupper() else cleaned


class _Row:
    def __init__(self, values: list[str], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, column: str) -> str:
        position = self._index[column]
        return self._values[position] if position < len(self._values) else ""


def _skip_reason(row: _Row) -> str | None:
    # Taxonomy first: it is cheap and rules out most of the ~8 million rows.
    if not any(row[c].strip() in MENTAL_HEALTH_TAXONOMIES for c in COL_TAXONOMY):
        return "no mental-health taxonomy"
    deactivated = _date(row[COL_DEACTIVATED], COL_DEACTIVATED)
    reactivated = _date(row[COL_REACTIVATED], COL_REACTIVATED)
    if deactivated and not (reactivated and reactivated >= deactivated):
        return "deactivated NPI"
    entity = fields.clean(row[COL_ENTITY])
    if entity == "2":
        return "organisation"
    if entity != "1":
        raise ColumnError(COL_ENTITY, f"{entity!r} is not 1 or 2")
    if fields.clean(row[COL_COUNTRY]).upper() not in ("", "US"):
        return "practice outside the US"
    if fields.clean(row[COL_STATE]).upper() in MILITARY_STATES:
        return "military mail address"
    if not fields.clean(row[COL_PHONE]):
        return "no practice phone"
    return None


def _record(row: _Row) -> ProviderRecord:
    npi = fields.clean(row[COL_NPI])
    if not re.fullmatch(r"\d{10}", npi):
        raise ColumnError(COL_NPI, f"{npi!r} is not 10 digits")
    if not npi_check_digit_ok(npi):
        raise ColumnError(COL_NPI, f"{npi!r} has a wrong check digit")
    last = _display(row[COL_LAST])
    if not last:
        raise ColumnError(COL_LAST, "required value is empty")
    name = " ".join(filter(None, (_display(row[COL_FIRST]), last)))

    def check(column: str, checker):
        return checked(column, checker, row[column])

    state = check(COL_STATE, fields.state_code_exact)
    postal_code = check(COL_POSTAL, fields.postal_code)
    phone = check(COL_PHONE, fields.phone)
    licensed = set()
    for taxonomy_col, license_col in zip(COL_TAXONOMY, COL_LICENSE_STATE):
        license_state = fields.clean(row[license_col]).upper()
        if fields.clean(row[taxonomy_col]) in MENTAL_HEALTH_TAXONOMIES and license_state:
            licensed.add(check(license_col, fields.state_code_exact))
    address = ", ".join(filter(None, (fields.clean(row[COL_ADDRESS_1]),
                                      fields.clean(row[COL_ADDRESS_2]))))
    return ProviderRecord(
        source=SOURCE,
        source_key=npi,
        name=name,
        credentials=fields.optional(row[COL_CREDENTIAL]),
        phone=phone,
        address=_display(address) or None,
        city=_display(row[COL_CITY]) or None,
        state=state,
        postal_code=postal_code,
        licensed_states=frozenset(licensed - {state}),
    )


def _column_index(header: list[str]) -> dict[str, int]:
    index = {fields.clean(name): position for position, name in enumerate(header)}
    missing = [column for column in REQUIRED_COLUMNS if column not in index]
    if missing:
        raise NppesFormatError(
            f"row 1 (header): missing NPPES column(s): {', '.join(map(repr, missing))}")
    return index


def import_nppes(engine: Engine, path: str | Path, prune: bool = False) -> ImportReport:
    """Stream an NPPES npidata_pfile CSV into the directory; see the module docstring.

    With `prune=True` the file is taken as the complete registry: NPPES providers from an
    earlier import that are no longer kept (deactivated, changed taxonomy, gone) are
    deleted; NPIs of rejected rows keep their earlier row.
    """
    report = ImportReport()
    writer = ProviderWriter(engine, SOURCE, report, prune=prune)
    row_number = 1
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise NppesFormatError("the file is empty (no header row)")
            index = _column_index(header)
            for row_number, values in enumerate(reader, start=2):
                row = _Row(values, index)
                try:
                    reason = _skip_reason(row)
                    if reason:
                        report.skip(reason)
                    else:
                        writer.add(_record(row))
                except ColumnError as error:
                    report.reject(RowRejection(row_number, error.column, error.reason))
                    npi = fields.clean(row[COL_NPI])
                    if re.fullmatch(r"\d{10}", npi):
                        writer.protect(npi)
    except OSError as error:
        raise NppesFormatError(f"cannot read {path}: {error.strerror}") from None
    except csv.Error as error:
        raise NppesFormatError(f"row {row_number + 1}: malformed CSV: {error}") from None
    writer.finish()
    return report
