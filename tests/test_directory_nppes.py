import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.directory import NppesFormatError, get_engine, import_nppes
from bot.directory.models import providers
from bot.directory.nppes import SKIP_NO_TAXONOMY, npi_check_digit_ok
from bot.directory.taxonomy import NUCC_VERSION, PSYCHOTHERAPY_CODES, clinician_words, role

FIXTURES = Path(__file__).parent / "fixtures" / "directory"
PFILE = FIXTURES / "npidata_pfile_fixture.csv"
LABELLED = FIXTURES / "npidata_pfile_labelled.csv"
LABELS = FIXTURES / "npidata_pfile_labelled_expected.csv"


@pytest.fixture
def engine(tmp_path):
    return get_engine(f"sqlite:///{tmp_path / 'directory.db'}")


def rows(engine):
    with engine.connect() as conn:
        return {r.source_key: r for r in conn.execute(select(providers))}


def test_keeps_active_individual_psychotherapy_clinicians_only(engine):
    report = import_nppes(engine, PFILE)
    assert report.inserted == 4
    assert dict(report.skip_reasons) == {
        "organisation": 1,
        "no psychotherapy taxonomy": 3,  # family physician, bare deactivation row, child psychiatry
        "deactivated NPI": 1,
        "practice outside the US": 1,
        "no practice phone": 1,
        "practice state not a US state or territory": 1,  # "ZZ"
        "no usable practice phone": 1,  # "55501"
    }
    assert dict(report.fixes) == {"ZIP not 5 or 9 digits, blanked": 1}
    stored = rows(engine)
    # 079 was reactivated; 145 has the 3-digit ZIP, kept without it
    assert set(stored) == {"1000000012", "1000000020", "1000000079", "1000000145"}
    a = stored["1000000012"]
    assert (a.source, a.name, a.credentials, a.phone) == ("nppes", "Test Provider A", "LMFT", "212-555-0101")
    assert (a.address, a.city, a.state, a.postal_code) == ("1 Test Plaza", "New York", "NY", "10001")
    assert (a.approaches, a.help_types, a.insurance, a.telehealth, a.booking_url) == (
        frozenset(), frozenset(), frozenset(), None, None)
    assert (a.taxonomies, a.primary_taxonomy, a.mental_health_primary, a.clinician_role) == (
        {"106H00000X"}, "106H00000X", True, "therapist")
    b = stored["1000000020"]
    assert (b.state, b.postal_code, b.licensed_states) == ("CA", "94110", {"NV"})
    # a family physician (primary) who also holds a clinical social worker code
    assert (b.taxonomies, b.primary_taxonomy, b.mental_health_primary) == (
        {"1041C0700X"}, "207Q00000X", False)
    assert (b.clinician_taxonomy, b.clinician_role) == ("1041C0700X", "therapist")
    assert stored["1000000079"].clinician_role == "prescriber"
    assert stored["1000000145"].postal_code is None


EXPECTED_REJECTIONS = [
    (12, "NPI", "'100000011' is not 10 digits"),
    (13, "NPI", "'1000000128' has a wrong check digit"),
    (17, "Provider Last Name (Legal Name)", "required value is empty"),
]


def test_only_rows_that_cannot_name_a_provider_are_rejected(engine):
    report = import_nppes(engine, PFILE)
    assert report.rejected == len(EXPECTED_REJECTIONS)
    got = [(r.row, r.column, r.reason) for r in report.rejections]
    assert [g[:2] for g in got] == [e[:2] for e in EXPECTED_REJECTIONS]
    assert all(g[2].startswith(e[2]) for g, e in zip(got, EXPECTED_REJECTIONS))


def labels():
    with open(LABELS, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_labelled_file_every_row_gets_its_labelled_outcome(engine):
    """2,000 rows with the real 330-column header (bench/nppes_import.py labelled)."""
    report = import_nppes(engine, LABELLED)
    expected = labels()
    assert len(expected) == 2000
    stored = rows(engine)
    kept = {row["npi"]: row for row in expected if row["outcome"] == "kept"}
    assert set(stored) == set(kept)  # recall and precision 1.0
    for npi, label in kept.items():
        got = stored[npi]
        assert (got.primary_taxonomy or "", str(got.mental_health_primary), got.clinician_role) == (
            label["primary_taxonomy"], label["mental_health_primary"], label["clinician_role"]), npi
        assert got.clinician_taxonomy in got.taxonomies
    skipped = Counter(row["reason"] for row in expected if row["outcome"] == "skipped")
    assert report.skip_reasons == skipped
    rejected = sorted(row["npi"] for row in expected if row["outcome"] == "rejected")
    assert report.rejected == len(rejected) == 20
    fixed = Counter(row["fix"] for row in kept.values() if row["fix"])
    assert sum(report.fixes.values()) == sum(fixed.values()) == 140


def test_odd_fields_are_normalised_or_blanked_and_the_row_kept(engine):
    import_nppes(engine, LABELLED)
    stored = rows(engine)
    by_fix: dict[str, list] = {}
    for label in labels():
        if label["fix"]:
            by_fix.setdefault(label["fix"], []).append(stored[label["npi"]])
    assert {r.state for r in by_fix["state FM/MH/PW"]} == {"FM", "MH", "PW"}
    assert {r.state for r in by_fix["state written out"]} <= {
        "NY", "OH", "CA", "IL", "TX", "AZ", "PA", "MO", "OR", "MA", "WA", "CO", "GA", "FL", "MN"}
    assert all(re.fullmatch(r"212-555-0\d{3}", r.phone) for r in by_fix["phone of 14 digits"])
    assert all(r.licensed_states == frozenset() for r in by_fix["bad licence state"])
    assert all(r.postal_code is None for r in by_fix["bad ZIP"])


def test_the_taxonomy_list_is_the_nucc_data_file():
    assert NUCC_VERSION == "25.1"
    # the psychotherapy codes the first importer skipped
    for code in ("103TC1900X", "103TH0100X", "103G00000X", "102L00000X", "101YA0400X",
                 "2084P0802X", "2084P0805X", "2084F0202X"):
        assert code in PSYCHOTHERAPY_CODES, code
    assert "2084P0804X" not in PSYCHOTHERAPY_CODES  # child & adolescent psychiatry
    assert (role("106H00000X"), role("363LP0808X"), role("1223G0001X")) == (
        "therapist", "prescriber", None)
    assert clinician_words("1041C0700X") == "clinical social worker"


def test_second_import_is_idempotent(engine):
    import_nppes(engine, PFILE)
    before = rows(engine)
    again = import_nppes(engine, PFILE)
    assert (again.inserted, again.updated, again.unchanged, again.removed) == (0, 0, 4, 0)
    assert {k: (r.id, r.updated_at) for k, r in rows(engine).items()} == {
        k: (r.id, r.updated_at) for k, r in before.items()}


def test_changed_row_is_updated_and_prune_drops_providers_no_longer_kept(engine, tmp_path):
    import_nppes(engine, PFILE)
    lines = PFILE.read_text().splitlines(keepends=True)
    changed = lines[0] + lines[1].replace('"2125550101"', '"2125550199"')  # only provider A remains
    path = tmp_path / "npidata_pfile_next.csv"
    path.write_text(changed)
    report = import_nppes(engine, path, prune=True)
    assert (report.updated, report.removed) == (1, 3)
    assert {k: r.phone for k, r in rows(engine).items()} == {"1000000012": "212-555-0199"}


def test_missing_column_is_a_file_error(engine):
    with pytest.raises(NppesFormatError, match="Provider Business Practice Location Address State Name"):
        import_nppes(engine, FIXTURES / "npidata_pfile_missing_column.csv")
    assert rows(engine) == {}


def test_npi_check_digit():
    assert npi_check_digit_ok("1234567893")  # the example in the CMS NPI check-digit paper
    assert not npi_check_digit_ok("1234567890")


def test_a_database_from_before_the_taxonomy_columns_gets_them(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = get_engine(url)
    with engine.begin() as conn:
        for column in ("taxonomies", "primary_taxonomy", "mental_health_primary",
                       "clinician_taxonomy", "clinician_role"):
            conn.exec_driver_sql(f"ALTER TABLE providers DROP COLUMN {column}")
        conn.exec_driver_sql(
            "INSERT INTO providers (source, source_key, name, approaches, help_types, insurance,"
            " state, licensed_states, updated_at) VALUES"
            " ('roster', 'r1', 'Old Row', '', '', '', 'NY', '', '2024-01-01 00:00:00')")
    (old,) = rows(get_engine(url)).values()
    assert (old.name, old.taxonomies, old.primary_taxonomy, old.clinician_role) == (
        "Old Row", frozenset(), None, None)
    assert import_nppes(get_engine(url), PFILE).inserted == 4


def test_first_import_with_a_key_repeated_in_a_later_batch_updates_it(engine):
    # A first import inserts batches without looking keys up; a key already written by an
    # earlier batch makes the unique constraint refuse the batch, which is then upserted.
    from bot.directory.models import ProviderRecord
    from bot.directory.upsert import ImportReport, ProviderWriter

    report = ImportReport()
    writer = ProviderWriter(engine, "nppes", report, batch_size=2)
    for key, name in (("1", "A"), ("2", "B"), ("1", "A2"), ("3", "C")):
        writer.add(ProviderRecord(source="nppes", source_key=key, name=name, state="NY",
                                  taxonomies=frozenset({"106H00000X"})))
    writer.finish()
    assert (report.inserted, report.updated, report.unchanged) == (3, 1, 0)
    stored = rows(engine)
    assert {key: r.name for key, r in stored.items()} == {"1": "A2", "2": "B", "3": "C"}
    assert stored["1"].taxonomies == {"106H00000X"}


@pytest.mark.parametrize("width", [51, 200])  # cut inside the taxonomy columns, after them
def test_a_short_row_reads_its_missing_fields_as_empty(engine, tmp_path, width):
    with open(PFILE, newline="", encoding="utf-8") as handle:
        header, first, *_ = csv.reader(handle)
    assert first[0] == "1000000012" and first[47] == "106H00000X" and first[50] == "Y"
    path = tmp_path / "short.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL).writerows([header, first[:width]])
    report = import_nppes(engine, path)
    assert (report.inserted, report.skipped, report.rejected) == (1, 0, 0)
    assert rows(engine)["1000000012"].primary_taxonomy == "106H00000X"


def _labelled_with_tricky_rows() -> tuple[list[str], list[list[str]], set[str]]:
    """The labelled fixture plus rows that a shortcut reading only some columns would get
    wrong, and the NPIs a correct import keeps."""
    with open(LABELLED, newline="", encoding="utf-8") as handle:
        header, *body = csv.reader(handle)
    at = {name: i for i, name in enumerate(header)}
    kept = {row["npi"] for row in labels() if row["outcome"] == "kept"}
    template = next(values for values in body if values[0] in kept)
    other = next(values for values in body
                 if PSYCHOTHERAPY_CODES.isdisjoint(values[at["Healthcare Provider Taxonomy Code_1"]:]))

    def variant(base: list[str], npi: str, **columns: str) -> list[str]:
        values = list(base)
        values[0] = npi
        for column, value in columns.items():
            values[at[column]] = value
        return values

    street = "Provider First Line Business Practice Location Address"
    late = "Other Provider Identifier_49"  # a column after the taxonomy columns
    tricky = [
        # kept: quoted fields holding a line break, early or late, or '","' (the separator)
        variant(template, "1000000004", **{street: "12 Main St\nSuite 3"}),
        variant(template, "1000000012", **{street: 'The "A","B" Building'}),
        variant(template, "1000000038", **{late: "A1\n\"B2\""}),
        # skipped: a psychotherapy code outside the taxonomy columns, line breaks
        variant(other, "1000000020", **{"Other Provider Identifier_1": "103T00000X",
                                        street: "9 Elm St\n"}),
        variant(other, "1000000046", **{late: "\n103T00000X"}),
    ]
    return header, body + tricky, kept | {"1000000004", "1000000012", "1000000038"}


@pytest.mark.parametrize("quoting,line_end", [(csv.QUOTE_ALL, "\n"), (csv.QUOTE_ALL, "\r\n"),
                                              (csv.QUOTE_MINIMAL, "\n")])
def test_every_csv_style_gives_the_same_import(engine, tmp_path, quoting, line_end):
    """CMS quotes every field; a file saved again by a spreadsheet may not, may end lines
    with CRLF, and any field may hold a quote, a comma or a line break."""
    header, body, kept = _labelled_with_tricky_rows()
    path = tmp_path / "styled.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, quoting=quoting, lineterminator=line_end).writerows([header, *body])
    report = import_nppes(engine, path)
    stored = rows(engine)
    assert set(stored) == kept
    assert stored["1000000004"].address.startswith("12 Main St Suite 3")
    assert stored["1000000012"].address.startswith('The "A","B" Building')
    assert report.skip_reasons[SKIP_NO_TAXONOMY] == 682
    assert report.inserted + report.skipped + report.rejected == len(body)
    # row numbers count records, not lines: the rejections are where they were
    plain = import_nppes(get_engine(f"sqlite:///{tmp_path / 'plain.db'}"), LABELLED)
    assert [r.row for r in report.rejections] == [r.row for r in plain.rejections]
