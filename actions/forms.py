"""Resuming and restarting a form in free text ("ok i'm back", "can we start over")."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.form_control import answer_slots, form_to_restart, paused_form


class ActionResumeForm(Action):
    """Picks the paused form up at its next unanswered question, or says nothing is paused."""

    def name(self) -> Text:
        return "action_resume_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if tracker.active_loop.get("name"):
            return []  # the form is still running: it asks its pending question next
        form = paused_form(tracker.events)
        if form is None:
            dispatcher.utter_message(response="utter_nothing_to_resume")
            return []
        dispatcher.utter_message(response="utter_resuming")
        return [FollowupAction(form)]


class ActionStartOver(Action):
    """Clears the answers of the current (or last) form and asks its first question again."""

    def name(self) -> Text:
        return "action_start_over"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        form = form_to_restart(tracker.active_loop.get("name"), tracker.events)
        dispatcher.utter_message(response=f"utter_starting_over_{form}")
        clear = [SlotSet(slot, None) for slot in answer_slots(form, domain)]
        return clear + [SlotSet("requested_slot", None), FollowupAction(form)]
