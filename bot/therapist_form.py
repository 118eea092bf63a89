"""What the therapist form can learn from the conversation so far, and how often a question failed.

People give details before they are asked ("couples therapist in Columbus OH, we have
Aetna, online is fine"). The form reads those from earlier user messages instead of asking
again. Rules:
- only messages since the last finished search count, and never a crisis message;
- a place counts from any such message, but only in a form that cannot be a common word
  (a ZIP Code, a place with its state, a state name);
- the kind of help, insurance and video preference count only from messages about the
  search itself (the "find a therapist" request, a message naming therapy or counselling,
  or any answer given while the form is open), so "our relationship is hard" during the
  check-in is not read as "couples"; a question to the bot ("what does a couples
  therapist do?") is never about the search.

Events are the rasa-sdk tracker's event dicts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence

from bot.checkin import Message, asks_the_bot
from bot.crisis.intent import is_crisis_parse
from bot.directory.locations import AmbiguousPlace, Location, OutsideUS, place_in_state, read_place
from bot.therapist_preferences import either_is_fine, named_insurer, parse_approach, parse_help_type

FORM_NAME = "therapist_form"
SEARCH_ACTION = "action_search_therapists"
WHICH_STATE_RESPONSE = "utter_location_which_state"
_ABOUT_THERAPY = re.compile(r"therap|counsel|psycholog|psychiatr|shrink|find (?:a|someone)|\bmft\b|\blmft\b")

_INSURANCE_PATTERNS = (
    re.compile(r"\b(?:no insurance|uninsured|not insured|self[- ]pay|out of pocket|pay cash"
               r"|(?:don'?t|do not|doesn'?t|does not) have (?:any |health )?insurance)\b"),
    # not "i have to go find my insurance card"
    re.compile(r"\b(?:have|with|through|take|takes|accept|accepts|use|using|on)\s+"
               r"(?!(?:to|a|an|the|my|his|her|our|their|your|no|any|some|i|we|he|she|they|you|it)\b)"
               r"([a-z][a-z&' -]{1,30}?)\s+(?:insurance|coverage|health plan)\b"),
    re.compile(r"\binsurance (?:is|plan is|through|with)\s+([a-z][a-z&' -]{1,30}?)(?:[.,!;]|$| and | but )"),
)
# A state's code in capitals after "in" / "near", in a message about the search.
_STATE_CODE_IN = re.compile(r"\b(?:in|near|around) ([A-Z]{2})\b")
# Approaches named by name in a request (not "any", and ACT only written in capitals).
_APPROACH_NAMES = ("schema", "behavioral_activation", "compassion_focused")
_NO_VIDEO = re.compile(r"\b(?:in[- ]person|face to face|in the office|no (?:video|online|zoom)|not (?:video|online|virtual))\b")
_VIDEO = re.compile(r"\b(?:online|video|telehealth|virtual|virtually|zoom|remote|remotely)\b")


@dataclass(frozen=True)
class UserMessage:
    """A user message that may hold details, and whether it is about the search itself."""

    text: str
    about_search: bool


def messages_since_last_search(events: Sequence[Mapping[str, Any]]) -> list[UserMessage]:
    """User messages since the last search (or session start), newest first, crisis ones left out."""
    messages: list[UserMessage] = []
    form_open = False
    for event in events:
        kind = event.get("event")
        if kind == "session_started" or (kind == "action" and event.get("name") == SEARCH_ACTION):
            messages, form_open = [], False
        elif kind == "active_loop":
            form_open = event.get("name") == FORM_NAME
        elif kind == "user" and not is_crisis_parse(event.get("parse_data")):
            text = event.get("text") or ""
            message = Message.from_parse(text, event.get("parse_data"))
            about = form_open or message.intent == "find_therapist" or bool(_ABOUT_THERAPY.search(text.lower()))
            messages.append(UserMessage(text, about and not asks_the_bot(message)))
    return messages[::-1]


def _first(values: Iterable[Optional[str]]) -> Optional[str]:
    return next((v for v in values if v is not None), None)


def location_from(messages: Sequence[UserMessage]) -> Optional[str]:
    """A place named in a message: the location's slot value, or the text naming a
    non-US place in a message about the search (the form then says the directory is US
    only; "my partner grew up in the UK" in passing does not end the search)."""
    for message in messages:
        place = read_place(message.text, whole_answer=False)
        code = _STATE_CODE_IN.search(message.text)  # "a couples therapist in CO"
        if place is None and code and message.about_search:
            place = read_place(code.group(1))
        if isinstance(place, Location):
            return place.slot_value()
        if isinstance(place, OutsideUS) and message.about_search:
            return message.text
    return None


def help_type_from(messages: Sequence[UserMessage]) -> Optional[str]:
    return _first(parse_help_type(m.text) for m in messages if m.about_search)


def insurance_in(text: str) -> Optional[str]:
    """The insurance named in a sentence, "any" for none or self-pay, else None."""
    text = " ".join(text.lower().split())
    if _INSURANCE_PATTERNS[0].search(text):
        return "any"
    for pattern in _INSURANCE_PATTERNS[1:]:
        match = pattern.search(text)
        if match and match.group(1).strip() not in ("my", "our", "the", "any", "some", "an", "a"):
            return re.sub(r"^(?:my|our|the) ", "", match.group(1).strip())
    return named_insurer(text)  # named without "insurance": "i have aetna"


def approach_from(messages: Sequence[UserMessage]) -> Optional[str]:
    """An approach named in a request ("someone who does compassion focused therapy")."""
    for message in messages:
        if not message.about_search:
            continue
        if re.search(r"\bACT\b", message.text):
            return "act"
        approach = parse_approach(message.text)
        if approach in _APPROACH_NAMES:
            return approach
    return None


def insurance_from(messages: Sequence[UserMessage]) -> Optional[str]:
    return _first(insurance_in(m.text) for m in messages if m.about_search)


def telehealth_in(text: str) -> Optional[str]:
    """"yes" when the text welcomes video sessions, "no" when it asks for in person, else None."""
    text = text.lower()
    if either_is_fine(text) and _VIDEO.search(text):
        return "yes"
    if _NO_VIDEO.search(text):
        return "no"
    return "yes" if _VIDEO.search(text) else None


def telehealth_from(messages: Sequence[UserMessage]) -> Optional[str]:
    return _first(telehealth_in(m.text) for m in messages if m.about_search)


# Words that take an earlier answer back: "wait actually can we make it couples".
_CHANGE_CUE = re.compile(
    r"\b(actually|make it|change (it|that|this)|switch( it)?( to)?|instead|rather|scratch that|on second thought"
    r"|i meant|meant to say|oops|not [a-z ]+,? (it'?s|its|it is)"
    r"|wrong (zip|zip code|zipcode|state|city|place|one|insurance|insurer)|i do have|forgot)\b"
)


def location_in(text: str) -> Optional[str]:
    """The location slot value of a ZIP Code or a city with its state in the text, else None."""
    place = read_place(text, whole_answer=False)
    return place.slot_value() if isinstance(place, Location) else None


# Earlier answers a later reply can change, with the reader of each.
_CHANGEABLE = {"location": location_in, "help_type": parse_help_type, "approach": parse_approach,
               "insurance": named_insurer, "telehealth": telehealth_in}


def changed_answer(text: str, asked: str, slots: Mapping[str, Any]) -> dict[str, str]:
    """The earlier answer a reply to the question about `asked` changes, as {slot: value},
    or {} (the reply must say it changes something and name a different value)."""
    normal = " ".join(text.lower().split())
    if not _CHANGE_CUE.search(normal):
        return {}
    for slot, read in _CHANGEABLE.items():
        value = read(normal) if slot != asked and slots.get(slot) is not None else None
        if value is not None and value != slots.get(slot):
            return {slot: value}
    return {}


def place_asked_about(events: Sequence[Mapping[str, Any]]) -> Optional[AmbiguousPlace]:
    """The place name the bot asked the state of ("london" -> which state?) in reply to the
    answer before the latest one, or None."""
    users = 0
    asked = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            users += 1
            if users == 2:
                place = read_place(event.get("text") or "") if asked else None
                return place if isinstance(place, AmbiguousPlace) else None
        elif kind == "bot" and users == 1:
            asked = asked or (event.get("metadata") or {}).get("utter_action") == WHICH_STATE_RESPONSE
    return None


# A place named after "in" / "near" in a request ("a therapist for us in dublin"): up to
# three words, read without its state.
_PLACE_AFTER = re.compile(r"\b(?:in|near|around|outside)\s+([a-z][a-z'.-]+(?:\s+[a-z][a-z'.-]+){0,2})")
_NOT_PLACE_WORDS = frozenset({"my", "our", "the", "a", "an", "me", "us", "this", "that", "your", "his", "her",
                              "their", "person", "general", "town", "city", "area", "state"})


def place_named_earlier(events: Sequence[Mapping[str, Any]], state: str) -> Optional[Location]:
    """A city the user named without its state in a message about this search, when it is
    in `state`: "a therapist for us in dublin", then "ohio" -> Dublin, OH."""
    for message in messages_since_last_search(events):
        if not message.about_search:
            continue
        for match in _PLACE_AFTER.finditer(message.text.lower()):
            words = match.group(1).split()
            if words[0] in _NOT_PLACE_WORDS:
                continue
            for length in range(len(words), 0, -1):
                place = place_in_state(" ".join(words[:length]), state)
                if place is not None:
                    return place
    return None


def failed_tries(events: Sequence[Mapping[str, Any]], slot: str, failure_responses: Sequence[str]) -> int:
    """How many answers to the current question about `slot` were already turned down
    (bot messages from `failure_responses` since the question was first asked)."""
    count = 0
    for event in reversed(events):
        kind = event.get("event")
        if kind == "bot" and (event.get("metadata") or {}).get("utter_action") in failure_responses:
            count += 1
        elif kind == "active_loop" and event.get("name") == FORM_NAME:
            break
        elif kind == "slot" and event.get("name") == "requested_slot" and event.get("value") not in (slot, None):
            break
        elif kind == "action" and event.get("name") == SEARCH_ACTION:
            break
    return count
