"""Keep message text and phone numbers out of logs at INFO and above.

Installed through a logging config file, which both servers accept::

    rasa run ... --logging-config-file bot/privacy/logging.yml
    python -m rasa_sdk --actions actions --logging-config_file bot/privacy/logging.yml

(the action server's flag really is spelled ``--logging-config_file``). Both
servers apply the file with ``logging.config.dictConfig``, which calls
:func:`install_redaction` while building its filters. That replaces the log
record factory, so redaction happens when a record is created and covers
every logger and handler, including the handlers that Rasa and coloredlogs add
later and Rasa's structlog events (rendered to one JSON string per record).

For records at INFO and above it
- replaces phone numbers (E.164 like +14155550100, or North American
  415-555-0100 / (415) 555 0100) with ``[phone]``, in the message and traceback;
- replaces the values of content-bearing keys (``text``, ``user_text``,
  ``message``, ... as listed in Rasa's own structlog anonymiser) with
  ``[redacted]``, in JSON events and in ``key='value'`` console output.
DEBUG records are left alone (``--debug`` is for local development only).

Python ``warnings`` are routed through logging (``logging.captureWarnings``, logger
``py.warnings``), so they are redacted too; in them every quoted value is redacted as
well, since Rasa quotes user text there ("Parsed an intent '<the whole message>' which is
not defined in the domain" for text starting with "/"). The channels also keep such text
from reaching Rasa as a shortcut (bot.channels.input_check).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Callable

PHONE_PATTERN = re.compile(
    r"(?<![\w.])(?:"
    r"\+\d{8,15}"                                   # E.164
    r"|(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}"  # North American
    r")(?!\w|\.\d)"
)
PHONE_PLACEHOLDER = "[phone]"
CONTENT_PLACEHOLDER = "[redacted]"
# Keys that carry user content in Rasa 3.6 structlog events (rasa/utils/log_utils.py).
CONTENT_KEYS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text",
    "parse_data_entities", "prediction_events", "tracker_latest_message",
    "prefilled_slots", "message", "response", "slot_candidates", "rasa_event",
    "rasa_events", "tracker_states", "current_states", "old_states", "successes",
    "current_entity", "next_entity", "states", "entity", "token_text",
    "user_message", "json_message",
})


WARNINGS_LOGGER = "py.warnings"
QUOTED_PATTERN = re.compile(r"'[^']*'|\"[^\"]*\"")
ANSI_PATTERN = re.compile(r"\x1b\[[0-9;]*m")
# structlog's console renderer (used when stderr is a terminal): key='value'.
CONSOLE_PAIR_PATTERN = re.compile(
    rf"\b(?P<key>{'|'.join(sorted(CONTENT_KEYS))})="
    r"(?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\S+)"
)


def redact_phone_numbers(text: str) -> str:
    return PHONE_PATTERN.sub(PHONE_PLACEHOLDER, text)


def _redact_content(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: CONTENT_PLACEHOLDER if key in CONTENT_KEYS else _redact_content(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_content(item) for item in value]
    return value


def redact(message: str) -> str:
    """Redact a formatted log message (plain text or a structlog JSON event)."""
    if message.startswith("{"):
        try:
            event = json.loads(message)
        except ValueError:
            event = None
        if isinstance(event, dict):
            message = json.dumps(_redact_content(event), ensure_ascii=False)
    message = ANSI_PATTERN.sub("", message)  # colour codes would hide key=value pairs
    message = CONSOLE_PAIR_PATTERN.sub(lambda m: f"{m['key']}={CONTENT_PLACEHOLDER}", message)
    return redact_phone_numbers(message)


def redact_record(record: logging.LogRecord) -> None:
    """Redact a record in place if it is at INFO or above."""
    if record.levelno < logging.INFO:
        return
    message = redact(record.getMessage())
    if record.name == WARNINGS_LOGGER:
        message = QUOTED_PATTERN.sub(CONTENT_PLACEHOLDER, message)
    record.msg = message
    record.args = ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact_phone_numbers(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_phone_numbers(record.stack_info)


class RedactionFilter(logging.Filter):
    """Also usable on a handler: redacts instead of dropping."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def _redacting_factory(make_record: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        redact_record(record)
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    return factory


def install_redaction() -> RedactionFilter:
    """Redact every log record from now on (idempotent); returns a filter for dictConfig."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "redacting", False):
        logging.setLogRecordFactory(_redacting_factory(current))
    logging.captureWarnings(True)
    return RedactionFilter()
