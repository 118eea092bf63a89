import pytest

from bot.directory.locations import Location, parse_location
from bot.directory.zip_prefixes import ZIP_PREFIX_STATE, state_for_zip


@pytest.mark.parametrize("text, expected", [
    ("CA", Location("CA")),
    ("ny", Location("NY")),
    ("california", Location("CA")),
    ("New York", Location("NY")),
    ("  NEW   hampshire ", Location("NH")),
    ("washington dc", Location("DC")),
    ("Washington, D.C.", Location("DC")),
    ("District of Columbia", Location("DC")),
    ("washington", Location("WA")),
    ("West Virginia", Location("WV")),
    ("virginia", Location("VA")),
    ("arkansas", Location("AR")),
    ("I live in north carolina", Location("NC")),
    ("94110", Location("CA", "94110")),
    ("94110-1234", Location("CA", "94110")),
    ("my zip is 10001", Location("NY", "10001")),
    ("02720", Location("MA", "02720")),   # SCF in Providence RI, addresses in Fall River MA
    ("97914", Location("OR", "97914")),   # SCF in Boise ID, addresses in Ontario OR
    ("20500", Location("DC", "20500")),
    ("00901", Location("PR", "00901")),
    ("99501", Location("AK", "99501")),
])
def test_recognises_states_and_zip_codes(text, expected):
    assert parse_location(text) == expected


@pytest.mark.parametrize("text", [
    "", "   ", "hello", "ZZ", "Freedonia", "1234", "123456",
    "00100",  # unassigned prefix
    "09012",  # military mail (AE)
    "96910",  # 969 is shared by several Pacific territories
])
def test_unknown_text_gives_none(text):
    assert parse_location(text) is None


def test_two_letter_codes_count_only_as_the_whole_text():
    assert parse_location("in") == Location("IN")
    assert parse_location("ok i am in or near me") is None


def test_zip_table_covers_every_state_and_only_known_codes():
    assert set(ZIP_PREFIX_STATE.values()) == {
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL",
        "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE",
        "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD",
        "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR", "VI"}
    assert state_for_zip("73301") == "TX"   # 733 is Austin TX inside Oklahoma's range
    assert state_for_zip("88510") == "TX"   # 885 is El Paso TX inside New Mexico's range


def test_location_rejects_bad_values():
    with pytest.raises(ValueError):
        Location("ZZ")
    with pytest.raises(ValueError):
        Location("CA", "9411")
