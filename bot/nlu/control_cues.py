"""Rasa NLU component that forces steering intents (start, stop, goodbye, start over, resume)
and questions about a named term ("btw whats ACT?").

People pause or restart inside longer sentences ("ugh something came up, i have to go"),
which the trained classifier often reads as something else; inside a form that used to
mean the message was taken as an answer or fell back. This component matches the phrasings
in ``control_cues.yml`` and, on a match, sets the intent with confidence 1.0 and puts it
first in ``intent_ranking`` (as FallbackClassifier does). Place it after the classifier and
FallbackClassifier and before CrisisGuard, so a crisis message still wins. It also drops an
intent the message lacks the words for, or has words against (``requires`` / ``forbids``:
"delete" needs a deletion word; "her therapist" is no request to find one). A message that
moves the conversation on ("can we talk about something else") gets the entity
``moving_on`` (value ``False``), which turns ``safety_focus`` off through its slot mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Pattern, Text, Tuple

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.intent_override import add_entity, force_intent

CUES_FILE = Path(__file__).with_name("control_cues.yml")
FALLBACK_INTENT = "nlu_fallback"
MOVING_ON_ENTITY = "moving_on"


@dataclass(frozen=True)
class ControlCue:
    """One steering intent and the phrasings that force it."""

    intent: str
    max_words: int
    patterns: Tuple[Pattern[str], ...]


@lru_cache(maxsize=None)
def _raw(path: Path = CUES_FILE) -> Dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def word_rules(path: Path = CUES_FILE) -> Tuple[Dict[str, Pattern[str]], Dict[str, Pattern[str]]]:
    """(intents a message must have words for, intents its words rule out)."""
    raw = _raw(path)
    return tuple(  # type: ignore[return-value]
        {intent: re.compile(p) for intent, p in (raw.get(key) or {}).items()}
        for key in ("requires", "forbids")
    )


def supported(intent: str, text: str) -> bool:
    """Whether ``text`` has the words ``intent`` needs and none that rule it out."""
    requires, forbids = word_rules()
    return (intent not in requires or bool(requires[intent].search(text))) and not (
        intent in forbids and forbids[intent].search(text)
    )


@lru_cache(maxsize=None)
def load_control_cues(path: Path = CUES_FILE) -> Tuple[ControlCue, ...]:
    """The cue groups of control_cues.yml, in the order they are tried."""
    raw = _raw(path)
    return tuple(
        ControlCue(
            intent=str(group["intent"]),
            max_words=int(group["max_words"]),
            patterns=tuple(re.compile(p) for p in group["patterns"]),
        )
        for group in raw["intents"]
    )


@lru_cache(maxsize=None)
def moving_on_patterns(path: Path = CUES_FILE) -> Tuple[Pattern[str], ...]:
    """Phrasings that move the conversation on (``moving_on`` in control_cues.yml)."""
    return tuple(re.compile(p) for p in _raw(path).get("moving_on") or ())


def _normal(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").split())


def moves_on(text: str) -> bool:
    """Whether the user asks to leave the current topic ("can we talk about something else")."""
    normal = _normal(text)
    return any(p.search(normal) for p in moving_on_patterns())


def control_intent(text: str, cues: Optional[Tuple[ControlCue, ...]] = None) -> Optional[str]:
    """The steering intent a message expresses, or None."""
    normal = _normal(text)
    length = len(normal.split())
    for cue in cues or load_control_cues():
        if length <= cue.max_words and any(p.search(normal) for p in cue.patterns):
            if supported(cue.intent, normal):
                return cue.intent
    return None


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class ControlCues(GraphComponent):
    """Overrides the classifier for unmistakable start / stop / goodbye / start over / resume."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ControlCues:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):
                continue
            intent = control_intent(text)
            if intent is not None:
                force_intent(message, intent)
            else:
                self._drop_unsupported(message, text.lower())
            if moves_on(text):
                # False: the value safety_focus takes from it (domain.yml)
                add_entity(message, MOVING_ON_ENTITY, False, 0, len(text), type(self).__name__)
        return messages

    @staticmethod
    def _drop_unsupported(message: Message, text: str) -> None:
        """A top intent the message lacks the words for (or has words against) becomes
        ``nlu_fallback``: the next guess could be anything ("yes" for SQL text)."""
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if intent and not supported(str(intent), text):
            force_intent(message, FALLBACK_INTENT, drop=(str(intent),))
