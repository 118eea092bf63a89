"""Turns typed or button answers of the therapist search form into canonical values."""

from __future__ import annotations

import re
from typing import Optional

from bot.answers import read_yes_no
from bot.directory.fields import known_insurers

HELP_TYPES = {
    # not "for me" alone: "can u look for a therapist for me" says nothing about the kind
    "individual": ("individual", "just me", "only me", "me only", "myself", "just for me",
                   "only for me", "its for me", "it's for me", "for me only", "solo", "one on one", "1:1"),
    "couples": ("couple", "couples", "both of us", "two of us", "together", "marriage", "marital", "relationship",
                "for us", "us both", "we both", "me and my", "me n my", "me & my", "me + my",
                "my partner and i", "my husband and i", "my wife and i", "my bf and i",
                "my gf and i", "my boyfriend and i", "my girlfriend and i", "with my partner",
                "with my husband", "with my wife", "with my bf", "with my gf",
                "with my boyfriend", "with my girlfriend"),
}

APPROACHES = {
    "any": ("any", "anything", "no preference", "doesn't matter", "doesnt matter", "does not matter", "whatever",
            "not sure", "don't know", "dont know", "no idea", "don't care", "dont care", "do not care", "idc",
            "either"),
    # and each approach as people describe it when the name escapes them
    "act": ("act", "acceptance and commitment", "acceptance & commitment", "acceptance",
            "accept your feelings", "accept my feelings", "accept feelings", "accepting feelings",
            "accepting your feelings", "accept the feelings", "accept your emotions",
            "accepting emotions", "instead of fighting"),
    "schema": ("schema", "childhood", "from when you were a kid", "from when i was a kid",
               "as a kid", "growing up", "old patterns", "patterns from", "life patterns",
               "repeating patterns", "patterns that repeat", "patterns that keep repeating"),
    "behavioral_activation": ("behavioral activation", "behavioural activation", "activation", "ba",
                              "used to like", "used to enjoy", "used to love", "things you enjoy",
                              "doing things again", "getting active", "plan activities",
                              "scheduling activities"),
    "compassion_focused": ("compassion", "cft", "kinder to yourself", "kinder to myself",
                           "kinder to ourselves", "kind to yourself", "kind to myself",
                           "self critical", "self-critical",
                           "self criticism", "self-criticism", "inner critic", "less harsh"),
}

# Said anywhere in the insurance answer, these mean "no insurance preference".
NO_INSURANCE_PREFERENCE = (
    "skip", "none", "no", "any", "no insurance", "no preference", "no insurance preference",
    "self pay", "self-pay", "cash", "n/a", "na", "-", "out of pocket", "don't have insurance",
    "dont have insurance", "uninsured", "doesn't matter", "does not matter", "not sure", "idk",
)
# Words around an insurance name that are not part of it ("i have aetna", "bcbs insurance").
INSURANCE_PREFIX = re.compile(
    r"^(?:(?:i|we) (?:have|got|use|am on|'m on)|i've got|ive got|my insurance is|it's|its|"
    r"through|with|i'm with|im with|insured (?:by|through|with))\s+"
)
INSURANCE_SUFFIX = re.compile(r"\s+(?:insurance|plan|coverage|please|pls|thanks|thank you)$")

# Video-or-not words; plain yes/no answers are read by bot.answers.
VIDEO_YES = ("video", "online", "telehealth", "virtual", "zoom", "either", "both", "remote")
# Either is fine, so video is too: read before the in-person words ("video or in person, doesnt matter").
VIDEO_EITHER = ("video or", "or video", "online or", "or online", "doesn't matter", "doesnt matter",
                "don't care", "dont care", "either way", "whichever", "no preference")
OKAY = ("ok", "okay", "k", "fine", "that's fine", "thats fine", "works", "that works")
VIDEO_NO = ("in person", "in-person", "person only", "not online", "no video", "face to face", "in the room", "office")


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


# Texting shorthand read as the words it stands for when choices are matched ("accept ur
# feelings", "kinder to urself"); not in insurance names, which are kept as typed.
_SHORTHAND = {"u": "you", "ur": "your", "urself": "yourself"}
_SHORTHAND_WORD = re.compile(rf"\b(?:{'|'.join(_SHORTHAND)})\b")


def _normalise_choice(text: str) -> str:
    return _SHORTHAND_WORD.sub(lambda m: _SHORTHAND[m.group(0)], _normalise(text))


def _phrase_spans(text: str, phrase: str) -> list[tuple[int, int]]:
    """Where the phrase stands in the text as whole words."""
    return [m.span() for m in re.finditer(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text)]


# A choice said not to be wanted: "just for me, not couples", "i meant couples not just me".
_NEGATED_BEFORE = re.compile(r"\b(?:not|no|never|instead of|rather than|don'?t want|without)\s+(?:(?:a|an|the|just|only)\s+)?$")


def _negated(text: str, start: int) -> bool:
    """Whether the words right before `start` say "not" to what follows."""
    return _NEGATED_BEFORE.search(text[:start]) is not None


def _contains_phrase(text: str, phrase: str) -> bool:
    return bool(_phrase_spans(text, phrase))


def _match_choice(text: str, choices: dict[str, tuple[str, ...]]) -> Optional[str]:
    """The single choice whose phrases appear in the text, or None if none or several do.
    A phrase overlapping a longer one of another choice does not count ("for me" in "for
    me and my husband"), nor one said not to be wanted ("not couples")."""
    text = _normalise_choice(text)
    spans = [
        (start, end, value)
        for value, phrases in choices.items()
        for phrase in phrases
        for start, end in _phrase_spans(text, phrase)
        if not _negated(text, start)
    ]
    found = {
        value
        for start, end, value in spans
        if not any(s < end and start < e and (e - s) > (end - start) and v != value for s, e, v in spans)
    }
    return found.pop() if len(found) == 1 else None


# A whole answer that means "individual" only as an answer ("for me"), not in a sentence.
INDIVIDUAL_ALONE = ("for me", "me", "for myself", "for me please", "me please")


def parse_help_type(text: str) -> Optional[str]:
    """'individual' or 'couples', or None when the answer is neither (or both)."""
    if _normalise(text).strip(" .!") in INDIVIDUAL_ALONE:
        return "individual"
    return _match_choice(text, HELP_TYPES)


# "what do those mean", "whats the difference", "what are those": the options need explaining.
OPTIONS_EXPLAINED = re.compile(
    r"\bwhat (do|does) (those|these|they|them|any of (those|these|them|that)|that|it) (even |all )?mean"
    r"|\bwhat (are|r) (those|these|they|the options|the differences?)\b"
    r"|\bwhat'?s the difference( between (them|those|these|the (options|approaches|therapies|types)))?\s*[?.!]*$"
    r"|\bexplain (them|those|these|the options)\b"
    r"|\b(idk|i don't know|i dont know|no idea) what (any of )?(those|these|that|them) (is|are|mean)"
)


def asks_what_options_mean(text: str) -> bool:
    """Whether an answer asks what the offered options are ("idk what any of that is")."""
    return OPTIONS_EXPLAINED.search(_normalise(text).replace("\u2019", "'")) is not None


def parse_approach(text: str) -> Optional[str]:
    """One of the approach codes (or 'any'), or None when unrecognised or ambiguous; a code
    itself (read from an earlier message) is kept."""
    code = _normalise(text)
    return code if code in APPROACHES else _match_choice(text, APPROACHES)


def parse_insurance(text: str) -> Optional[str]:
    """The insurance name to look for, or None for no preference: a known insurer named
    anywhere in the answer ("we both have aetna thru work"), else the answer's own words."""
    text = _normalise(text).rstrip(".!")
    if not text or any(_contains_phrase(text, phrase) for phrase in NO_INSURANCE_PREFERENCE):
        return None
    insurer = named_insurer(text)
    if insurer:
        return insurer
    text = INSURANCE_SUFFIX.sub("", INSURANCE_PREFIX.sub("", text))
    return text[:80] or None


def named_insurer(text: str) -> Optional[str]:
    """The first known insurer named in the text and not taken back ("not cigna, its aetna")."""
    text = _normalise(text)
    return next((m.group(0) for m in known_insurers().finditer(text) if not _negated(text, m.start())), None)


def either_is_fine(text: str) -> bool:
    """Whether the text says video or in person are both fine ("video or in person, doesnt matter")."""
    text = _normalise(text)
    return any(_contains_phrase(text, phrase) for phrase in VIDEO_EITHER)


def parse_yes_no(text: str) -> Optional[bool]:
    """True when video sessions are fine, False for in person only, None when unclear."""
    text = _normalise(text)
    if either_is_fine(text):
        return True
    if any(_contains_phrase(text, phrase) for phrase in VIDEO_NO):
        return False
    answer = read_yes_no(text, "telehealth").value
    if answer in ("yes", "no"):
        return answer == "yes"
    if text.rstrip(".!") in OKAY or any(_contains_phrase(text, phrase) for phrase in VIDEO_YES):
        return True
    return None
