"""Therapist provider directory: storage, location parsing, search and importers.

    engine = get_engine()                      # $DIRECTORY_DB_URL or sqlite:///var/directory.db
    location = parse_location("94110")         # Location(state="CA", zip_code="94110")
    matches = search_providers(engine, SearchCriteria(location, help_type="couples"))
"""
from bot.directory.db import get_engine
from bot.directory.locations import Location, parse_location
from bot.directory.nppes import NppesFormatError, import_nppes
from bot.directory.roster import RosterFormatError, import_roster
from bot.directory.search import ProviderMatch, SearchCriteria, search_providers
from bot.directory.upsert import ImportReport, RowRejection

__all__ = [
    "ImportReport",
    "Location",
    "NppesFormatError",
    "ProviderMatch",
    "RosterFormatError",
    "RowRejection",
    "SearchCriteria",
    "get_engine",
    "import_nppes",
    "import_roster",
    "parse_location",
    "search_providers",
]
