"""Therapist search: validates the form's answers and queries the provider directory."""

import logging
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from bot.directory import get_engine, parse_location
from bot.therapist_preferences import (
    parse_approach,
    parse_help_type,
    parse_insurance,
    parse_yes_no,
)
from bot.therapist_search import (
    NO_INSURANCE_PREFERENCE,
    criteria_from_slots,
    describe_matches,
    find_therapists,
)

logger = logging.getLogger(__name__)

FORM_SLOTS = ("location", "help_type", "approach", "insurance", "telehealth")
# A typed answer is read as "stop" only when the classifier is this sure: a free-text slot
# takes any text, and odd text (a stray SQL string, say) sometimes leans towards `stop`.
STOP_CONFIDENCE = 0.8

# One engine (and connection pool) per action-server process, made on first use.
directory_engine = lru_cache(maxsize=1)(get_engine)


def _accept(
    slot: Text, value: Optional[Any], dispatcher: CollectingDispatcher
) -> Dict[Text, Any]:
    """Keeps a parsed value, or clears the slot and says what is expected."""
    if value is None:
        dispatcher.utter_message(response=f"utter_invalid_{slot}")
    return {slot: value}


class ValidateTherapistForm(FormValidationAction):
    """Turns typed or button answers into the values the directory search understands."""

    def name(self) -> Text:
        return "validate_therapist_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Rejects the form on a confident "stop", so the stop rule ends it."""
        intent = tracker.latest_message.get("intent") or {}
        if intent.get("name") == "stop" and (intent.get("confidence") or 0) >= STOP_CONFIDENCE:
            return [ActionExecutionRejected(self.form_name())]
        return await super().run(dispatcher, tracker, domain)

    def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        location = parse_location(str(value))
        normalised = None if location is None else (location.zip_code or location.state)
        return _accept("location", normalised, dispatcher)

    def validate_help_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return _accept("help_type", parse_help_type(str(value)), dispatcher)

    def validate_approach(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return _accept("approach", parse_approach(str(value)), dispatcher)

    def validate_insurance(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"insurance": parse_insurance(str(value)) or NO_INSURANCE_PREFERENCE}

    def validate_telehealth(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        answer = parse_yes_no(str(value))
        return _accept("telehealth", None if answer is None else ("yes" if answer else "no"), dispatcher)


class ActionSearchTherapists(Action):
    """Lists up to three directory matches, or the national options when there are none."""

    def name(self) -> Text:
        return "action_search_therapists"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        criteria = criteria_from_slots(*(tracker.get_slot(slot) for slot in FORM_SLOTS))
        try:
            matches = find_therapists(directory_engine(), criteria) if criteria else []
        except SQLAlchemyError:
            logger.exception("therapist directory query failed")
            dispatcher.utter_message(response="utter_directory_unavailable")
        else:
            if matches:
                dispatcher.utter_message(response="utter_therapists_found", matches=describe_matches(matches))
            else:
                dispatcher.utter_message(response="utter_therapists_none")
        # Clear the answers so a later search asks again.
        return [SlotSet(slot, None) for slot in FORM_SLOTS]
