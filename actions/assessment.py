"""Scores the partner-reaction check-in and tells the user what it resembles."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.assessment import describe_evidence, load_scoring_table, score_answers


class ActionAssessPattern(Action):
    """Sets slot `pattern`, explains it with the answers that pointed each way, offers next steps."""

    def name(self) -> Text:
        return "action_assess_pattern"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        questions = load_scoring_table().questions
        result = score_answers({slot: tracker.get_slot(slot) for slot in questions})
        dispatcher.utter_message(
            response=f"utter_pattern_{result.pattern}",
            identify_evidence=describe_evidence(result.identify_evidence),
            avoid_evidence=describe_evidence(result.avoid_evidence),
        )
        dispatcher.utter_message(response=f"utter_next_steps_{result.pattern}")
        # Clear the answers so a later check-in starts from the first question.
        return [SlotSet("pattern", result.pattern)] + [
            SlotSet(slot, None) for slot in questions
        ]
