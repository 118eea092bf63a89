"""Turning the bot's messages for one turn into one SMS body, and reading numbered replies.

- Buttons become one numbered line ("Reply 1 for Yes, 2 for No, 3 for Not sure."),
  numbered in the order the bot offered them; :func:`choice_payload` maps "2" back.
- Typographic characters become their GSM-7 equivalents and emoji are dropped, so a
  reply stays in the 160/153-character GSM-7 encoding (one curly quote or emoji would
  switch the whole message to 70-character UCS-2 segments).
- The turn's messages are joined into one body of at most 1,600 characters (Twilio's
  limit); longer text is cut at a word boundary, keeping the numbered choices.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any, Iterable, Optional

MAX_BODY_CHARS = 1600
ELLIPSIS = "..."

# GSM 03.38 basic character set and its extension table (each extension char costs 2).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
TYPOGRAPHIC = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2026": ELLIPSIS, "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2022": "-",
    "\u200b": "", "\u200d": "", "\ufe0f": "",
})
CHOICE_PATTERN = re.compile(r"^\s*#?(\d{1,2})\s*[.)]?\s*$")


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def segment_count(text: str) -> int:
    """SMS segments ``text`` needs: 160/153 septets in GSM-7, 70/67 chars in UCS-2."""
    if is_gsm7(text):
        units, single, multi = sum(2 if c in GSM7_EXTENSION else 1 for c in text), 160, 153
    else:
        units, single, multi = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / multi)


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So" or 0x1F000 <= ord(char) <= 0x1FAFF


def to_gsm7(text: str) -> str:
    """Replace typographic characters with GSM-7 ones and drop emoji.

    Other characters (letters outside GSM-7) are kept: meaning beats encoding.
    """
    text = text.translate(TYPOGRAPHIC)
    text = "".join(char for char in text if not _is_emoji(char))
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def choices_line(buttons: list[dict[str, Any]]) -> str:
    """"Reply 1 for A, 2 for B." for the offered buttons ("" when there are none)."""
    if not buttons:
        return ""
    options = ", ".join(f"{number} for {button.get('title', '')}"
                        for number, button in enumerate(buttons, start=1))
    return f"Reply {options}."


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "..."."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ELLIPSIS))]
    if " " in cut:
        cut = cut[: cut.rstrip().rfind(" ")]
    return cut.rstrip(" ,;:-") + ELLIPSIS


def render_turn(messages: Iterable[dict[str, Any]]) -> str:
    """One SMS body for the bot's messages of one turn (as CollectingOutputChannel collects them)."""
    messages = list(messages)
    texts = [message["text"].strip() for message in messages if message.get("text")]
    buttons = [button for message in messages for button in message.get("buttons") or []]
    body = to_gsm7("\n\n".join(texts))
    choices = to_gsm7(choices_line(buttons))
    if not choices:
        return shorten(body, MAX_BODY_CHARS)
    return shorten(body, MAX_BODY_CHARS - len(choices) - 2) + "\n\n" + choices


def choice_payload(reply: str, offered: list[dict[str, Any]]) -> Optional[str]:
    """The payload of the offered button a reply like "2" (or "2." / "#2") picks, if any."""
    match = CHOICE_PATTERN.match(reply)
    if not match:
        return None
    number = int(match.group(1))
    if 1 <= number <= len(offered):
        return offered[number - 1].get("payload")
    return None
