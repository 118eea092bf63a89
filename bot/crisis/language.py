"""Spanish messages: a short Spanish reply with 988 (press 2, or text AYUDA to 988).

The assistant speaks English. Its classifier, trained on English, reads Spanish as noise
(an ordinary Spanish sentence could come out as ``crisis``), so ``SpanishGuard`` - after
the classifier, before ``CrisisGuard`` - sets the ``speak_spanish`` intent on a message
that is Spanish. ``CrisisGuard`` runs next and still turns a Spanish crisis message into
``crisis`` (its Spanish rules, which also tag the message ``spanish``).

A message is Spanish when it has at least one common Spanish word that is not also
English (``SPANISH_WORDS``) and lingua (``lingua-language-detector``, English vs Spanish,
low-accuracy mode) gives Spanish at least ``threshold``. Measured on the 3,015 English
examples of data/nlu.yml: lingua alone in low-accuracy mode took 23 of them for Spanish
("thx", "find me a therapist", "colorado"), in high-accuracy mode none, but it costs about
90 MB and 2.3 s to load against 11 MB and 0.2 s; low-accuracy plus the word check took
none, and missed none of the Spanish examples. Well under a millisecond a message.
config.yml::

    - name: bot.crisis.language.SpanishGuard
      threshold: 0.8
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Dict, List, Text

from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.intent_override import force_intent

INTENT_KEY = "intent"
THRESHOLD_KEY = "threshold"
# Frequent Spanish words (accents stripped) that are not English words.
SPANISH_WORDS = frozenset(
    """el la los las que de del mi mis tu tus su sus es esta estoy estas soy eres y pero con
    por para lo le les un una unos unas muy hola gracias si yo ella nosotros porque cuando
    donde como quiero tengo necesito ayuda buenos buenas dias tardes noches hablo hablas
    habla puedo puedes se te nunca siempre nada todo todos tambien ya aqui ahi esto eso
    este ese hay sin mas cual quien hace tiene dice estamos somos siento""".split()
)
WORD = re.compile(r"[a-z\u00f1]+")


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return (
        LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH)
        .with_low_accuracy_mode()
        .build()
    )


def _plain_words(text: str) -> List[str]:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return WORD.findall("".join(char for char in decomposed if not unicodedata.combining(char)))


def is_spanish(text: str, threshold: float) -> bool:
    """Whether ``text`` is Spanish: a Spanish word in it, and lingua agrees."""
    if not any(word in SPANISH_WORDS for word in _plain_words(text)):
        return False
    return _detector().compute_language_confidence(text, Language.SPANISH) >= threshold


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class SpanishGuard(GraphComponent):
    """Sets ``speak_spanish`` (confidence 1.0) on messages written in Spanish."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {INTENT_KEY: "speak_spanish", THRESHOLD_KEY: 0.8}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._intent = config[INTENT_KEY]
        self._threshold = float(config[THRESHOLD_KEY])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpanishGuard:
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text and is_spanish(text, self._threshold):
                force_intent(message, self._intent)
        return messages
