"""Ranking by NPPES taxonomy (primary code, therapist or prescriber) and how matches read."""
from dataclasses import replace

import pytest

from bot.directory import Location, SearchCriteria, get_engine, import_nppes, search_providers
from bot.directory.models import ProviderRecord
from bot.directory.upsert import ImportReport, ProviderWriter
from bot.therapist_search import NPI_NOTE, describe_matches
from tests.test_directory_nppes import PFILE

NPPES = ProviderRecord(source="nppes", source_key="", name="", state="NY", phone="212-555-0100",
                       postal_code="10001", mental_health_primary=True, clinician_role="therapist")
# Same ZIP as the user for the ones that should lose, so proximity cannot explain the order.
DENTIST = replace(NPPES, name="A Dentist", credentials="D.D.S.", taxonomies=frozenset({"101YM0800X"}),
                  primary_taxonomy="1223G0001X", mental_health_primary=False,
                  clinician_taxonomy="101YM0800X")
PSYCHIATRIST = replace(NPPES, name="B Psychiatrist", credentials="M.D.",
                       taxonomies=frozenset({"2084P0800X"}), primary_taxonomy="2084P0800X",
                       clinician_taxonomy="2084P0800X", clinician_role="prescriber")
PSYCHOLOGIST = replace(NPPES, name="C Psychologist", credentials="PSY.D.", postal_code="12207",
                       taxonomies=frozenset({"103TC1900X"}), primary_taxonomy="103TC1900X",
                       clinician_taxonomy="103TC1900X")
MFT = replace(NPPES, name="D Therapist", credentials="LMFT", postal_code="14201",
              taxonomies=frozenset({"106H00000X"}), primary_taxonomy="106H00000X",
              clinician_taxonomy="106H00000X")


@pytest.fixture
def engine(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'directory.db'}")
    writer = ProviderWriter(engine, "nppes", ImportReport())
    for number, record in enumerate((DENTIST, PSYCHIATRIST, PSYCHOLOGIST, MFT)):
        writer.add(replace(record, source_key=f"k{number}"))
    writer.finish()
    return engine


def search(engine, help_type, limit=4):
    criteria = SearchCriteria(location=Location("NY", "10001"), help_type=help_type)
    return search_providers(engine, criteria, limit=limit)


def test_therapists_with_a_psychotherapy_primary_come_first(engine):
    assert [m.name for m in search(engine, "individual")] == [
        "C Psychologist", "D Therapist", "B Psychiatrist", "A Dentist"]


def test_couples_puts_marriage_and_family_therapists_first(engine):
    assert [m.name for m in search(engine, "couples")] == [
        "D Therapist", "C Psychologist", "B Psychiatrist", "A Dentist"]


def test_matches_name_the_clinician_type_once_each_and_the_npi_caveat(engine):
    text = describe_matches(search(engine, "couples", limit=3))
    lines = text.splitlines()
    assert lines[0] == "1. D Therapist, LMFT (marriage and family therapist, NPI). 212-555-0100. NY."
    assert lines[1].startswith("2. C Psychologist, PSY.D. (counseling psychologist, NPI). 212-")
    assert ".." not in text
    # NPPES lists no help types: asked once for all three, not on every line
    assert "Ask them about" not in text
    assert lines[3] == "Ask each of them about individual or couples work."
    assert lines[4] == NPI_NOTE and "does not verify a licence" in NPI_NOTE


def test_imported_rows_carry_their_clinician_type(tmp_path):
    """Through the importer: the clinician type comes from the stored taxonomy codes."""
    engine = get_engine(f"sqlite:///{tmp_path / 'imported.db'}")
    import_nppes(engine, PFILE)
    (match,) = search_providers(engine, SearchCriteria(Location("CA"), help_type="individual"))
    assert (match.name, match.clinician_type) == ("Test Provider B", "clinical social worker")
    (psychiatrist,) = search_providers(engine, SearchCriteria(Location("MA"), help_type="individual"))
    assert psychiatrist.clinician_type == "psychiatrist"
