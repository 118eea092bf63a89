"""Therapist search: fills and validates the form's answers, then searches."""

import logging
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.answers import looks_like_question
from bot.checkin import Message, asks_the_bot, is_control
from bot.form_control import is_answer_turn
from bot.directory import get_engine
from bot.directory.locations import (
    NEAR_ME,
    AmbiguousPlace,
    Location,
    OutsideUS,
    parse_location,
    place_in_state,
    read_place,
    warm_up,
)
from bot.directory.npi_registry import GROUPS_FOR_HELP
from bot.directory.registry_prefetch import ConversationRegistry, prefetching_registry_from_env
from bot.therapist_form import (
    WHICH_STATE_RESPONSE,
    UserMessage,
    approach_from,
    changed_answer,
    failed_tries,
    help_type_from,
    insurance_from,
    location_from,
    messages_since_last_search,
    place_asked_about,
    place_named_earlier,
    telehealth_from,
)
from bot.therapist_preferences import (
    asks_what_options_mean,
    named_insurer,
    parse_approach,
    parse_help_type,
    parse_insurance,
    parse_yes_no,
)
from bot.therapist_search import (
    NO_INSURANCE_PREFERENCE,
    NO_LOCATION,
    OUTSIDE_US,
    criteria_from_slots,
    search,
)

logger = logging.getLogger(__name__)

FORM_SLOTS = ("location", "help_type", "approach", "insurance", "telehealth")
# What a question falls back to when it cannot be answered, or is skipped.
DEFAULTS = {"help_type": "individual", "approach": "any", "insurance": NO_INSURANCE_PREFERENCE, "telehealth": "yes"}
SKIP_ANSWERS = ("skip", "pass", "next", "national options", "none", "no idea", "idk", "dont know", "don't know",
                "not sure", "rather not say")

# One engine (and connection pool) per action-server process, made on first use.
directory_engine = lru_cache(maxsize=1)(get_engine)
# One live registry per process (its prefetched searches live in it), made on first use.
live_registry = lru_cache(maxsize=1)(prefetching_registry_from_env)
# Load the ZIP Code data when the action server starts, not in a user's turn.
warm_up()


def conversation_registry(tracker: Tracker) -> Optional[ConversationRegistry]:
    """The live registry as this conversation sees it (its own prefetched searches)."""
    registry = live_registry()
    return None if registry is None else registry.for_conversation(tracker.sender_id)


def _is_skip(value: Any) -> bool:
    return " ".join(str(value).lower().replace("’", "'").strip(" .!").split()) in SKIP_ANSWERS


def _end_form(tracker: Tracker, location: str) -> Dict[Text, Any]:
    """Fills every open question, so the form ends and the search gives national options."""
    filled = {slot: DEFAULTS[slot] for slot in DEFAULTS if tracker.get_slot(slot) is None}
    return {**filled, "location": location}


class ValidateTherapistForm(FormValidationAction):
    """Reads details given earlier, turns answers into the values the search understands,
    and after two failed tries on one question moves on instead of asking again."""

    def name(self) -> Text:
        return "validate_therapist_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Rejects the form on a confident steering message ("stop", "i have to go", "start
        over", "continue", "delete my data") or a question to the bot ("what is schema
        therapy?"), so the rules handle it; after a question the form asks again."""
        latest = tracker.latest_message or {}
        message = Message.from_parse(latest.get("text"), latest)
        steers = is_control(message) and message.intent != "find_therapist"
        requested = tracker.get_slot("requested_slot")
        asks = asks_the_bot(message) and not (
            changed_answer(message.text, requested, tracker.current_slot_values())
            or (requested == "approach" and asks_what_options_mean(message.text))
        )
        if is_answer_turn(tracker.events, self.form_name()) and (steers or asks):
            # The pending question's free-text mapping took the message; it was no answer.
            undo = [SlotSet(requested, None)] if requested else []
            return undo + [ActionExecutionRejected(self.form_name())]
        events = await super().run(dispatcher, tracker, domain)
        self._prefetch_registry_search(tracker, events)
        return events

    @staticmethod
    def _prefetch_registry_search(tracker: Tracker, events: List[EventType]) -> None:
        """Once the place and the kind of help are known, starts the live registry search
        (the only answers it uses), so the search turn does not wait for it."""
        registry = conversation_registry(tracker)
        if registry is None:
            return
        slots = {slot: tracker.get_slot(slot) for slot in ("location", "help_type")}
        slots.update((e["name"], e["value"]) for e in events if e.get("event") == "slot" and e.get("name") in slots)
        location = parse_location(str(slots["location"])) if slots["location"] else None
        if location is not None and slots["help_type"] in GROUPS_FOR_HELP:
            registry.prefetch(location, slots["help_type"])

    # ---- details given before they were asked ----

    def _earlier(
        self, slot: Text, tracker: Tracker, read: Callable[[Sequence[UserMessage]], Optional[str]]
    ) -> Dict[Text, Any]:
        if tracker.get_slot(slot) is not None or tracker.get_slot("requested_slot") == slot:
            return {}
        value = read(messages_since_last_search(tracker.events))
        return {} if value is None else {slot: value}

    async def extract_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._earlier("location", tracker, location_from)

    async def extract_help_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._earlier("help_type", tracker, help_type_from)

    async def extract_approach(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._earlier("approach", tracker, approach_from)

    async def extract_insurance(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._earlier("insurance", tracker, insurance_from)

    async def extract_telehealth(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._earlier("telehealth", tracker, telehealth_from)

    # ---- answers ----

    def _accept(
        self, slot: Text, value: Optional[Any], dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        """Keeps a parsed value, unless the reply changes an earlier answer. Otherwise says
        what is expected; on the second failure (or "skip") takes the default and says so,
        rather than asking a third time."""
        # first: "wait no not cigna its united" at the video question is no "no" to video
        changed = self._changed_answer(slot, dispatcher, tracker)
        if changed:
            return changed
        if value is not None:
            return {slot: value}
        if _is_skip(tracker.latest_message.get("text", "")) or failed_tries(
            tracker.events, slot, [f"utter_invalid_{slot}"]
        ) >= 1:
            dispatcher.utter_message(response=f"utter_default_{slot}")
            return {slot: DEFAULTS[slot]}
        dispatcher.utter_message(response=f"utter_invalid_{slot}")
        return {slot: None}

    @staticmethod
    def _changed_answer(slot: Text, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        """"wait actually can we make it couples" at the question about `slot`: the earlier
        answer changes, and the pending question is asked again; {} when nothing changes."""
        changed = changed_answer(tracker.latest_message.get("text", ""), slot, tracker.current_slot_values())
        if not changed:
            return {}
        dispatcher.utter_message(response="utter_therapist_answer_changed")
        return {**changed, slot: None}

    def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value in (NO_LOCATION, OUTSIDE_US):
            return {"location": value}
        place = read_place(str(value))
        if isinstance(place, Location) and place.zip_code is None:
            # "kentucky" after "london" -> which state?: London, KY; "ohio" after "a therapist
            # for us in dublin": Dublin, OH
            asked = place_asked_about(tracker.events)
            place = (
                (asked and place_in_state(asked.name, place.state))
                or place_named_earlier(tracker.events, place.state)
                or place
            )
        if isinstance(place, Location):
            return {"location": place.slot_value()}
        if isinstance(place, AmbiguousPlace):
            dispatcher.utter_message(
                response=WHICH_STATE_RESPONSE, place=place.name, states=", ".join(place.states)
            )
            return {"location": None}
        if isinstance(place, OutsideUS):
            dispatcher.utter_message(response="utter_outside_us", place=place.name)
            return _end_form(tracker, OUTSIDE_US)
        if place is NEAR_ME:
            dispatcher.utter_message(response="utter_location_need_zip")
            return {"location": None}
        tries = failed_tries(tracker.events, "location", ["utter_invalid_location", "utter_location_way_on"])
        if _is_skip(value) or tries >= 2:
            return _end_form(tracker, NO_LOCATION)
        dispatcher.utter_message(response="utter_location_way_on" if tries == 1 else "utter_invalid_location")
        return {"location": None}

    def validate_help_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._accept("help_type", parse_help_type(str(value)), dispatcher, tracker)

    def validate_approach(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if asks_what_options_mean(str(value)):
            # "idk what any of that is, what do those mean": explained, then asked again
            dispatcher.utter_message(response="utter_explain_approaches")
            return {"approach": None}
        return self._accept("approach", parse_approach(str(value)), dispatcher, tracker)

    def validate_insurance(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        changed = self._changed_answer("insurance", dispatcher, tracker)
        if changed:
            return changed
        text = str(value)
        insurance = parse_insurance(text)
        if insurance is not None and looks_like_question(text) and named_insurer(text) is None:
            # "wait is this free?": a question, not the name of an insurer; asked again
            dispatcher.utter_message(response="utter_insurance_question")
            return {"insurance": None}
        return {"insurance": insurance or NO_INSURANCE_PREFERENCE}

    def validate_telehealth(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        # the words first: "video or in person, doesnt matter" is classified as a deny
        text = tracker.latest_message.get("text") or ""
        answer = None if text.startswith("/") else parse_yes_no(text)
        if answer is None:
            answer = parse_yes_no(str(value))
        return self._accept("telehealth", None if answer is None else ("yes" if answer else "no"), dispatcher, tracker)


class ActionSearchTherapists(Action):
    """Lists up to three matches from the directory or the live registry, or the national options."""

    def name(self) -> Text:
        return "action_search_therapists"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        location = tracker.get_slot("location")
        if location == NO_LOCATION:
            dispatcher.utter_message(response="utter_therapist_national_options")
        elif location != OUTSIDE_US:
            criteria = criteria_from_slots(*(tracker.get_slot(slot) for slot in FORM_SLOTS))
            if criteria is None:
                dispatcher.utter_message(response="utter_therapists_none")
            else:
                for reply in await search(criteria, directory_engine, conversation_registry(tracker)):
                    dispatcher.utter_message(response=reply.response, **reply.values)
        # Clear the answers so a later search asks again.
        return [SlotSet(slot, None) for slot in FORM_SLOTS]
