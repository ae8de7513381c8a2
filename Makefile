# dat-chat lab. `make test` and `make lab` do all their own set-up on a fresh Debian machine.
SHELL := /bin/bash
VENV := .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST_STAMP := .state/host-packages
PYTEST := $(BIN)/pytest

LAB := $(BIN)/datchat-lab
INVENTORY ?= inventories/lab.py

.PHONY: help setup host-packages venv unit labtest infra drills bench bench-profile molecule lint format test run lab lab-down clean

help:
	@echo "make lab       bring up the seven-host lab (Podman) and print the chat URL"
	@echo "make lab-down  remove the lab's containers, network and state"
	@echo "make test      everything CI runs: lint, unit, lab, infra, drills, molecule"
	@echo "make unit      the chat service's tests (real Redis, Sentinel, Chromium)"
	@echo "make labtest   the lab's own tests (a three-host lab beside the main one)"
	@echo "make infra     bring the lab up, deploy, run tests/infra (testinfra over SSH)"
	@echo "make drills    every failover drill against the deployed lab"
	@echo "make molecule  Molecule scenarios: redis-sentinel, haproxy-keepalived, app, default"
	@echo "make bench     fan-out benchmark: ours vs python-socketio (about 15 min)"
	@echo "make bench-profile  where our node spends its time under load (py-spy)"
	@echo "make lint      ruff check + ruff format --check"

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

labtest: setup
	$(PYTEST) tests/lab

lab: setup
	$(LAB) -i $(INVENTORY) up
	$(LAB) -i $(INVENTORY) deploy
	$(LAB) -i $(INVENTORY) verify --wait 60
	@$(LAB) -i $(INVENTORY) status

infra: lab
	$(PYTEST) tests/infra

drills: lab
	$(PYTEST) -m drill tests/drills

# The playbooks call datchat-lab and pyinfra from the venv.
molecule: setup
	@mkdir -p .state
	set -o pipefail; PATH=$(CURDIR)/$(BIN):$$PATH ANSIBLE_LOCALHOST_WARNING=false \
		$(BIN)/molecule test --all 2>&1 | tee .state/molecule.log
	@# Molecule reports a verify step that found no test file as successful: refuse that.
	@! grep -q "no tests found" .state/molecule.log || \
		{ echo "make molecule: a scenario's verify ran no test" >&2; exit 1; }

bench: setup
	$(BIN)/python -m bench.fanout

bench-profile: setup
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python -m bench.profile

lab-down: venv
	$(LAB) -i $(INVENTORY) down

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: setup lint
	$(PYTEST) tests/unit tests/lab
	$(MAKE) infra
	$(PYTEST) -m drill tests/drills
	$(MAKE) molecule

run: venv
	$(BIN)/datchat --config app/config.example.toml

clean:
	rm -rf $(VENV) .state .pytest_cache .hypothesis
