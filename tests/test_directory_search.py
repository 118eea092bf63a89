from dataclasses import replace

import pytest

from bot.directory import fields
from bot.directory import Location, SearchCriteria, get_engine, search_providers
from bot.directory.models import ProviderRecord
from bot.directory.upsert import ImportReport, ProviderWriter

BASE = ProviderRecord(source="roster", source_key="", name="", state="NY",
                      phone="212-555-0100", postal_code="10001")


@pytest.fixture
def engine(tmp_path):
    return get_engine(f"sqlite:///{tmp_path / 'directory.db'}")


def add(engine, *records):
    by_source: dict[str, list[ProviderRecord]] = {}
    for number, record in enumerate(records):
        key = record.source_key or f"k{number}"
        by_source.setdefault(record.source, []).append(replace(record, source_key=key))
    for source, items in by_source.items():
        writer = ProviderWriter(engine, source, ImportReport())
        for item in items:
            writer.add(item)
        writer.finish()


def provider(name, **fields):
    return replace(BASE, name=name, **fields)


def names(matches):
    return [m.name for m in matches]


def criteria(location=Location("NY", "10001"), **fields):
    return SearchCriteria(location=location, **{"help_type": "couples", **fields})


def test_only_providers_in_the_users_state(engine):
    add(engine, provider("Test Provider NY"), provider("Test Provider NJ", state="NJ", postal_code="07001"))
    assert names(search_providers(engine, criteria(Location("NY")))) == ["Test Provider NY"]
    assert names(search_providers(engine, criteria(Location("NJ")))) == ["Test Provider NJ"]
    assert search_providers(engine, criteria(Location("CA"))) == []


def test_same_zip_then_same_prefix_then_state(engine):
    add(engine,
        provider("Test Provider Albany", postal_code="12207"),
        provider("Test Provider Manhattan 10002", postal_code="10002"),
        provider("Test Provider Manhattan 10001", postal_code="10001"))
    matches = search_providers(engine, criteria(Location("NY", "10001")))
    assert names(matches) == ["Test Provider Manhattan 10001", "Test Provider Manhattan 10002",
                              "Test Provider Albany"]
    assert [m.proximity for m in matches] == ["same_zip", "same_area", "same_state"]


def test_limit_and_deterministic_tie_break_by_name(engine):
    add(engine, *(provider(f"Test Provider {letter}") for letter in "DBECA"))
    assert names(search_providers(engine, criteria(), limit=3)) == [
        "Test Provider A", "Test Provider B", "Test Provider C"]
    assert len(search_providers(engine, criteria(), limit=10)) == 5
    with pytest.raises(ValueError):
        search_providers(engine, criteria(), limit=0)


def test_telehealth_providers_anywhere_in_state_rank_with_same_zip_when_wanted(engine):
    add(engine,
        provider("Test Provider Near", postal_code="10002", telehealth=False),
        provider("Test Provider Far Online", postal_code="14201", telehealth=True))
    assert names(search_providers(engine, criteria(telehealth=False))) == [
        "Test Provider Near", "Test Provider Far Online"]
    matches = search_providers(engine, criteria(telehealth=True))
    assert names(matches) == ["Test Provider Far Online", "Test Provider Near"]
    assert matches[0].proximity == "telehealth"


def test_out_of_state_telehealth_only_when_licensed_here_and_wanted(engine):
    add(engine,
        provider("Test Provider NJ Online", state="NJ", postal_code="07001", telehealth=True,
                 licensed_states=frozenset({"NY"})),
        provider("Test Provider NJ Office", state="NJ", postal_code="07001", telehealth=False,
                 licensed_states=frozenset({"NY"})),
        provider("Test Provider NJ Unknown", state="NJ", postal_code="07001",
                 licensed_states=frozenset({"NY"})),
        provider("Test Provider NY", postal_code="14201"))
    assert names(search_providers(engine, criteria(telehealth=False))) == ["Test Provider NY"]
    matches = search_providers(engine, criteria(telehealth=True))
    assert names(matches) == ["Test Provider NY", "Test Provider NJ Online"]
    assert matches[0].unconfirmed == ("help_type", "telehealth")
    assert matches[1].unconfirmed == ("help_type",)
    assert matches[1].proximity == "out_of_state_telehealth"


def test_help_type_explicit_first_not_listed_next_other_excluded(engine):
    add(engine,
        provider("Test Provider A Unlisted", help_types=frozenset()),
        provider("Test Provider B Couples", help_types=frozenset({"couples", "individual"})),
        provider("Test Provider C Individual only", help_types=frozenset({"individual"})))
    matches = search_providers(engine, criteria(help_type="couples"))
    assert names(matches) == ["Test Provider B Couples", "Test Provider A Unlisted"]
    assert [m.unconfirmed for m in matches] == [(), ("help_type",)]


def test_approach_unconfirmed_when_not_listed_and_any_means_no_filter(engine):
    add(engine,
        provider("Test Provider A Unlisted", help_types=frozenset({"couples"})),
        provider("Test Provider B Schema", help_types=frozenset({"couples"}),
                 approaches=frozenset({"schema"})),
        provider("Test Provider C ACT", help_types=frozenset({"couples"}),
                 approaches=frozenset({"act", "compassion_focused"})))
    matches = search_providers(engine, criteria(approach="act"))
    assert names(matches) == ["Test Provider C ACT", "Test Provider A Unlisted"]
    assert matches[0].approaches == ("act", "compassion_focused")
    assert matches[1].unconfirmed == ("approach",)
    anything = search_providers(engine, criteria(approach="any"))
    assert len(anything) == 3 and all(m.unconfirmed == () for m in anything)


def test_preference_confirmation_outranks_proximity(engine):
    add(engine,
        provider("Test Provider Next Door", postal_code="10001", help_types=frozenset()),
        provider("Test Provider Upstate", postal_code="14201", help_types=frozenset({"couples"})))
    assert names(search_providers(engine, criteria())) == [
        "Test Provider Upstate", "Test Provider Next Door"]


def test_insurance_matching_by_whole_words(engine):
    add(engine,
        provider("Test Provider Aetna", insurance=frozenset({"aetna", "cigna"})),
        provider("Test Provider BCBS", insurance=frozenset({"blue cross blue shield"})),
        provider("Test Provider Medicare", insurance=frozenset({"medicare"})),
        provider("Test Provider Unlisted"))
    assert names(search_providers(engine, criteria(insurance="AETNA"))) == [
        "Test Provider Aetna", "Test Provider Unlisted"]
    assert names(search_providers(engine, criteria(insurance="Blue Cross"))) == [
        "Test Provider BCBS", "Test Provider Unlisted"]
    # "care" is not a word of "medicare": only the provider that lists nothing is left
    only_unlisted = search_providers(engine, criteria(insurance="care"))
    assert names(only_unlisted) == ["Test Provider Unlisted"]
    assert only_unlisted[0].unconfirmed == ("help_type", "insurance")
    assert len(search_providers(engine, criteria(insurance=None), limit=10)) == 4


def test_insurers_are_found_by_the_names_people_type(engine):
    add(engine,
        provider("Test Provider Anthem", insurance=frozenset({"anthem blue cross"})),
        provider("Test Provider BCBS", insurance=frozenset({fields.insurance_name("BCBS of Texas")})),
        provider("Test Provider UHC", insurance=frozenset({fields.insurance_name("United Health Care")})),
        provider("Test Provider Aetna", insurance=frozenset({"aetna"})))
    both_blues = ["Test Provider Anthem", "Test Provider BCBS"]
    for typed in ("bcbs", "Blue Cross Blue Shield of Illinois", "blue cross"):
        assert sorted(names(search_providers(engine, criteria(insurance=typed)))) == both_blues
    assert names(search_providers(engine, criteria(insurance="uhc"))) == ["Test Provider UHC"]
    assert names(search_providers(engine, criteria(insurance="aetana"))) == ["Test Provider Aetna"]  # a typo


@pytest.mark.parametrize("typed, stored", [
    ("BCBS", "blue cross blue shield"),
    ("Blue Cross Blue Shield of Illinois", "blue cross blue shield"),
    ("united health care", "unitedhealthcare"),
    ("kaiser", "kaiser permanente"),
    ("aetana", "aetna"),
    ("Aetna Medicare", "aetna medicare"),   # another plan: kept
    ("Some Local Plan", "some local plan"),
])
def test_insurance_name(typed, stored):
    assert fields.insurance_name(typed) == stored


def test_roster_before_nppes_when_otherwise_equal(engine):
    add(engine,
        provider("Test Provider A", source="nppes", source_key="1234567893"),
        provider("Test Provider B", source="roster"))
    assert [m.source for m in search_providers(engine, criteria())] == ["roster", "nppes"]


def test_no_match_returns_empty_list(engine):
    add(engine, provider("Test Provider Individual", help_types=frozenset({"individual"})))
    assert search_providers(engine, criteria(help_type="couples")) == []


def test_match_carries_display_fields(engine):
    add(engine, provider("Test Provider A", credentials="LMFT", city="New York",
                         booking_url="https://example.com/a", telehealth=True,
                         help_types=frozenset({"couples"})))
    (match,) = search_providers(engine, criteria())
    assert (match.name, match.credentials, match.phone, match.booking_url, match.city,
            match.state, match.telehealth, match.help_types) == (
        "Test Provider A", "LMFT", "212-555-0100", "https://example.com/a", "New York",
        "NY", True, ("couples",))


@pytest.mark.parametrize("fields", [{"help_type": "family"}, {"approach": "cbt"}])
def test_criteria_reject_unknown_values(fields):
    with pytest.raises(ValueError):
        SearchCriteria(location=Location("NY"), **{"help_type": "couples", **fields})


def test_query_compiles_for_postgresql():
    from sqlalchemy.dialects import postgresql

    from bot.directory.search import _build_query

    query, _ = _build_query(criteria(approach="act", insurance="Aetna", telehealth=True), 3)
    sql = str(query.compile(dialect=postgresql.dialect()))
    assert "LIKE" in sql and "LIMIT" in sql
