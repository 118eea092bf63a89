"""`rasa test nlu` with numpy's global random state seeded.

Rasa 3.6 shuffles the cross-validation folds (StratifiedKFold(shuffle=True)) without a
seed, so the same data scored anywhere from 0.914 to 0.922 macro F1 between runs. Seeding
the global state makes the folds, and so the CI gate, the same on every run.
Usage: python scripts/crossval.py --cross-validation --folds 3 -c config.yml ...
"""

import random
import sys

import numpy

SEED = 42


def main() -> None:
    numpy.random.seed(SEED)
    random.seed(SEED)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "test", "nlu", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
