"""`rasa test nlu` with numpy's global random state seeded, scoring the test folds only.

Rasa 3.6 shuffles the cross-validation folds (StratifiedKFold(shuffle=True)) without a
seed, so the same data scored anywhere from 0.914 to 0.922 macro F1 between runs. Seeding
the global state makes the folds, and so the CI gate, the same on every run.

Rasa also runs every fold's model over that fold's own training data, only to log a
"train accuracy" nobody reads (the gate reads the test folds' intent_report.json); that
took about 45 s of each fold's 2 minutes in CI. It is skipped: `combine_result` without
result lists (the training-data call) does nothing.
Usage: python scripts/crossval.py --cross-validation --folds 3 -c config.yml ...
"""

import functools
import random
import sys
from typing import Any, Callable, Coroutine

import numpy

SEED = 42


def test_folds_only(combine_result: Callable[..., Coroutine]) -> Callable[..., Coroutine]:
    """``rasa.nlu.test.combine_result`` that skips the call on a fold's training data
    (Rasa passes no ``intent_results`` list for that one)."""

    @functools.wraps(combine_result)
    async def combine_test_fold(*args: Any, **kwargs: Any) -> Any:
        collects_results = len(args) > 5 or "intent_results" in kwargs
        if not collects_results:
            return None
        return await combine_result(*args, **kwargs)

    return combine_test_fold


def main() -> None:
    numpy.random.seed(SEED)
    random.seed(SEED)
    from bot.rasa_cli import main as rasa_main  # before rasa.nlu.test: see bot/rasa_cli.py
    import rasa.nlu.test

    rasa.nlu.test.combine_result = test_folds_only(rasa.nlu.test.combine_result)
    sys.argv = ["rasa", "test", "nlu", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
