"""Confirms a user's request to delete their conversation."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher


class ActionDeleteMyData(Action):
    """Marks the conversation for deletion; the tracker store deletes it when Rasa saves
    the turn (bot.privacy.deletion), whatever the channel.

    Deleting inside the action would not work: Rasa saves the tracker after the action and
    would write the events back.
    """

    def name(self) -> Text:
        return "action_delete_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_data_deleted")
        return [SlotSet("data_deletion_requested", True)]
