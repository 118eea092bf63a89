"""Logs at INFO and above carry no message text and no phone numbers."""

import re
import subprocess
import sys
import textwrap

import pytest

from bot.privacy.log_filter import redact
from tests.support.stack import LOGGING_CONFIG, REPO_ROOT, RasaStack, require_model, say

PHONE = "+14155550134"
SECRET_TEXT = "my partner never says sorry"
WARNED_TEXT = "he never texts back"


@pytest.mark.parametrize(
    "message, expected",
    [
        ("sender +14155550134 waited", "sender [phone] waited"),
        ("call (415) 555-0134 or 415.555.0134", "call [phone] or [phone]"),
        ("whatsapp:+447700900123", "whatsapp:[phone]"),
        ("+1 415 555 0134", "[phone]"),
        ('{"event": "rest.message.received.failure", "text": "hi", "level": "error"}',
         '{"event": "rest.message.received.failure", "text": "[redacted]", "level": "error"}'),
        ('{"event": "x", "parse_data": {"user_text": "hi", "intent": "greet"}}',
         '{"event": "x", "parse_data": {"user_text": "[redacted]", "intent": "greet"}}'),
        ("rest.message.received.timeout text='hi there' level=error",
         "rest.message.received.timeout text=[redacted] level=error"),
        ("Loading model models/20261126-220314-snow.tar.gz", "Loading model models/20261126-220314-snow.tar.gz"),
        ("took 1732659000.123 s on port 5005", "took 1732659000.123 s on port 5005"),
        ("Tried to access non existent slot 'text'", "Tried to access non existent slot 'text'"),
    ],
)
def test_redact(message, expected):
    assert redact(message) == expected


# The logging set-up `rasa run` performs (rasa/__main__.py main), then records that
# would leak: a Twilio error naming the number, the REST channel's timeout event
# (structlog, with the user's text), an exception naming the number, and DEBUG.
RASA_SETUP = """
import logging, sys
from rasa.utils.common import configure_logging_and_warnings
from rasa.utils.io import configure_colored_logging
from rasa.utils.log_utils import configure_structlog
config = sys.argv[1] if len(sys.argv) > 1 else None
configure_logging_and_warnings(logging.INFO, config, warn_only_once=True, filter_repeated_logs=True)
configure_colored_logging(logging.INFO)
configure_structlog(logging.INFO)
"""
# The set-up `python -m rasa_sdk` performs (rasa_sdk/__main__.py main_from_args).
SDK_SETUP = """
import logging, sys
from rasa_sdk import utils
config = sys.argv[1] if len(sys.argv) > 1 else None
utils.configure_colored_logging(logging.INFO)
utils.configure_file_logging(logging.getLogger("rasa_sdk"), None, logging.INFO, config)
utils.update_sanic_log_level()
"""
LEAKS = f"""
import structlog
logging.getLogger("rasa.core.channels.twilio").error(
    "Something went wrong 'The To number {PHONE} is not a valid phone number.'")
structlog.get_logger().error("rest.message.received.timeout", text="{SECRET_TEXT}")
try:
    raise ValueError("no route to {PHONE}")
except ValueError:
    logging.getLogger("rasa_sdk.executor").exception("Failed to run custom action")
logging.getLogger("rasa.core.processor").info("sender {PHONE} joined")
logging.getLogger("rasa.core.processor").warning("still visible")
import warnings  # what Rasa warns for text starting with "/" (not through logging)
warnings.warn("Parsed an intent '{WARNED_TEXT} {PHONE}' which is not defined in the domain.")
"""


def run_setup(setup: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(setup) + LEAKS, *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


@pytest.mark.parametrize("setup", [RASA_SETUP, SDK_SETUP], ids=["rasa", "rasa_sdk"])
def test_logging_config_redacts_in_server_setup(setup):
    redacted = run_setup(setup, str(LOGGING_CONFIG))
    assert "still visible" in redacted and "Failed to run custom action" in redacted
    assert "[phone]" in redacted
    assert "4155550134" not in redacted and "555-0134" not in redacted
    assert "which is not defined in the domain" in redacted and WARNED_TEXT not in redacted
    if setup is RASA_SETUP:  # structlog is configured by rasa only
        assert "rest.message.received.timeout" in redacted
        assert SECRET_TEXT not in redacted


def test_without_the_config_these_records_do_leak():
    leaked = run_setup(RASA_SETUP)
    assert PHONE in leaked and SECRET_TEXT in leaked and WARNED_TEXT in leaked


@pytest.mark.servers
def test_conversation_logs_hold_no_text_or_phone_number(tmp_path):
    """A conversation over REST as an SMS user (sender id = phone number)."""
    model = require_model()
    messages = [
        "hi",
        f"{SECRET_TEXT}, you can text me at 415-555-0134",
        "what is alexithymia",
        "my partner shuts down whenever I cry",
    ]
    endpoints = {"tracker_store": {"type": "bot.storage.tracker_store.EnvSQLTrackerStore"}}
    env = {"TRACKER_DB_URL": f"sqlite:///{tmp_path}/tracker.db"}
    with RasaStack(tmp_path, model=model, endpoints=endpoints, env=env) as stack:
        for text in messages:
            assert say(stack.rasa_urls[0], PHONE, text)

    logs = {path.name: path.read_text() for path in (tmp_path / "logs").iterdir()}
    assert set(logs) == {"actions.log", "rasa-0.log"}
    # The logs were captured at INFO, after the model loaded too (importing numpy.distutils
    # while loading it used to raise the root logger to WARNING: bot/log_level.py).
    assert " INFO " in logs["rasa-0.log"] and "Loading model" in logs["rasa-0.log"]
    assert "Rasa server is up and running" in logs["rasa-0.log"]
    for name, log in logs.items():
        digits_only = re.sub(r"[^\d\n]", "", log)
        assert "4155550134" not in digits_only, f"phone number in {name}"
        for text in messages[1:]:
            assert text not in log, f"message text in {name}"
