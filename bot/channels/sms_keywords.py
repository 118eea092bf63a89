"""One-word SMS commands and the fixed replies the SMS channel sends for them.

The words are the ones Twilio and US carriers act on (Twilio's opt-out list, with the
OPTOUT and REVOKE added for the FCC's 2025 revocation rule; opt-in; help), plus DELETE for
this assistant's "delete my data". A command is the whole message after normalising
(:func:`command_word`): compatibility forms folded (NFKC: full-width letters), any case,
invisible format characters (zero-width space) removed, and spaces, punctuation and
symbols (emoji) around the word ignored - "Stop?", "ＳＴＯＰ", "S\u200bTOP 🛑" are all STOP.
"YES" is an opt-in word only for someone who opted out; otherwise it is an answer to the bot.
"""

from __future__ import annotations

import unicodedata
from enum import Enum
from typing import Optional

PROGRAM_NAME = "Partner Check-in Guide"


class Command(Enum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    DELETE = "delete"


OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
                           "OPTOUT", "REVOKE"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
OPT_IN_WHEN_OPTED_OUT = frozenset({"YES"})
HELP_WORDS = frozenset({"HELP", "INFO"})
DELETE_WORDS = frozenset({"DELETE"})

REPLIES = {
    Command.OPT_OUT: (
        f"You're unsubscribed from {PROGRAM_NAME} and won't get more messages. "
        "Reply START to come back. In crisis? Call or text 988 any time."
    ),
    Command.OPT_IN: (
        f"Welcome back to {PROGRAM_NAME}. Say hi to start. Reply HELP for help, "
        "STOP to unsubscribe. In crisis? Call or text 988."
    ),
    Command.HELP: (
        f"{PROGRAM_NAME}: a free chat guide for people whose partner seems emotionally "
        "closed off. Not therapy, not a crisis service. Reply STOP to unsubscribe, "
        "DELETE to erase this conversation. In crisis? Call or text 988 (or 911)."
    ),
    Command.DELETE: (
        "Done. This conversation has been deleted. Your next message starts a fresh "
        "conversation. In crisis? Call or text 988."
    ),
}
EMPTY_MESSAGE_REPLY = (
    "I can only read text. Please type your message, or reply HELP for help. "
    "In crisis? Call or text 988."
)
TOO_SLOW_REPLY = (
    "Sorry, I'm slow right now. Please send that again in a minute. "
    "In crisis? Call or text 988."
)


def _is_edge(char: str) -> bool:
    """Space, punctuation or symbol: what may surround a command word."""
    return char.isspace() or unicodedata.category(char)[0] in "PSZ"


def command_word(body: str) -> str:
    """The message folded for keyword matching (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", body)
    visible = "".join(char for char in folded if unicodedata.category(char) != "Cf")
    start, end = 0, len(visible)
    while start < end and _is_edge(visible[start]):
        start += 1
    while end > start and _is_edge(visible[end - 1]):
        end -= 1
    return visible[start:end].upper()


def parse_command(body: str, opted_out: bool) -> Optional[Command]:
    """The command a whole message is, or None for an ordinary message."""
    word = command_word(body)
    if word in OPT_OUT_WORDS:
        return Command.OPT_OUT
    if word in OPT_IN_WORDS or (opted_out and word in OPT_IN_WHEN_OPTED_OUT):
        return Command.OPT_IN
    if word in HELP_WORDS:
        return Command.HELP
    if word in DELETE_WORDS:
        return Command.DELETE
    return None
