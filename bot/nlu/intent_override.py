"""Setting a message's intent from a rule, the way Rasa's FallbackClassifier does, and
adding an entity a rule found."""

from typing import Any, Iterable

from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message


def force_intent(message: Message, intent: str, drop: Iterable[str] = ()) -> None:
    """Makes ``intent`` the message's intent (confidence 1.0) and first in its ranking,
    leaving the intents in ``drop`` out of the ranking."""
    forced = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
    left_out = {intent, *drop}
    ranking = [
        entry for entry in message.get(INTENT_RANKING_KEY) or []
        if entry.get(INTENT_NAME_KEY) not in left_out
    ]
    message.set(INTENT, forced, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(forced)] + ranking, add_to_output=True)


def drop_intent(message: Message, intent: str, fallback: str, threshold: float) -> None:
    """Takes ``intent`` out of the message's intent and ranking: the next intent in the
    ranking takes its place with its own confidence, or ``fallback`` (forced, see
    ``force_intent``) when that one is less sure than ``threshold``."""
    ranking = [
        entry for entry in message.get(INTENT_RANKING_KEY) or []
        if entry.get(INTENT_NAME_KEY) != intent
    ]
    if ranking and (ranking[0].get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= threshold:
        message.set(INTENT, dict(ranking[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
    else:
        force_intent(message, fallback, drop=(intent,))


def add_entity(message: Message, entity: str, value: Any, start: int, end: int, extractor: str) -> None:
    """Adds an entity (with its span and the component that found it) to the message."""
    found = {
        ENTITY_ATTRIBUTE_TYPE: entity,
        ENTITY_ATTRIBUTE_VALUE: value,
        ENTITY_ATTRIBUTE_START: start,
        ENTITY_ATTRIBUTE_END: end,
        EXTRACTOR: extractor,
    }
    message.set(ENTITIES, [*(message.get(ENTITIES) or []), found], add_to_output=True)
