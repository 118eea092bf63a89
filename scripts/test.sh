#!/usr/bin/env bash
# Every check, in order; stops at the first failure. Called by `make test` (after set-up
# and training) and so by CI. `scripts/test.sh STEP` runs one step.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 REQUIRE_MODEL=1
BIN=.venv/bin
MODEL=models/current.tar.gz

step_validate() {
    echo "==> rasa data validate --fail-on-warnings"
    $BIN/rasa data validate --fail-on-warnings >results/validate.log 2>&1 \
        || { tail -50 results/validate.log; return 1; }
}

step_stories() {
    echo "==> rasa test core --e2e on tests/stories (conversation accuracy must be 100%)"
    rm -rf results/stories
    $BIN/python -m bot.rasa_cli test core --e2e -m "$MODEL" --stories tests/stories --out results/stories \
        >results/stories.log 2>&1 || { tail -50 results/stories.log; return 1; }
    $BIN/python scripts/check_results.py stories
}

step_nlu() {
    echo "==> rasa test nlu --cross-validation (intent macro F1 must be >= 0.90)"
    rm -rf results/nlu
    # scripts/crossval.py = `rasa test nlu` with the fold shuffling seeded (same folds every run)
    $BIN/python scripts/crossval.py --cross-validation --folds 3 -c config.yml --nlu data/nlu.yml \
        --out results/nlu >results/nlu.log 2>&1 || { tail -50 results/nlu.log; return 1; }
    $BIN/python scripts/check_results.py nlu
}

step_pytest() {
    echo "==> pytest (unit tests, then the tests that start real servers)"
    $BIN/python -m pytest -q -p no:cacheprovider
}

mkdir -p results
steps=("${@:-validate pytest stories nlu}")
for step in ${steps[@]}; do
    "step_$step"
done
echo "==> all checks passed"
