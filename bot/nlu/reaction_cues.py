"""Rasa NLU component that recognises a description of how the partner reacts.

"when i ask him what's wrong he says he's tired" describes a Jamie-like reaction, yet the
classifier may read it as a request for tips; "my gf shuts down every time i try to talk"
may fall back. When a message is not a question and describes a reaction in the words of
``bot/answers.yml`` (``reaction``), this component sets ``reaction_confused`` or
``reaction_avoidant`` (confidence 1.0, first in ``intent_ranking``), so the check-in starts
with it counted - or, inside the check-in, it is read as an answer. Steering and crisis
intents are left alone, and so is "I think I have it myself" unless the message is about the
partner; place it before ControlCues and CrisisGuard.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.answers import AVOIDANT, CONFUSED, looks_like_question, about_partner, reaction_signals
from bot.nlu.intent_override import force_intent

REACTION_INTENTS = {CONFUSED: "reaction_confused", AVOIDANT: "reaction_avoidant"}
# Intents a description never overrides: the person asked for something else.
KEEP = frozenset({
    "reaction_confused", "reaction_avoidant", "crisis", "delete_data", "find_therapist", "stop",
    "goodbye", "start_over", "resume",
})


def described_reaction(text: str, intent: Optional[str]) -> Optional[str]:
    """The reaction intent a descriptive message stands for, or None."""
    if intent in KEEP or text.startswith("/") or looks_like_question(text):
        return None
    if not about_partner(text):
        return None  # "i can't tell" answers a question; it describes no partner
    signals = reaction_signals(text)
    confused, avoidant = signals.get(CONFUSED, 0), signals.get(AVOIDANT, 0)
    if confused == avoidant:
        return None
    return REACTION_INTENTS[CONFUSED if confused > avoidant else AVOIDANT]


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class ReactionCues(GraphComponent):
    """Overrides the classifier for plain descriptions of the partner's reaction."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ReactionCues:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            reaction = described_reaction(text, intent) if text else None
            if reaction is None:
                continue
            force_intent(message, reaction)
        return messages
