"""Rasa NLU component that forces the ``crisis`` intent when CrisisDetector matches.

Place it after DIETClassifier and FallbackClassifier (config.yml:
``- name: bot.crisis.guard.CrisisGuard``); it needs ``SpacyNLP`` earlier in the
pipeline and reuses the spaCy doc SpacyNLP attached to each message.

On a match it sets ``intent`` to ``{"name": "crisis", "confidence": 1.0}``, puts the same
dict first in ``intent_ranking`` (the way FallbackClassifier does), and appends one entity
per context tag::

    {"entity": "crisis_context", "value": <tag>, "start": <int>, "end": <int>,
     "extractor": "CrisisGuard"}

with tag one of ``emergency`` (in progress: 911 first), ``partner_violence``,
``someone_else``, ``veteran``, ``spanish``, and start/end the character span of the phrase
that matched. A crisis message whose text starts with "/" loses its leading slashes, so
RegexMessageHandler (which runs after every pipeline component) cannot turn it into
another intent.

When no rule matches but the classifier said ``crisis`` and the message says something
ordinary (patterns.yml ``not_crisis`` and ``exclusions``: "he'll be the death of me" ->
``vent_frustration``, "my dog died" -> ``share_sadness``), the guard puts that intent in
place of ``crisis``: idioms and grief do not raise the alarm. A crisis guess of the
classifier with no rule behind it and a confidence under ``classifier_threshold`` (config,
default 0: keep every guess) becomes ``nlu_fallback``.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from spacy.language import Language

from bot.crisis.detector import CrisisDetector, CrisisMatch
from bot.nlu.intent_override import force_intent

logger = logging.getLogger(__name__)

CRISIS_CONTEXT_ENTITY = "crisis_context"
INTENT_KEY = "intent"
CLASSIFIER_THRESHOLD_KEY = "classifier_threshold"
NLU_FALLBACK = "nlu_fallback"


def strip_intent_prefix(text: str) -> str:
    """``text`` without the leading "/"s RegexMessageHandler looks for (after strip())."""
    stripped = text.strip()
    while stripped.startswith(INTENT_MESSAGE_PREFIX):
        stripped = stripped[len(INTENT_MESSAGE_PREFIX):].strip()
    return stripped


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER],
    is_trainable=False,
    model_from="SpacyNLP",
)
class CrisisGuard(GraphComponent):
    """Rule-based safety net over the trained intent classifier."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [SpacyNLP]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {INTENT_KEY: "crisis", CLASSIFIER_THRESHOLD_KEY: 0.0}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._intent = config[INTENT_KEY]
        self._classifier_threshold = float(config[CLASSIFIER_THRESHOLD_KEY])
        self._detector: Optional[CrisisDetector] = None
        self._detector_nlp: Optional[Language] = None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisGuard:
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        """Force the crisis intent on every message the detector matches; drop the
        classifier's crisis guess on a figure of speech no rule matches."""
        detector = self._detector_for(model.model)
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            doc = message.get(SPACY_DOCS[TEXT])
            doc_or_text = doc if doc is not None else text
            match = detector.detect(doc_or_text)
            if match is not None:
                logger.debug("Crisis guard: %s (rule %s)", match.category, match.rule)
                self._mark_crisis(message, text, match)
            elif self._predicted_crisis(message):
                instead = detector.not_crisis_intent(doc_or_text) or self._below_threshold(message)
                if instead is not None:
                    logger.debug("Crisis guard: classifier's crisis replaced by %s", instead)
                    self._replace_crisis(message, instead)
        return messages

    def _below_threshold(self, message: Message) -> Optional[str]:
        """``nlu_fallback`` when the classifier's crisis guess, with no rule behind it, is
        less sure than ``classifier_threshold``."""
        confidence = (message.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0
        return NLU_FALLBACK if confidence < self._classifier_threshold else None

    def _predicted_crisis(self, message: Message) -> bool:
        return (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == self._intent

    def _replace_crisis(self, message: Message, intent: str) -> None:
        """``intent`` (confidence 1.0) takes the classifier's crisis guess's place."""
        force_intent(message, intent, drop=(self._intent,))

    def _detector_for(self, nlp: Language) -> CrisisDetector:
        if self._detector is None or self._detector_nlp is not nlp:
            self._detector = CrisisDetector(nlp)
            self._detector_nlp = nlp
        return self._detector

    def _mark_crisis(self, message: Message, text: str, match: CrisisMatch) -> None:
        force_intent(message, self._intent)

        offset = 0
        if text.strip().startswith(INTENT_MESSAGE_PREFIX):
            unprefixed = strip_intent_prefix(text)
            offset = text.find(unprefixed)
            message.set(TEXT, unprefixed)
        entities = [
            {
                ENTITY_ATTRIBUTE_TYPE: CRISIS_CONTEXT_ENTITY,
                ENTITY_ATTRIBUTE_VALUE: tag,
                ENTITY_ATTRIBUTE_START: match.start_char - offset,
                ENTITY_ATTRIBUTE_END: match.end_char - offset,
                EXTRACTOR: self.__class__.__name__,
            }
            for tag in sorted(match.tags)
        ]
        message.set(ENTITIES, (message.get(ENTITIES) or []) + entities, add_to_output=True)
