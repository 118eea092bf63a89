"""scripts/crossval.py: the test folds are scored, the training-data pass is skipped."""

import asyncio
import importlib.util
import inspect
from pathlib import Path

import rasa.nlu.test

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "crossval.py"


def load_script():
    spec = importlib.util.spec_from_file_location("crossval_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_wrapped_function_still_takes_result_lists_sixth():
    """The wrapper tells the two calls apart by the sixth argument: fails if Rasa moves it."""
    parameters = list(inspect.signature(rasa.nlu.test.combine_result).parameters)
    assert parameters[5] == "intent_results"


def test_training_data_pass_is_skipped_and_test_fold_pass_runs():
    calls = []

    async def combine_result(*args, **kwargs):
        calls.append((args, kwargs))
        return "metrics"

    wrapped = load_script().test_folds_only(combine_result)
    metrics = ({}, {}, {}, "processor", "train-data")
    assert asyncio.run(wrapped(*metrics)) is None
    assert calls == []
    results = ([], [], [])
    assert asyncio.run(wrapped(*metrics[:4], "test-data", *results)) == "metrics"
    assert asyncio.run(wrapped(*metrics[:4], "test-data", intent_results=[])) == "metrics"
    assert [call[0][4] if len(call[0]) > 4 else None for call in calls] == ["test-data", "test-data"]
