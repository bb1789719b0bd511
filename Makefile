# debatebot: the project's verbs. `make run` and `make test` set everything up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: run test lint setup index bench eval browser-deps clean

run: setup index
	$(BIN)/debatebot serve

test: setup browser-deps
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check bot tests benchmarks app.py

setup: $(STAMP)

# torch first, pinned: the CPU wheel on this disk; anything that pulls plain torch first
# would drag in a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q torch==2.13.0
	$(BIN)/pip install --disable-pip-version-check -q -e '.[dev]'
	touch $(STAMP)

index: setup
	$(BIN)/debatebot ingest

eval: setup index
	$(BIN)/debatebot eval

bench: setup index
	$(BIN)/python -m benchmarks --write

# Debian's Chromium for the browser tests (never a downloaded browser build).
browser-deps:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

clean:
	rm -rf .data .pytest_cache test-artifacts
