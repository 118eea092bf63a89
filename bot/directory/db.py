"""Engine for the provider directory database."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url

from bot.directory.models import StringSet, metadata, providers
from bot.storage.private_files import private_directory

DB_URL_ENV = "DIRECTORY_DB_URL"
DEFAULT_DB_URL = "sqlite:///var/directory.db"


def database_url(url: str | None = None) -> str:
    """The URL given, else $DIRECTORY_DB_URL, else the default SQLite file."""
    return url or os.environ.get(DB_URL_ENV) or DEFAULT_DB_URL


def get_engine(url: str | None = None) -> Engine:
    """An engine for any SQLAlchemy URL, with the tables created if missing.

    For a SQLite file, its parent directory is created first (relative paths are
    relative to the working directory).
    """
    parsed = make_url(database_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        private_directory(Path(parsed.database).parent)  # var/ holds conversations too
    engine = create_engine(parsed, future=True)
    metadata.create_all(engine)
    _add_missing_columns(engine)
    return engine


def _add_missing_columns(engine: Engine) -> None:
    """Bring a `providers` table made by an older version up to date (new columns only).

    Every column added since the first release is nullable or a set column, so it can be
    added to existing rows with NULL or "" (the empty set).
    """
    present = {column["name"] for column in inspect(engine).get_columns(providers.name)}
    missing = [column for column in providers.columns if column.name not in present]
    if not missing:
        return
    with engine.begin() as conn:
        for column in missing:
            column_type = column.type.compile(dialect=engine.dialect)
            default = " NOT NULL DEFAULT ''" if isinstance(column.type, StringSet) else ""
            conn.execute(text(
                f"ALTER TABLE {providers.name} ADD COLUMN {column.name} {column_type}{default}"))
