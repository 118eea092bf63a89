"""The blank English spaCy pipeline: built once, skipped when current, loadable by SpacyNLP."""

import json

import spacy

from bot.nlu import spacy_model


def test_pipeline_has_lookup_lemmas(spacy_model_dir):
    nlp = spacy.load(spacy_model_dir)
    assert [token.lemma_ for token in nlp("she kills the plants")] == ["she", "kill", "the", "plant"]


def test_build_is_skipped_when_current(spacy_model_dir):
    meta_path = spacy_model_dir / "meta.json"
    before = meta_path.stat().st_mtime_ns
    assert spacy_model.build(spacy_model_dir) is False
    assert meta_path.stat().st_mtime_ns == before


def test_build_replaces_a_pipeline_from_another_spacy_version(tmp_path):
    assert spacy_model.build(tmp_path / "en") is True
    meta_path = tmp_path / "en" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta[spacy_model.BUILT_WITH_KEY] = "3.0.0"
    meta_path.write_text(json.dumps(meta))
    assert spacy_model.is_current(tmp_path / "en") is False
    assert spacy_model.build(tmp_path / "en") is True
    assert spacy_model.is_current(tmp_path / "en") is True


def test_rasa_spacy_nlp_loads_it(spacy_model_dir):
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    model = SpacyNLP.load_model(str(spacy_model_dir))
    SpacyNLP.ensure_proper_language_model(model.model)
    assert "lemmatizer" in model.model.pipe_names


def test_build_creates_missing_parent_folders(tmp_path):
    out = tmp_path / "build" / "spacy-en"
    assert spacy_model.build(out)
    assert (out / "meta.json").exists()
