"""The NUCC taxonomy codes the directory treats as psychotherapy clinicians (taxonomy.yml).

    PSYCHOTHERAPY_CODES      codes whose holders the NPPES importer keeps
    role(code)               "therapist" or "prescriber" (None for any other code)
    clinician_words(code)    how the bot names that clinician type ("clinical social worker")
    NUCC_VERSION             the NUCC code-set version the list was taken from
"""
from __future__ import annotations

from pathlib import Path

import yaml

DATA_FILE = Path(__file__).with_name("taxonomy.yml")
THERAPIST, PRESCRIBER = "therapist", "prescriber"
MARRIAGE_AND_FAMILY_THERAPIST = "106H00000X"


def _load(path: Path) -> tuple[str, dict[str, str], dict[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    roles: dict[str, str] = {}
    words: dict[str, str] = {}
    for entry in data["codes"]:
        if entry["role"] in (THERAPIST, PRESCRIBER):
            roles[entry["code"]] = entry["role"]
            words[entry["code"]] = entry["words"]
        elif entry["role"] != "none":
            raise ValueError(f"{path}: {entry['code']}: unknown role {entry['role']!r}")
    return str(data["nucc_version"]), roles, words


NUCC_VERSION, _ROLES, _WORDS = _load(DATA_FILE)
PSYCHOTHERAPY_CODES = frozenset(_ROLES)
PRESCRIBER_CODES = frozenset(code for code, r in _ROLES.items() if r == PRESCRIBER)


def role(code: str | None) -> str | None:
    return _ROLES.get(code or "")


def clinician_words(code: str | None) -> str | None:
    return _WORDS.get(code or "")
