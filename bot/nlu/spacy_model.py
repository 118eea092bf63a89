"""Build the blank English spaCy pipeline that Rasa's ``SpacyNLP`` loads.

No pretrained spaCy model can be downloaded here, so the pipeline is a blank English
tokenizer plus the lookup lemmatizer from ``spacy-lookups-data`` ("kills" -> "kill").

Usage: ``python -m bot.nlu.spacy_model OUT_DIR`` (skips the build when OUT_DIR already
holds a pipeline built by the installed spaCy version).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import spacy

logger = logging.getLogger(__name__)

BUILT_WITH_KEY = "built_with_spacy"


def is_current(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds a pipeline built by the installed spaCy version."""
    meta_path = out_dir / "meta.json"
    if not meta_path.is_file():
        return False
    meta = json.loads(meta_path.read_text())
    return meta.get(BUILT_WITH_KEY) == spacy.__version__


def build(out_dir: Path) -> bool:
    """Write the pipeline to ``out_dir`` unless it is already current.

    Returns whether a new pipeline was written.
    """
    if is_current(out_dir):
        return False
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta[BUILT_WITH_KEY] = spacy.__version__
    Path(out_dir).parent.mkdir(parents=True, exist_ok=True)  # spaCy creates only the last level
    nlp.to_disk(out_dir)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if build(args.out_dir):
        logger.info("Built spaCy pipeline in %s", args.out_dir)
    else:
        logger.info("spaCy pipeline in %s is current", args.out_dir)


if __name__ == "__main__":
    main()
