# Two commands for a newcomer: `make run` and `make test`. Both set themselves up.
SHELL := /bin/bash
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

VENV := .venv
BIN := $(VENV)/bin
SPACY_MODEL := build/spacy-en
MODEL := models/current.tar.gz
TRAINING_INPUTS := config.yml domain.yml $(wildcard data/*.yml) $(wildcard bot/nlu/*.py bot/nlu/*.yml bot/policies/*.py bot/crisis/*.py bot/crisis/*.yml bot/crisis/scorer_data/*.yml) bot/answers.py bot/answers.yml

.PHONY: run test setup model widget test-deps validate pytest stories nlu-crossval bench clean

## Set up, train if the data changed, then serve the assistant (Ctrl-C stops it).
run: model widget
	bash scripts/run.sh

## Set up, train if needed, then run every check (what CI runs).
test: model widget test-deps
	bash scripts/test.sh

## Benchmark against the stock `rasa init` bot (about 5 minutes): results/bench.{json,md}.
bench: setup $(SPACY_MODEL)/meta.json
	$(BIN)/python -m bench

setup: $(VENV)/.installed-pyproject

$(VENV)/.installed-pyproject: pyproject.toml scripts/no-deps-requirements.txt scripts/setup.sh
	bash scripts/setup.sh

# The chat widget's npm dependency (socket.io-client), from web/package-lock.json.
widget: web/node_modules/.installed-lock

web/node_modules/.installed-lock: web/package-lock.json
	bash scripts/browser/install-widget-deps.sh

# Debian's chromium for the browser test (PostgreSQL and Redis are installed by the
# replica test itself, through scripts/services/).
test-deps: setup
	bash scripts/browser/install-test-browser.sh

$(SPACY_MODEL)/meta.json: $(VENV)/.installed-pyproject
	$(BIN)/python -m bot.nlu.spacy_model $(SPACY_MODEL)

model: $(MODEL)

$(MODEL): $(VENV)/.installed-pyproject $(SPACY_MODEL)/meta.json $(TRAINING_INPUTS)
	$(BIN)/python -m bot.rasa_cli train --fixed-model-name current --out models

validate: setup
	$(BIN)/rasa data validate --fail-on-warnings

pytest: model
	$(BIN)/python -m pytest --durations=15

stories: model
	bash scripts/test.sh stories

nlu-crossval: model
	bash scripts/test.sh nlu

clean:
	rm -rf build models results .rasa
