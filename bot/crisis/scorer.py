"""A scored crisis-vs-not classifier: the layer between the intent classifier and the rules.

The rules in patterns.yml catch the wordings someone thought of; new wordings of the same
warning sign slip past them. ``CrisisScorer`` is a logistic regression trained for one
question only - is this message a warning sign? - on paraphrase families of every category
(``scorer_data/crisis.yml``), hard ordinary messages (``scorer_data/ordinary.yml``) and the
NLU examples (``crisis`` against every other intent). Its features are the words after the
detector's normalisation (lemmas, aliases such as "unalive", typo-corrected key words), word
pairs, character n-grams of the plain text (typos, slang), which rule categories and
figure-of-speech phrases the detector sees, the message's sentence embedding
(all-MiniLM-L6-v2, bot/nlu/sentence_encoder.py), which carries meaning past the words a
training message happened to use ("i gave my guitar to my brother" near "giving my things
away"), and how close that embedding comes to the nearest crisis and the nearest ordinary
training messages (a new paraphrase of one known warning sign sits next to it even where a
straight line through all of them does not separate it; what each changed on the evaluation
sets is in the README's crisis section). A second
regression over the crisis messages names the category, so that a scored match gets the
same urgency tags as a rule match (in progress -> ``emergency``).

The guard (guard.py) asks ``score`` for each message that no rule matched.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import yaml
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from spacy.tokens import Doc

from bot.crisis import detector as detector_module
from bot.crisis import typos as typos_module
from bot.crisis.detector import CrisisDetector, MessageView
from bot.crisis.patterns import PATTERNS_PATH
from bot.nlu import sentence_encoder as sentence_encoder_module
from bot.nlu.sentence_encoder import blas_threads_for, shared_encoder

SCORER_DATA_DIR = Path(__file__).with_name("scorer_data")
CRISIS_FILE = "crisis.yml"
ORDINARY_FILE = "ordinary.yml"
NOT_CRISIS = "not_crisis"
# Words and character n-grams in more than this share of the training messages ("i", "my",
# "not") say how people write, not whether they are in danger: they are left out.
MAX_DF = 0.1
# The sentence embedding's scale against the word features (its rows are unit length). Half
# weight kept most of what full weight found on the held-out sets (1,032 vs 1,033 of 1,080)
# with fewer alarms on ordinary check-in and search answers (7 vs 8 of 1,677 turns).
EMBEDDING_WEIGHT = 0.5
# How many nearest training messages of each kind the neighbour features average, and their
# scale (similarities are in [-1, 1]; 1 and 10 found the same as 3 on the held-out sets).
NEIGHBOURS = 5
NEIGHBOUR_WEIGHT = 3.0
NEIGHBOUR_CHUNK = 1024  # messages compared at a time (training: bounded memory)


@dataclass(frozen=True)
class Example:
    """One training message and its label: a category of TAXONOMY.md, or ``None`` for a
    crisis message of unknown category, or ``NOT_CRISIS``."""

    text: str
    label: Optional[str]

    @property
    def is_crisis(self) -> bool:
        return self.label != NOT_CRISIS


@dataclass(frozen=True)
class Score:
    """The probability that a message is a warning sign, and its most likely category."""

    probability: float
    category: str


def scorer_data_fingerprint(directory: Path = SCORER_DATA_DIR) -> str:
    """A hash of the scorer's data files, of patterns.yml and of the code that turns a
    message into features (the detector's view is part of them), so that a change to any
    of them retrains the model (Rasa's cache only sees the NLU data and the config)."""
    digest = hashlib.sha256()
    sources = (directory / CRISIS_FILE, directory / ORDINARY_FILE, PATTERNS_PATH)
    code = (
        Path(__file__), Path(detector_module.__file__), Path(typos_module.__file__),
        Path(sentence_encoder_module.__file__),
    )
    for path in sources + code:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_scorer_data(directory: Path = SCORER_DATA_DIR) -> List[Example]:
    """The paraphrase families (``categories:`` -> messages) and the ordinary messages
    (``groups:`` -> messages) of ``directory``."""
    crisis = yaml.safe_load((directory / CRISIS_FILE).read_text(encoding="utf-8"))
    ordinary = yaml.safe_load((directory / ORDINARY_FILE).read_text(encoding="utf-8"))
    examples = [
        Example(str(text), str(category))
        for category, texts in crisis["categories"].items()
        for text in texts
    ]
    examples += [
        Example(str(text), NOT_CRISIS) for texts in ordinary["groups"].values() for text in texts
    ]
    return examples


class CrisisFeatures:
    """Turns messages into the scorer's feature rows, with the detector's help."""

    def __init__(self, detector: CrisisDetector, max_df: float = MAX_DF) -> None:
        self._detector = detector
        self._encoder = shared_encoder()
        self._norm_words = TfidfVectorizer(
            analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True,
            max_df=max_df,
        )
        self._chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2, max_df=max_df,
        )
        self._signals = DictVectorizer()
        self._neighbours: Optional[Neighbours] = None

    def views(self, texts: Sequence[Union[Doc, str]]) -> List[MessageView]:
        """The detector's view of each message (its docs, when the caller has them)."""
        return [self._detector.view(text) for text in texts]

    def fit_transform(self, views: Sequence[MessageView], is_crisis: Sequence[bool]) -> csr_matrix:
        """The training rows; ``is_crisis`` labels the messages for the neighbour features."""
        columns = self._columns(views)
        embeddings = self._encoder.encode_training(columns[1])
        ids = text_ids(columns[1])
        self._neighbours = Neighbours(embeddings, np.asarray(is_crisis, dtype=bool), ids)
        return self._rows(columns, embeddings, ids)

    def transform(self, views: Sequence[MessageView]) -> csr_matrix:
        columns = self._columns(views)
        return self._rows(columns, self._encoder.encode(columns[1]))

    def _rows(
        self, columns: Tuple[List[str], List[str], List[Dict[str, int]]],
        embeddings: np.ndarray, training_ids: Optional[np.ndarray] = None,
    ) -> csr_matrix:
        """Each vectorizer over its column (fitted first for training rows, which come with
        ``training_ids``), the sentence embeddings and their neighbour similarities."""
        fit = training_ids is not None
        vectorizers = (self._norm_words, self._chars, self._signals)
        return hstack([
            *(
                vectorizer.fit_transform(column) if fit else vectorizer.transform(column)
                for vectorizer, column in zip(vectorizers, columns)
            ),
            csr_matrix(embeddings * EMBEDDING_WEIGHT),
            csr_matrix(self._neighbours.similarities(embeddings, training_ids) * NEIGHBOUR_WEIGHT),
        ]).tocsr()

    def bind(self, detector: CrisisDetector) -> None:
        """Use ``detector`` (after loading: the detector is not pickled)."""
        self._detector = detector

    def __getstate__(self) -> Dict[str, object]:
        state = dict(self.__dict__)
        state["_detector"] = None
        return state

    @staticmethod
    def _columns(
        views: Sequence[MessageView],
    ) -> Tuple[List[str], List[str], List[Dict[str, int]]]:
        return (
            [view.norm_text for view in views],
            [view.plain_text for view in views],
            [{signal: 1 for signal in view.signals} for view in views],
        )


class Neighbours:
    """The training messages' embeddings and labels: for a message, its similarity to the
    nearest crisis and the nearest ordinary ones (the closest, and the mean of the closest
    ``NEIGHBOURS``)."""

    def __init__(self, embeddings: np.ndarray, is_crisis: np.ndarray, text_ids: np.ndarray) -> None:
        self._groups = [
            (embeddings[is_crisis], text_ids[is_crisis]),
            (embeddings[~is_crisis], text_ids[~is_crisis]),
        ]

    def similarities(self, embeddings: np.ndarray, text_ids: Optional[np.ndarray] = None) -> np.ndarray:
        """Four columns a message: crisis closest, crisis mean, ordinary closest, ordinary
        mean (cosine similarities: the embeddings are unit length). For the training rows
        (their ``text_ids``) a message is not its own neighbour: the same text is left out,
        so that they look like the rows of a new message."""
        with blas_threads_for(len(embeddings)):
            return self._similarities(embeddings, text_ids)

    def _similarities(self, embeddings: np.ndarray, text_ids: Optional[np.ndarray]) -> np.ndarray:
        blocks = []
        for start in range(0, len(embeddings), NEIGHBOUR_CHUNK):
            chunk = slice(start, start + NEIGHBOUR_CHUNK)
            columns = []
            for group_embeddings, group_ids in self._groups:
                similarity = embeddings[chunk] @ group_embeddings.T
                if text_ids is not None:
                    similarity[text_ids[chunk, None] == group_ids[None, :]] = -1.0
                count = min(NEIGHBOURS, similarity.shape[1])
                nearest = -np.partition(-similarity, count - 1, axis=1)[:, :count]
                columns += [nearest.max(axis=1), nearest.mean(axis=1)]
            blocks.append(np.stack(columns, axis=1))
        return np.concatenate(blocks) if blocks else np.zeros((0, 4), dtype=np.float32)


def text_ids(texts: Sequence[str]) -> np.ndarray:
    """A number per text, the same for the same text."""
    numbers: Dict[str, int] = {}
    return np.array([numbers.setdefault(text, len(numbers)) for text in texts], dtype=np.int64)


class CrisisScorer:
    """Logistic regressions: crisis or not, and which category."""

    def __init__(self, detector: CrisisDetector, seed: int = 42, max_df: float = MAX_DF) -> None:
        self._features = CrisisFeatures(detector, max_df)
        # newton-cg: the same fit as the default lbfgs (probabilities within 0.0001 on the
        # training set), the category model in 4.6 s instead of 11.4.
        self._is_crisis = LogisticRegression(
            C=10.0, class_weight="balanced", max_iter=2000, random_state=seed,
            solver="newton-cg",
        )
        self._category = LogisticRegression(
            C=10.0, max_iter=2000, random_state=seed, solver="newton-cg"
        )

    def fit(self, examples: Iterable[Example]) -> "CrisisScorer":
        examples = list(examples)
        views = self._features.views([example.text for example in examples])
        is_crisis = np.array([example.is_crisis for example in examples])
        rows = self._features.fit_transform(views, is_crisis)
        self._is_crisis.fit(rows, is_crisis)
        # A crisis example of unknown category takes the category a rule gives it, if any.
        categories = [
            (example.label or view.category) if example.is_crisis else None
            for example, view in zip(examples, views)
        ]
        categorised = [index for index, category in enumerate(categories) if category]
        self._category.fit(rows[categorised], [categories[index] for index in categorised])
        return self

    def score(self, texts: Sequence[Union[Doc, str]]) -> List[Score]:
        """One ``Score`` per message (text, or the spaCy doc the pipeline made of it)."""
        return self.score_views(self._features.views(texts))

    def score_views(self, views: Sequence[MessageView]) -> List[Score]:
        """One ``Score`` per message the detector has already looked at."""
        rows = self._features.transform(views)
        crisis_column = list(self._is_crisis.classes_).index(True)
        probabilities = self._is_crisis.predict_proba(rows)[:, crisis_column]
        categories = self._category.predict(rows)
        return [
            Score(float(probability), str(category))
            for probability, category in zip(probabilities, categories)
        ]

    def bind(self, detector: CrisisDetector) -> None:
        """Attach a detector after unpickling."""
        self._features.bind(detector)


def nlu_examples(intent_examples: Mapping[str, Iterable[str]], crisis_intent: str) -> List[Example]:
    """NLU examples as scorer examples: ``crisis_intent`` is a crisis of unknown category
    (the detector may name it), every other intent is ordinary."""
    return [
        Example(text, None if intent == crisis_intent else NOT_CRISIS)
        for intent, texts in intent_examples.items()
        for text in texts
    ]
