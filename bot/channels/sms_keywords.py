"""One-word SMS commands and the fixed replies the SMS channel sends for them.

The words are the ones Twilio and US carriers act on (opt-out, opt-in, help), plus
DELETE for this assistant's "delete my data". A command is the whole message, in any
case, with surrounding spaces and a trailing "." or "!" ignored. "YES" is an opt-in
word only for someone who opted out; otherwise it is an answer to the bot.
"""

from __future__ import annotations

from enum import Enum
from typing import Optional

PROGRAM_NAME = "Partner Check-in Guide"


class Command(Enum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    DELETE = "delete"


OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
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


def parse_command(body: str, opted_out: bool) -> Optional[Command]:
    """The command a whole message is, or None for an ordinary message."""
    word = body.strip().rstrip(".!").strip().upper()
    if word in OPT_OUT_WORDS:
        return Command.OPT_OUT
    if word in OPT_IN_WORDS or (opted_out and word in OPT_IN_WHEN_OPTED_OUT):
        return Command.OPT_IN
    if word in HELP_WORDS:
        return Command.HELP
    if word in DELETE_WORDS:
        return Command.DELETE
    return None
