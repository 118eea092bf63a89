from pathlib import Path

import pytest
from sqlalchemy import select

from bot.directory import RosterFormatError, get_engine, import_roster
from bot.directory.models import providers

FIXTURES = Path(__file__).parent / "fixtures" / "directory"


@pytest.fixture
def engine(tmp_path):
    return get_engine(f"sqlite:///{tmp_path / 'directory.db'}")


def rows(engine):
    with engine.connect() as conn:
        return {r.source_key: r for r in conn.execute(select(providers).order_by(providers.c.id))}


def test_imports_and_normalises_good_rows(engine):
    report = import_roster(engine, FIXTURES / "roster_good.csv")
    assert (report.inserted, report.updated, report.unchanged, report.rejected) == (3, 0, 0, 0)
    stored = rows(engine)
    a, b, c = stored["r-001"], stored["r-002"], stored["r-003"]
    assert a.source == "roster" and a.name == "Test Provider A" and a.credentials == "LMFT"
    assert a.approaches == {"act", "compassion_focused"}
    assert a.help_types == {"couples", "individual"}
    assert a.insurance == {"aetna", "blue cross blue shield"}
    assert (a.telehealth, a.phone, a.booking_url) == (True, "212-555-0101", "https://example.com/book/a")
    assert (a.address, a.city, a.state, a.postal_code) == ("1 Test Plaza", "New York", "NY", "10001")
    assert a.licensed_states == {"NJ"}
    assert (b.state, b.postal_code, b.telehealth, b.booking_url) == ("NY", "10002", False, None)
    assert b.insurance == frozenset() and b.help_types == {"individual"}
    assert (c.phone, c.telehealth, c.approaches, c.help_types) == (None, None, frozenset(), frozenset())


def test_second_import_is_idempotent_and_counts_updates(engine):
    import_roster(engine, FIXTURES / "roster_good.csv")
    before = rows(engine)
    again = import_roster(engine, FIXTURES / "roster_good.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    after = rows(engine)
    assert [(r.id, r.updated_at) for r in after.values()] == [(r.id, r.updated_at) for r in before.values()]

    changed = import_roster(engine, FIXTURES / "roster_updated.csv")
    assert (changed.inserted, changed.updated, changed.unchanged, changed.removed) == (0, 1, 1, 0)
    after = rows(engine)
    assert after["r-002"].approaches == {"act", "schema"}
    assert after["r-002"].updated_at > before["r-002"].updated_at
    assert "r-003" in after  # kept without --prune


def test_prune_removes_providers_missing_from_the_file(engine):
    import_roster(engine, FIXTURES / "roster_good.csv")
    report = import_roster(engine, FIXTURES / "roster_updated.csv", prune=True)
    assert report.removed == 1
    assert set(rows(engine)) == {"r-001", "r-002"}


EXPECTED_REJECTIONS = [
    (3, "id", "required value is empty"),
    (4, "name", "required value is empty"),
    (5, "state", "required value is empty"),
    (6, "state", "'Freedonia' is not a US state"),
    (7, "zip", "'1001' is not a 5-digit ZIP"),
    (8, "approaches", "unknown code 'cbt'"),
    (9, "telehealth", "'maybe' is not yes, no or empty"),
    (10, "booking_url", "'ftp://example.com/book' is not an http"),
    (11, "phone", "a phone or a booking_url is required"),
    (12, "help_types", "unknown code 'family'"),
    (13, "phone", "not a 10-digit US phone number"),
    (14, "id", "duplicate id, already used on row 2"),
]


def test_bad_rows_are_rejected_with_row_and_column_and_good_rows_still_import(engine):
    report = import_roster(engine, FIXTURES / "roster_bad_rows.csv")
    assert report.inserted == 1 and report.rejected == len(EXPECTED_REJECTIONS)
    got = [(r.row, r.column, r.reason) for r in report.rejections]
    for (row, column, reason), expected in zip(got, EXPECTED_REJECTIONS):
        assert (row, column) == expected[:2]
        assert reason.startswith(expected[2])
    assert len(got) == len(EXPECTED_REJECTIONS)
    assert str(report.rejections[0]) == "row 3, column 'id': required value is empty"
    assert set(rows(engine)) == {"r-101"}
    assert rows(engine)["r-101"].name == "Test Provider Good"  # the duplicate did not overwrite it


def test_phone_numbers_are_not_echoed_in_rejections(engine):
    report = import_roster(engine, FIXTURES / "roster_bad_rows.csv")
    assert not any("555-01" in r.reason for r in report.rejections)


def test_prune_keeps_providers_whose_new_row_was_rejected(engine, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("id,name,state,phone,booking_url\nr-1,Test Provider A,NY,212-555-0101,\n"
                    "r-2,Test Provider B,NY,212-555-0102,\n")
    import_roster(engine, good)
    broken = tmp_path / "broken.csv"
    broken.write_text("id,name,state,phone,booking_url\nr-1,Test Provider A,NY,212-555-0101,\n"
                      "r-2,Test Provider B,Nowhere,212-555-0102,\n")
    report = import_roster(engine, broken, prune=True)
    assert (report.rejected, report.removed) == (1, 0)
    assert set(rows(engine)) == {"r-1", "r-2"}


def test_missing_required_column_rejects_the_whole_file(engine):
    with pytest.raises(RosterFormatError, match="missing required column.*state"):
        import_roster(engine, FIXTURES / "roster_missing_column.csv")
    assert rows(engine) == {}


@pytest.mark.parametrize("content, message", [
    ("id,name,state,phone,booking_url,aproaches\n", "unknown column.*'aproaches'"),
    ("id,name,state,phone,booking_url,name\n", "duplicated column.*name"),
    ("", "empty"),
])
def test_bad_headers_are_file_errors(engine, tmp_path, content, message):
    path = tmp_path / "roster.csv"
    path.write_text(content)
    with pytest.raises(RosterFormatError, match=message):
        import_roster(engine, path)


def test_header_is_case_insensitive_and_order_free_with_bom(engine, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("\ufeffState,Booking_URL,Phone,Name,ID\nCA,https://example.com/x,,Test Provider X,x-1\n",
                    encoding="utf-8")
    report = import_roster(engine, path)
    assert report.inserted == 1
    assert rows(engine)["x-1"].state == "CA"


def test_unreadable_file_is_a_file_error(engine, tmp_path):
    with pytest.raises(RosterFormatError, match="cannot read"):
        import_roster(engine, tmp_path / "absent.csv")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("id,name,state,phone,booking_url\nr-1,Test Provider \xc9,NY,212-555-0101,\n"
                       .encode("latin-1"))
    with pytest.raises(RosterFormatError, match="not UTF-8"):
        import_roster(engine, latin1)
