"""Shared fixtures for action tests: a dispatcher and the project's domain."""

from pathlib import Path
from typing import Any, Dict

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "domain.yml").read_text())
