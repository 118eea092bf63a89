"""The one check every channel applies at its door (REST, web chat, SMS).

Rasa must never see a sender id or text it cannot store: a lone UTF-16 surrogate in a
sender id (SQLite) or a NUL (PostgreSQL) makes ``SQLTrackerStore.session_scope`` call
``print_error_and_exit`` and the whole server stops; a lone surrogate in the text makes
spaCy's ``hash_string`` raise, so a crisis message got no reply.

- Sender ids are refused (the channel answers 4xx) unless they are 1-128 characters of
  printable Unicode (no control, format, surrogate, private-use or unassigned code point).
- Message text is cleaned, never refused: control characters, lone surrogates and other
  unencodable code points become spaces, so a crisis message still reaches the crisis
  guard and gets 988. Text is capped at ``MAX_MESSAGE_CHARS`` by the channels.
- Text that starts with "/" is an intent shortcut for Rasa (``/affirm`` from a button).
  Unless it names an intent of the domain, the "/" is dropped, so a user cannot force an
  intent by typing one and Rasa does not warn about it (its warning quotes the whole text
  to stderr, outside the log redaction).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Collection, Optional

from bot.crisis.guard import strip_intent_prefix

MAX_SENDER_CHARS = 128
# Characters a message keeps although their category is "C" (other): line breaks, tabs.
KEPT_CONTROLS = frozenset("\n\t")
# Zero-width joiners/non-joiners and similar format characters are part of emoji and of
# several scripts, so text keeps category Cf; only Cc (controls), Cs (lone surrogates),
# Co (private use) and Cn (unassigned) are replaced.
REPLACED_TEXT_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})
SHORTCUT_NAME = re.compile(r"/([^{@\s]+)")


def sender_problem(sender: object) -> Optional[str]:
    """Why ``sender`` cannot be a sender id, or None when it can."""
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters"
    if any(unicodedata.category(char).startswith("C") for char in sender):
        return "'sender' must not contain control, format or unassigned characters"
    return None


def clean_text(text: str) -> str:
    """``text`` with every character Rasa or a database cannot take replaced by a space."""
    return "".join(
        " " if char not in KEPT_CONTROLS
        and unicodedata.category(char) in REPLACED_TEXT_CATEGORIES else char
        for char in text
    )


def without_unknown_shortcut(text: str, intents: Collection[str]) -> str:
    """``text`` without its leading "/"s unless it is a shortcut for one of ``intents``."""
    stripped = text.strip()
    match = SHORTCUT_NAME.match(stripped)
    if match and match.group(1) in intents:
        return stripped
    return strip_intent_prefix(stripped)


def user_text(text: str, intents: Collection[str]) -> str:
    """What a channel passes to Rasa for the user's ``text`` (see the module docstring)."""
    return without_unknown_shortcut(clean_text(text), intents)


def json_too_deep(raw: str, limit: int) -> bool:
    """True when the JSON text ``raw`` nests arrays/objects more than ``limit`` deep.

    Checked before parsing: Python's parser raises RecursionError near 1,000 levels.
    """
    depth, in_string, escaped = 0, False, False
    for char in raw:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False
