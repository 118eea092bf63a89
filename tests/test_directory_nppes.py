from pathlib import Path

import pytest
from sqlalchemy import select

from bot.directory import NppesFormatError, get_engine, import_nppes
from bot.directory.models import providers
from bot.directory.nppes import npi_check_digit_ok

FIXTURES = Path(__file__).parent / "fixtures" / "directory"
PFILE = FIXTURES / "npidata_pfile_fixture.csv"


@pytest.fixture
def engine(tmp_path):
    return get_engine(f"sqlite:///{tmp_path / 'directory.db'}")


def rows(engine):
    with engine.connect() as conn:
        return {r.source_key: r for r in conn.execute(select(providers))}


def test_keeps_active_individual_mental_health_clinicians_only(engine):
    report = import_nppes(engine, PFILE)
    assert report.inserted == 3
    assert dict(report.skip_reasons) == {
        "organisation": 1,
        "no mental-health taxonomy": 3,  # family physician, bare deactivation row, child psychiatry
        "deactivated NPI": 1,
        "practice outside the US": 1,
        "no practice phone": 1,
    }
    stored = rows(engine)
    assert set(stored) == {"1000000012", "1000000020", "1000000079"}  # 079 was reactivated
    a = stored["1000000012"]
    assert (a.source, a.name, a.credentials, a.phone) == ("nppes", "Test Provider A", "LMFT", "212-555-0101")
    assert (a.address, a.city, a.state, a.postal_code) == ("1 Test Plaza", "New York", "NY", "10001")
    assert (a.approaches, a.help_types, a.insurance, a.telehealth, a.booking_url) == (
        frozenset(), frozenset(), frozenset(), None, None)
    b = stored["1000000020"]
    assert (b.state, b.postal_code, b.licensed_states) == ("CA", "94110", {"NV"})


EXPECTED_REJECTIONS = [
    (12, "NPI", "'100000011' is not 10 digits"),
    (13, "NPI", "'1000000128' has a wrong check digit"),
    (14, "Provider Business Practice Location Address State Name", "'ZZ' is not"),
    (15, "Provider Business Practice Location Address Postal Code", "'787' is not"),
    (16, "Provider Business Practice Location Address Telephone Number", "not a 10-digit"),
    (17, "Provider Last Name (Legal Name)", "required value is empty"),
]


def test_bad_rows_are_rejected_with_row_and_column(engine):
    report = import_nppes(engine, PFILE)
    assert report.rejected == len(EXPECTED_REJECTIONS)
    got = [(r.row, r.column, r.reason) for r in report.rejections]
    assert [g[:2] for g in got] == [e[:2] for e in EXPECTED_REJECTIONS]
    assert all(g[2].startswith(e[2]) for g, e in zip(got, EXPECTED_REJECTIONS))


def test_second_import_is_idempotent(engine):
    import_nppes(engine, PFILE)
    before = rows(engine)
    again = import_nppes(engine, PFILE)
    assert (again.inserted, again.updated, again.unchanged, again.removed) == (0, 0, 3, 0)
    assert {k: (r.id, r.updated_at) for k, r in rows(engine).items()} == {
        k: (r.id, r.updated_at) for k, r in before.items()}


def test_changed_row_is_updated_and_prune_drops_providers_no_longer_kept(engine, tmp_path):
    import_nppes(engine, PFILE)
    lines = PFILE.read_text().splitlines(keepends=True)
    changed = lines[0] + lines[1].replace('"2125550101"', '"2125550199"')  # only provider A remains
    path = tmp_path / "npidata_pfile_next.csv"
    path.write_text(changed)
    report = import_nppes(engine, path, prune=True)
    assert (report.updated, report.removed) == (1, 2)
    assert {k: r.phone for k, r in rows(engine).items()} == {"1000000012": "212-555-0199"}


def test_missing_column_is_a_file_error(engine):
    with pytest.raises(NppesFormatError, match="Provider Business Practice Location Address State Name"):
        import_nppes(engine, FIXTURES / "npidata_pfile_missing_column.csv")
    assert rows(engine) == {}


def test_npi_check_digit():
    assert npi_check_digit_ok("1234567893")  # the example in the CMS NPI check-digit paper
    assert not npi_check_digit_ok("1234567890")
