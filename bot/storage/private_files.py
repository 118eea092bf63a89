"""Folders and SQLite files that only the server's user can read (0700 / 0600).

Conversations, opt-outs and development secrets live under ``var/``; with the default
umask SQLite created them 0644 in a 0755 folder, readable by every local user.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_DIRECTORY_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_directory(path: Path) -> None:
    """Create ``path`` and any missing parents with mode 0700 (existing ones are left)."""
    missing = [folder for folder in [path, *path.parents] if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIRECTORY_MODE, exist_ok=True)
        os.chmod(folder, PRIVATE_DIRECTORY_MODE)  # mkdir's mode is filtered by the umask


def is_sqlite_file(url: str) -> bool:
    """True for an SQLite database in a file (not in memory)."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def private_sqlite_file(url: str) -> None:
    """For an SQLite URL: create the database file 0600 in a 0700 folder before SQLite does.

    SQLite gives its journal and WAL files the database file's mode.
    """
    if not is_sqlite_file(url):
        return
    path = Path(make_url(url).database)
    private_directory(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
    os.chmod(path, PRIVATE_FILE_MODE)
