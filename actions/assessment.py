"""The partner-reaction check-in: reads typed answers, scores them, tells the user what it resembles."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.answers import REACTION_QUESTION
from bot.assessment import describe_evidence, load_scoring_table, score_answers, telling_quotes
from bot.checkin import QUOTES_SLOT, UNCLEAR_SLOT, Message, interpret, previous_bot_turn


# Intents of an opening description that fills the first question before the form starts.
OPENING_INTENTS = ("reaction_confused", "reaction_avoidant")


class ValidateAssessmentForm(Action):
    """Reads each typed or button answer of assessment_form (bot.checkin).

    Returns no events when the message is not an answer, so the form steps aside and the
    rules answer it; the form then asks its pending question again.
    """

    def name(self) -> Text:
        return "validate_assessment_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        question = tracker.get_slot("requested_slot")
        if question is None:
            # The form is starting on an opening description that already answered the
            # first question (a from_intent mapping): read it properly and say how.
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            if intent not in OPENING_INTENTS or tracker.get_slot(REACTION_QUESTION) is None:
                return []
            question = REACTION_QUESTION
        responses, buttons = previous_bot_turn(tracker.events)
        turn = interpret(
            question,
            Message.from_parse((tracker.latest_message or {}).get("text"), tracker.latest_message),
            responses,
            buttons,
            tracker.get_slot(QUOTES_SLOT),
            counted_reaction=tracker.get_slot(REACTION_QUESTION),
            unanswered=[q for q in load_scoring_table().questions if tracker.get_slot(q) is None],
        )
        if not turn.is_answer:
            return []
        for response in turn.responses:
            dispatcher.utter_message(response=response)
        return [SlotSet(slot, value) for slot, value in turn.slots.items()]


class ActionAssessPattern(Action):
    """Sets slot `pattern`, explains it with the answers that pointed each way and the
    user's own words, offers next steps."""

    def name(self) -> Text:
        return "action_assess_pattern"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        questions = load_scoring_table().questions
        answers = {slot: tracker.get_slot(slot) for slot in questions}
        result = score_answers(answers)
        dispatcher.utter_message(
            response=f"utter_pattern_{result.pattern}",
            identify_evidence=describe_evidence(result.identify_evidence),
            avoid_evidence=describe_evidence(result.avoid_evidence),
        )
        quotes = telling_quotes(answers, tracker.get_slot(QUOTES_SLOT) or {}, result.pattern)
        if quotes:
            dispatcher.utter_message(
                response="utter_pattern_quotes", quotes="; ".join(f'"{q}"' for q in quotes)
            )
        dispatcher.utter_message(response=f"utter_next_steps_{result.pattern}")
        # Clear the answers so a later check-in starts from the first question.
        return [SlotSet("pattern", result.pattern)] + [
            SlotSet(slot, None) for slot in (*questions, QUOTES_SLOT, UNCLEAR_SLOT)
        ]
