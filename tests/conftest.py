"""Shared fixtures: a dispatcher, the project's domain, its trained model, its server stack,
the blank spaCy pipeline and the crisis detector."""

from pathlib import Path
from typing import Any, Dict

import pytest
import spacy
import yaml
from rasa_sdk.executor import CollectingDispatcher

from bot.crisis.detector import CrisisDetector
from bot.nlu import spacy_model

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "domain.yml").read_text())


@pytest.fixture(scope="session")
def model_agent():
    """The project's trained model (models/current.tar.gz) loaded once, without an action
    server: for tests that parse messages through the whole NLU pipeline."""
    from rasa.core.agent import Agent

    from tests.support.stack import require_model

    return Agent.load(str(require_model()))


def project_stack(workdir: Path, tracker_db_url: str):
    """The assistant as `make run` serves it (every channel in credentials.yml, the
    project's endpoints) with its conversations in ``tracker_db_url``; a context manager."""
    from tests.support.stack import RasaStack, require_model

    model = require_model()
    endpoints = yaml.safe_load((REPO_ROOT / "endpoints.yml").read_text())
    endpoints["action_endpoint"].pop("url")  # RasaStack points it at its own action server
    credentials = yaml.safe_load((REPO_ROOT / "credentials.yml").read_text()) or {}
    env = {
        "TRACKER_DB_URL": tracker_db_url,
        "DIRECTORY_DB_URL": f"sqlite:///{workdir / 'directory.db'}",
        "NPI_REGISTRY_URL": "off",  # no live registry calls from server tests
        **STACK_SECRETS,
    }
    return RasaStack(workdir, model=model, endpoints=endpoints, credentials=credentials, env=env)


@pytest.fixture(scope="session")
def bot_stack(tmp_path_factory):
    """The assistant as `make run` serves it (SQL tracker store in a temp SQLite file,
    every channel in credentials.yml), started once for all tests that talk to it."""
    workdir = tmp_path_factory.mktemp("bot_stack")
    with project_stack(workdir, f"sqlite:///{workdir / 'tracker.db'}") as stack:
        yield stack


# Secrets the channels need, fixed for tests only.
STACK_SECRETS = {
    "WEB_SESSION_SECRET": "test-web-session-secret",
    "SMS_SENDER_ID_SECRET": "test-sms-sender-secret",
    "TWILIO_AUTH_TOKEN": "test-twilio-auth-token",
}


@pytest.fixture(scope="session")
def spacy_model_dir(tmp_path_factory):
    """The blank English pipeline, built once per test session."""
    out_dir = tmp_path_factory.mktemp("spacy") / "spacy-en"
    spacy_model.build(out_dir)
    return out_dir


@pytest.fixture(scope="session")
def nlp(spacy_model_dir):
    return spacy.load(spacy_model_dir)


@pytest.fixture(scope="session")
def detector(nlp):
    return CrisisDetector(nlp)
