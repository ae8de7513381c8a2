# dat-chat lab. `make test` and `make lab` do all their own set-up on a fresh Debian machine.
SHELL := /bin/bash
VENV := .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST_STAMP := .state/host-packages
PYTEST := $(BIN)/pytest

.PHONY: help setup host-packages venv unit lint format test run clean

help:
	@echo "make test    everything CI runs: lint, unit (real Redis, Sentinel, Chromium)"
	@echo "make unit    the chat service's tests only"
	@echo "make lint    ruff check + ruff format --check"

setup: host-packages venv

host-packages: $(HOST_STAMP)
$(HOST_STAMP): lab/install-host-packages.sh
	lab/install-host-packages.sh
	@mkdir -p $(@D) && touch $@

venv: $(STAMP)
$(STAMP): pyproject.toml app/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ./app -e '.[dev]'
	@touch $@

unit: setup
	$(PYTEST) tests/unit

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: setup lint
	$(PYTEST) tests

run: venv
	$(BIN)/datchat --config app/config.example.toml

clean:
	rm -rf $(VENV) .state .pytest_cache .hypothesis
