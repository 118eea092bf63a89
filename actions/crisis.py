"""Adds tailored crisis resources after the static first response and pauses any form."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.crisis.handoff import (
    CRISIS_KIND_SLOT,
    SAFETY_FOCUS_SLOT,
    crisis_contexts,
    crisis_kind,
    handoff_responses,
)


class ActionCrisisHandoff(Action):
    """Runs right after the first crisis response; the policy deactivates the form after it."""

    def name(self) -> Text:
        return "action_crisis_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        contexts = crisis_contexts(tracker.latest_message.get("entities") or [])
        paused_form = (tracker.active_loop or {}).get("name")
        for response in handoff_responses(contexts, paused_form):
            dispatcher.utter_message(response=response)
        return [SlotSet(SAFETY_FOCUS_SLOT, True), SlotSet(CRISIS_KIND_SLOT, crisis_kind(contexts))]
