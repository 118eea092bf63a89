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

When no rule matches, the crisis scorer (scorer.py, trained with the model from
``scorer_data/`` and the NLU examples) decides: a probability of at least
``scorer_alone_threshold``, or of ``scorer_threshold`` with the intent classifier giving
``crisis`` at least ``classifier_support``, forces ``crisis`` too (unless the message holds a
figure of speech of patterns.yml: "cut myself shaving"), with the tags of the category the
scorer names (in progress -> ``emergency``). A ``crisis`` guess of the intent classifier
that neither layer backs gives way: to the intent an ordinary phrase names (patterns.yml
``not_crisis`` and ``exclusions``: "he'll be the death of me" -> ``vent_frustration``, "my
dog died" -> ``share_sadness``), else, when the scorer gives it less than
``confirm_threshold``, to the next intent of the ranking (``nlu_fallback`` under
``fallback_threshold``). Idioms, grief and check-in answers do not raise the alarm.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Type

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from spacy.language import Language

from bot.crisis.detector import CrisisDetector, CrisisMatch, MessageView
from bot.crisis.scorer import (
    CrisisScorer,
    Score,
    load_scorer_data,
    nlu_examples,
    scorer_data_fingerprint,
)
from bot.nlu.intent_override import add_entity, drop_intent, force_intent

logger = logging.getLogger(__name__)

CRISIS_CONTEXT_ENTITY = "crisis_context"
INTENT_KEY = "intent"
SCORER_THRESHOLD_KEY = "scorer_threshold"
SCORER_ALONE_THRESHOLD_KEY = "scorer_alone_threshold"
CLASSIFIER_SUPPORT_KEY = "classifier_support"
CONFIRM_THRESHOLD_KEY = "confirm_threshold"
FALLBACK_THRESHOLD_KEY = "fallback_threshold"
NLU_FALLBACK = "nlu_fallback"
SCORER_FILE = "crisis_scorer.joblib"


def strip_intent_prefix(text: str) -> str:
    """``text`` without the leading "/"s RegexMessageHandler looks for (after strip())."""
    stripped = text.strip()
    while stripped.startswith(INTENT_MESSAGE_PREFIX):
        stripped = stripped[len(INTENT_MESSAGE_PREFIX):].strip()
    return stripped


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER],
    is_trainable=True,
    model_from="SpacyNLP",
)
class CrisisGuard(GraphComponent):
    """Safety net over the trained intent classifier: rules, then the crisis scorer."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [SpacyNLP]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            INTENT_KEY: "crisis",
            SCORER_THRESHOLD_KEY: 0.6,
            SCORER_ALONE_THRESHOLD_KEY: 0.95,
            CLASSIFIER_SUPPORT_KEY: 0.05,
            CONFIRM_THRESHOLD_KEY: 0.2,
            FALLBACK_THRESHOLD_KEY: 0.25,
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        """Retrain when the scorer's data files change (Rasa only sees the NLU data)."""
        return scorer_data_fingerprint()

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        scorer: Optional[CrisisScorer] = None,
    ) -> None:
        self._intent = config[INTENT_KEY]
        self._scorer_threshold = float(config[SCORER_THRESHOLD_KEY])
        self._scorer_alone_threshold = float(config[SCORER_ALONE_THRESHOLD_KEY])
        self._classifier_support = float(config[CLASSIFIER_SUPPORT_KEY])
        self._confirm_threshold = float(config[CONFIRM_THRESHOLD_KEY])
        self._fallback_threshold = float(config[FALLBACK_THRESHOLD_KEY])
        self._model_storage = model_storage
        self._resource = resource
        self._scorer = scorer
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
        return cls({**cls.get_default_config(), **config}, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CrisisGuard:
        """The guard with the scorer trained with the model."""
        with model_storage.read_from(resource) as directory:
            scorer = joblib.load(directory / SCORER_FILE)
        return cls({**cls.get_default_config(), **config}, model_storage, resource, scorer)

    def train(self, training_data: TrainingData, model: SpacyModel) -> Resource:
        """Fits the crisis scorer on scorer_data/ and the NLU examples, and stores it."""
        intent_examples: Dict[str, List[str]] = {}
        for example in training_data.intent_examples:
            intent_examples.setdefault(example.get(INTENT), []).append(example.get(TEXT))
        examples = load_scorer_data() + nlu_examples(intent_examples, self._intent)
        scorer = CrisisScorer(self._detector_for(model.model)).fit(examples)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(scorer, directory / SCORER_FILE)
        self._scorer = scorer
        return self._resource

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        """Force the crisis intent on every message a rule or the scorer finds; drop the
        classifier's crisis guess on anything else."""
        detector = self._detector_for(model.model)
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            doc = message.get(SPACY_DOCS[TEXT])
            view = detector.view(doc if doc is not None else text)
            if view.match is not None:
                logger.debug("Crisis guard: %s (rule %s)", view.match.category, view.match.rule)
                self._mark_crisis(message, text, view.match)
                continue
            score = self._score(view)
            if self._scored_crisis(message, score) and not view.figure_of_speech:
                logger.debug("Crisis guard: %s (scorer %.2f)", score.category, score.probability)
                self._mark_crisis(message, text, self._scored_match(detector, view, text, score))
            elif self._predicted_crisis(message):
                self._check_classifier_crisis(message, view, score)
        return messages

    def _scored_crisis(self, message: Message, score: Score) -> bool:
        """Whether the scorer finds a crisis: sure on its own, or likely with the intent
        classifier giving ``crisis`` some weight too (two models that rarely agree by chance)."""
        if score.probability >= self._scorer_alone_threshold:
            return True
        return (
            score.probability >= self._scorer_threshold
            and self._classifier_confidence(message) >= self._classifier_support
        )

    def _classifier_confidence(self, message: Message) -> float:
        """The intent classifier's confidence in ``crisis`` (0 when outside its ranking)."""
        return next(
            (
                entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0
                for entry in message.get(INTENT_RANKING_KEY) or []
                if entry.get(INTENT_NAME_KEY) == self._intent
            ),
            0.0,
        )

    def _check_classifier_crisis(self, message: Message, view: MessageView, score: Score) -> None:
        """The classifier's crisis guess, with no rule behind it, gives way to what the
        message says instead (a figure of speech, grief) or, when the scorer is not behind
        it either, to the next intent."""
        instead = view.not_crisis_intent
        if instead is not None:
            logger.debug("Crisis guard: classifier's crisis replaced by %s", instead)
            force_intent(message, instead, drop=(self._intent,))
        elif score.probability < self._confirm_threshold:
            logger.debug("Crisis guard: classifier's crisis dropped (scorer %.2f)", score.probability)
            drop_intent(message, self._intent, NLU_FALLBACK, self._fallback_threshold)

    def _score(self, view: MessageView) -> Score:
        if self._scorer is None:
            raise RuntimeError("CrisisGuard has no trained scorer: train the model first")
        return self._scorer.score_views([view])[0]

    @staticmethod
    def _scored_match(
        detector: CrisisDetector, view: MessageView, text: str, score: Score
    ) -> CrisisMatch:
        """A match for a scored crisis: the whole message, the tags of its category."""
        return CrisisMatch(
            category=score.category,
            tags=detector.category_tags(score.category) | view.context_tags,
            rule="scorer",
            start_char=0,
            end_char=len(text),
        )

    def _predicted_crisis(self, message: Message) -> bool:
        return (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == self._intent

    def _detector_for(self, nlp: Language) -> CrisisDetector:
        if self._detector is None or self._detector_nlp is not nlp:
            self._detector = CrisisDetector(nlp)
            self._detector_nlp = nlp
            if self._scorer is not None:
                self._scorer.bind(self._detector)
        return self._detector

    def _mark_crisis(self, message: Message, text: str, match: CrisisMatch) -> None:
        force_intent(message, self._intent)

        offset = 0
        if text.strip().startswith(INTENT_MESSAGE_PREFIX):
            unprefixed = strip_intent_prefix(text)
            offset = text.find(unprefixed)
            message.set(TEXT, unprefixed)
        for tag in sorted(match.tags):
            add_entity(
                message, CRISIS_CONTEXT_ENTITY, tag,
                match.start_char - offset, match.end_char - offset, type(self).__name__,
            )
