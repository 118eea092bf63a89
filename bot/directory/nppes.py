"""Import psychotherapy clinicians from the CMS NPPES "Full Replacement Monthly NPI File".

The file (npidata_pfile_YYYYMMDD-YYYYMMDD.csv inside the monthly NPPES_Data_Dissemination
zip) is a quoted CSV of 330 columns and about 9 million rows (~10 GB), so it is streamed
line by line and never held in memory; columns are found by their published header
names, so their order does not matter. About nine rows in ten list no psychotherapy code
and are ruled out before `csv.reader` parses them (see `_RowScanner`); the others are
parsed by `csv.reader`, which also decides where a record with a line break ends.

A row is kept when all of these hold, and otherwise counted as skipped with a reason:
  * one of "Healthcare Provider Taxonomy Code_1".."_15" is a psychotherapy code
    (`taxonomy.PSYCHOTHERAPY_CODES`, from the NUCC code set; see taxonomy.yml);
  * the NPI is not deactivated ("NPI Deactivation Date" empty, or an
    "NPI Reactivation Date" on or after it);
  * "Entity Type Code" is 1 (an individual; 2 = organisation);
  * the practice location is in the US (country code empty or "US"), not military mail,
    and its state is a US state or territory (a code, or a name such as "CALIFORNIA");
  * the practice location has a usable telephone number (NPPES has no other contact field).

Odd values in a kept row do not cost the row: they are blanked or normalised and
counted in `ImportReport.fixes` - a state written out as a name becomes its code; a
phone with more than 10 digits keeps its first 10 (the rest is an extension); a ZIP that
is not 5 or 9 digits is blanked; a licence state that is not a US state is dropped;
practice states FM, MH and PW (Micronesia, Marshall Islands, Palau, which NPPES uses) are
kept as they are. A row is rejected, with its row number (header = row 1) and column,
only when it cannot identify a provider: an NPI that is not 10 digits or fails its check
digit, no last name, an entity type that is not 1 or 2, or a date that is not MM/DD/YYYY.

Each kept clinician stores its psychotherapy codes, the code NPPES marks primary
("Healthcare Provider Primary Taxonomy Switch_N" = Y; with no Y, a lone code), whether
that primary is a psychotherapy code, and the code and role shown to users (the primary
when it is a psychotherapy code, else the first psychotherapy code). NPPES says nothing
about approaches, couples work, insurance or telehealth, so those are stored as "not
listed". The licence states of the psychotherapy codes become licensed_states.
"""
from __future__ import annotations

import csv
import re
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO, Iterator, NamedTuple

from sqlalchemy.engine import Engine

from bot.directory import fields
from bot.directory.fields import ColumnError, FieldError
from bot.directory.locations import STATE_NAMES, state_code
from bot.directory.taxonomy import PSYCHOTHERAPY_CODES, role
from bot.directory.upsert import ImportReport, ProviderWriter, RowRejection

SOURCE = "nppes"
BATCH_SIZE = 10_000

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
COL_PRIMARY = [f"Healthcare Provider Primary Taxonomy Switch_{n}" for n in TAXONOMY_SLOTS]
COL_LICENSE_STATE = [f"Provider License Number State Code_{n}" for n in TAXONOMY_SLOTS]

REQUIRED_COLUMNS = (
    COL_NPI, COL_ENTITY, COL_LAST, COL_FIRST, COL_CREDENTIAL, COL_ADDRESS_1, COL_ADDRESS_2,
    COL_CITY, COL_STATE, COL_POSTAL, COL_COUNTRY, COL_PHONE, COL_DEACTIVATED,
    COL_REACTIVATED, *COL_TAXONOMY, *COL_PRIMARY, *COL_LICENSE_STATE,
)
MILITARY_STATES = frozenset({"AA", "AE", "AP"})
FREELY_ASSOCIATED_STATES = frozenset({"FM", "MH", "PW"})
SKIP_NO_TAXONOMY = "no psychotherapy taxonomy"
_NOT_LISTED: frozenset[str] = frozenset()


class NppesFormatError(ValueError):
    """The file as a whole cannot be imported (unreadable, columns missing)."""


# digit -> the sum of the digits of 2 * digit, as a digit
_DOUBLED = str.maketrans("0123456789", "0246813579")
_TEN_DIGITS = re.compile(r"\d{10}")


def npi_check_digit_ok(npi: str) -> bool:
    """Luhn check over "80840" + the NPI (10 ASCII digits), as the NPI standard specifies:
    the prefix adds 24, and every second digit from the right, check digit excluded, is
    doubled."""
    digits = (npi[-1::-2] + npi[-2::-2].translate(_DOUBLED)).encode("ascii")
    return (24 + sum(digits) - ord("0") * len(digits)) % 10 == 0


def _date(value: str, column: str) -> date | None:
    text = fields.clean(value) if value else ""
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


class _Columns:
    """Positions of the columns the importer reads, found by header name."""

    def __init__(self, header: list[str]) -> None:
        index = {fields.clean(name): position for position, name in enumerate(header)}
        missing = [column for column in REQUIRED_COLUMNS if column not in index]
        if missing:
            raise NppesFormatError(
                f"row 1 (header): missing NPPES column(s): {', '.join(map(repr, missing))}")
        self.width = len(header)
        self.taxonomy_positions = [index[c] for c in COL_TAXONOMY]
        (self.npi, self.entity, self.last, self.first, self.credential, self.address_1,
         self.address_2, self.city, self.state, self.postal, self.country, self.phone,
         self.deactivated, self.reactivated) = (index[c] for c in REQUIRED_COLUMNS[:14])
        # The 15 taxonomy codes of a row as a tuple, and the switch and licence-state
        # positions of each slot (same order).
        self.taxonomy_codes = itemgetter(*self.taxonomy_positions)
        self.primary_switches = [index[c] for c in COL_PRIMARY]
        self.license_states = [index[c] for c in COL_LICENSE_STATE]


class _RowScanner:
    """The data rows of an NPPES file that may list a code of `wanted`, parsed.

    CMS quotes every field, so a line is first split on '","' only up to its last
    taxonomy column. When the fields before that point are all quoted with no quote
    inside (the line starts with a quote and that stretch holds no quotes but the
    separators'), the split fields are the columns; when the line also ends outside a
    quoted field (an odd number of quotes after the stretch: a line break inside a field
    leaves it even) the line is a whole record. Such a record whose 15 taxonomy fields
    hold no wanted code is counted in `without_codes` and never decoded or parsed. Every
    other line - a wanted code, a quote or a line break inside a field, fields left
    unquoted by a spreadsheet, a short row - goes to `csv.reader`, which reads on over
    as many lines as its record takes. Rows are numbered by record, header = 1.
    """

    def __init__(self, handle: BinaryIO, columns: _Columns, wanted: frozenset[str]) -> None:
        self._handle = handle
        self._split = max(columns.taxonomy_positions) + 1
        self._codes = columns.taxonomy_codes  # works on the split bytes as on parsed rows
        self._wanted = frozenset(code.encode("ascii") for code in wanted)
        self._pending: list[bytes] = []
        self._csv = csv.reader(self._lines())
        self.without_codes = 0
        self.row_number = 1

    def _lines(self) -> Iterator[str]:
        """The line handed over by `__iter__`, then the lines a multi-line record goes on to."""
        while True:
            line = self._pending.pop() if self._pending else self._handle.readline()
            if not line:
                return
            yield line.decode("utf-8", "replace")

    def __iter__(self) -> Iterator[list[str]]:
        separator, quote, wanted, codes, split = b'","', b'"', self._wanted, self._codes, self._split
        stretch_quotes = 2 * split + 1  # the first field's opening quote and the separators'
        row_number, without_codes = self.row_number, 0
        try:
            for line in self._handle:
                row_number += 1
                fields = line.split(separator, split)
                stretch = len(line) - len(fields[-1])
                if (len(fields) > split and line[0] == 34  # 34: the quote
                        and line.count(quote, 0, stretch) == stretch_quotes
                        and line.count(quote, stretch) % 2
                        and wanted.isdisjoint(codes(fields))):
                    without_codes += 1
                    continue
                self.row_number = row_number
                self._pending.append(line)
                values = next(self._csv, None)
                if values is not None:
                    yield values
        finally:
            self.row_number = row_number
            self.without_codes += without_codes


def read_header(handle: BinaryIO) -> list[str]:
    """The first record of the file, parsed."""
    line = handle.readline()
    if not line:
        raise NppesFormatError("the file is empty (no header row)")
    return next(csv.reader([line.decode("utf-8", "replace")]))


def _padded(values: list[str], width: int) -> list[str]:
    """`values` with empty fields added at the end up to `width` (the header's)."""
    if len(values) < width:
        values.extend([""] * (width - len(values)))
    return values


class _Skip(Exception):
    """The row is not kept; str(skip) is the reason counted in the report."""


def _state_code(value: str) -> tuple[str | None, str | None]:
    """(code, fix) for a state as NPPES writes it; code None when it is not a US place."""
    text = fields.clean(value).upper()
    if text in STATE_NAMES:
        return text, None
    if text in FREELY_ASSOCIATED_STATES:
        return text, "state FM/MH/PW (freely associated state) kept as is"
    code = state_code(text) if len(text) > 2 else None
    return code, ("state written as a name, replaced by its code" if code else None)


def _phone(value: str) -> tuple[str, str | None]:
    """(NNN-NNN-NNNN, fix) from an NPPES phone; _Skip when there is no usable number."""
    # NPPES writes most phones as 10 bare digits; isdecimal() is what \d matches
    digits = value if len(value) == 10 and value.isdecimal() else fields.NON_DIGITS.sub("", value)
    fix = None
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    elif len(digits) > 10:
        digits = digits[1:11] if digits[0] == "1" and digits[1] in "01" else digits[:10]
        fix = "phone longer than 10 digits, first 10 kept"
    if len(digits) != 10 or digits[0] in "01":
        raise _Skip("no usable practice phone")
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}", fix


def _require_active_individual(values: list[str], at: _Columns) -> None:
    """_Skip for a deactivated NPI or an organisation; ColumnError for a bad date or type."""
    deactivated = _date(values[at.deactivated], COL_DEACTIVATED)
    if deactivated:
        reactivated = _date(values[at.reactivated], COL_REACTIVATED)
        if not (reactivated and reactivated >= deactivated):
            raise _Skip("deactivated NPI")
    entity = values[at.entity].strip()
    if entity == "2":
        raise _Skip("organisation")
    if entity != "1":
        raise ColumnError(COL_ENTITY, f"{entity!r} is not 1 or 2")


def _us_practice(values: list[str], at: _Columns, fixes: list[str]) -> tuple[str, str]:
    """(state code, phone) of a practice location in the US; _Skip otherwise."""
    if values[at.country].strip().upper() not in ("", "US"):
        raise _Skip("practice outside the US")
    raw_state = values[at.state]
    if raw_state.strip().upper() in MILITARY_STATES:
        raise _Skip("military mail address")
    state, state_fix = _state_code(raw_state)
    if state is None:
        raise _Skip("practice state not a US state or territory")
    if not values[at.phone].strip():
        raise _Skip("no practice phone")
    phone, phone_fix = _phone(values[at.phone])
    fixes.extend(fix for fix in (state_fix, phone_fix) if fix)
    return state, phone


def _npi(value: str) -> str:
    npi = value.strip()
    if not (len(npi) == 10 and npi.isdigit() and npi.isascii()):
        raise ColumnError(COL_NPI, f"{npi!r} is not 10 digits")
    if not npi_check_digit_ok(npi):
        raise ColumnError(COL_NPI, f"{npi!r} has a wrong check digit")
    return npi


class _Taxonomy(NamedTuple):
    matched: frozenset[str]  # the psychotherapy codes listed
    licensed: set[str]  # the licence states of those codes
    primary: str | None  # the code NPPES marks primary (a lone code counts as marked)
    mental_health_primary: bool
    shown: str  # the code the bot shows: the primary if a psychotherapy code, else the first


def _taxonomy(values: list[str], codes: tuple[str, ...], at: _Columns,
              fixes: list[str]) -> _Taxonomy:
    """The clinician's codes, from `codes` (the row's 15 taxonomy slots, one matching)."""
    matched: list[str] = []
    licensed: set[str] = set()
    primary = lone = None
    listed = 0
    for slot, raw_code in enumerate(codes):
        code = raw_code.strip() if raw_code else ""
        if not code:
            continue
        listed += 1
        lone = code
        if primary is None and values[at.primary_switches[slot]].strip().upper() == "Y":
            primary = code
        if code not in PSYCHOTHERAPY_CODES:
            continue
        matched.append(code)
        raw_license_state = values[at.license_states[slot]]
        if not raw_license_state.strip():
            continue
        license_state, license_fix = _state_code(raw_license_state)
        if license_state is None:
            fixes.append("licence state not a US state, dropped")
        else:
            licensed.add(license_state)
            if license_fix:
                fixes.append(f"licence {license_fix}")
    if primary is None and listed == 1:
        primary = lone
    # With no primary marked, the clinician counts as mental-health primary when every
    # code listed is a psychotherapy code.
    mental_health_primary = (primary in PSYCHOTHERAPY_CODES if primary is not None
                             else len(matched) == listed)
    shown = primary if primary in PSYCHOTHERAPY_CODES else matched[0]
    return _Taxonomy(frozenset(matched), licensed, primary, mental_health_primary, shown)


def _row(values: list[str], codes: tuple[str, ...], at: _Columns,
         report: ImportReport) -> dict[str, Any]:
    """The providers row for a line whose taxonomy `codes` include a psychotherapy code;
    _Skip or ColumnError otherwise. Fixes are counted only for a row that is kept."""
    _require_active_individual(values, at)
    fixes: list[str] = []
    state, phone = _us_practice(values, at, fixes)
    npi = _npi(values[at.npi])
    last = _display(values[at.last])
    if not last:
        raise ColumnError(COL_LAST, "required value is empty")
    try:
        postal_code = fields.postal_code(values[at.postal])
    except FieldError:
        postal_code = None
        fixes.append("ZIP not 5 or 9 digits, blanked")
    taxonomy = _taxonomy(values, codes, at, fixes)
    for fix in fixes:
        report.fix(fix)

    first = _display(values[at.first])
    address = ", ".join(filter(None, (fields.clean(values[at.address_1]),
                                      fields.clean(values[at.address_2]))))
    licensed = taxonomy.licensed
    licensed.discard(state)
    return {
        "source": SOURCE,
        "source_key": npi,
        "name": f"{first} {last}" if first else last,
        "state": state,
        "credentials": fields.optional(values[at.credential]),
        "approaches": _NOT_LISTED,
        "help_types": _NOT_LISTED,
        "insurance": _NOT_LISTED,
        "telehealth": None,
        "phone": phone,
        "booking_url": None,
        "address": _display(address) or None,
        "city": _display(values[at.city]) or None,
        "postal_code": postal_code,
        "licensed_states": frozenset(licensed),
        "taxonomies": taxonomy.matched,
        "primary_taxonomy": taxonomy.primary,
        "mental_health_primary": taxonomy.mental_health_primary,
        "clinician_taxonomy": taxonomy.shown,
        "clinician_role": role(taxonomy.shown),
    }


def import_nppes(engine: Engine, path: str | Path, prune: bool = False) -> ImportReport:
    """Stream an NPPES npidata_pfile CSV into the directory; see the module docstring.

    With `prune=True` the file is taken as the complete registry: NPPES providers from an
    earlier import that are no longer kept (deactivated, changed taxonomy, gone) are
    deleted; NPIs of rejected rows keep their earlier row.
    """
    report = ImportReport()
    writer = ProviderWriter(engine, SOURCE, report, prune=prune, batch_size=BATCH_SIZE)
    rows: _RowScanner | None = None
    try:
        with open(path, "rb") as handle:
            header = read_header(handle)
            columns = _Columns(header)
            width, taxonomy_codes = columns.width, columns.taxonomy_codes
            rows = _RowScanner(handle, columns, PSYCHOTHERAPY_CODES)
            for values in rows:
                try:
                    codes = taxonomy_codes(values)
                except IndexError:  # a short row: the fields missing at its end are empty
                    codes = taxonomy_codes(_padded(values, width))
                if PSYCHOTHERAPY_CODES.isdisjoint(codes):
                    rows.without_codes += 1
                    continue
                _padded(values, width)
                try:
                    writer.add_row(_row(values, codes, columns, report))
                except _Skip as skip:
                    report.skip(str(skip))
                except ColumnError as error:
                    report.reject(RowRejection(rows.row_number, error.column, error.reason))
                    npi = values[columns.npi].strip()
                    if _TEN_DIGITS.fullmatch(npi):
                        writer.protect(npi)
    except OSError as error:
        raise NppesFormatError(f"cannot read {path}: {error.strerror}") from None
    except csv.Error as error:
        at = rows.row_number if rows else 1
        raise NppesFormatError(f"row {at}: malformed CSV: {error}") from None
    if rows is not None and rows.without_codes:
        report.skipped += rows.without_codes
        report.skip_reasons[SKIP_NO_TAXONOMY] += rows.without_codes
    writer.finish()
    return report
