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

.PHONY: help setup host-packages venv unit labtest infra drills bench bench-joins bench-profile molecule vagrant-host-packages vagrant-box-name vagrant-box vagrant vagrant-deploy vagrant-test vagrant-down lint format test run lab lab-down clean chaos

help:
	@echo "make lab       bring up the seven-host lab (Podman) and print the chat URL"
	@echo "make lab-down  remove the lab's containers, network and state"
	@echo "make test      everything CI runs: lint, unit, lab, infra, drills, molecule, vagrant-test"
	@echo "               (each stage timed; tests/infra runs as Molecule's default scenario)"
	@echo "make unit      the chat service's tests (real Redis, Sentinel, Chromium)"
	@echo "make labtest   the lab's own tests (a three-host lab beside the main one)"
	@echo "make infra     bring the lab up, deploy, run tests/infra (testinfra over SSH)"
	@echo "make drills    every failover drill and a short chaos run against the deployed lab"
	@echo "make chaos     a 30-minute chaos run on the lab (SEED=2026 CHAOS_DURATION=30m)"
	@echo "make vagrant   the same seven hosts as Vagrant VMs (libvirt), deployed and verified"
	@echo "make vagrant-deploy  deploy + verify after a plain \`vagrant up\`"
	@echo "make vagrant-box   build the Debian 12 box locally (no box download needed)"
	@echo "make vagrant-test  box if missing, VMs, deploy, tests/infra, one drill, destroy"
	@echo "make vagrant-down  vagrant destroy -f"
	@echo "make molecule  Molecule scenarios: redis-sentinel, haproxy-keepalived, app, default"
	@echo "make bench     fan-out benchmark: ours vs python-socketio (about 15 min)"
	@echo "make bench-joins    reconnect storms: 2000 joins, and a node killed under 1000 clients"
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

# A long chaos run on the lab: faults at random times from the seed, one verdict at the end.
SEED ?= 2026
CHAOS_DURATION ?= 30m
chaos: lab
	mkdir -p reports
	$(VENV)/bin/datchat-lab -i inventories/lab.py chaos --duration $(CHAOS_DURATION) --seed $(SEED) \
		--json reports/chaos.json --plot reports/chaos.png

# The playbooks call datchat-lab and pyinfra from the venv. MOLECULE_SCENARIOS picks scenarios,
# MOLECULE_OPTIONS adds options of `molecule test`.
MOLECULE_SCENARIOS ?= --all
MOLECULE_OPTIONS ?=
MOLECULE := PATH=$(CURDIR)/$(BIN):$$PATH ANSIBLE_LOCALHOST_WARNING=false $(BIN)/molecule
molecule: setup
	@mkdir -p .state
	@# Molecule keeps its state under ~/.ansible, outside the checkout and the lab: a run that
	@# was cut short, or `--destroy never`, leaves "created" there, and a later run would skip
	@# create and converge hosts that no longer exist. Create is `datchat-lab up`, which replaces
	@# stale hosts, so forgetting that state is always safe.
	$(MOLECULE) reset $(MOLECULE_SCENARIOS)
	set -o pipefail; $(MOLECULE) test $(MOLECULE_SCENARIOS) $(MOLECULE_OPTIONS) 2>&1 | tee .state/molecule.log
	@# Molecule reports a verify step that found no test file as successful: refuse that.
	@! grep -q "no tests found" .state/molecule.log || \
		{ echo "make molecule: a scenario's verify ran no test" >&2; exit 1; }

VAGRANT_INVENTORY := inventories/vagrant.py
# The local box is named after its recipe (its build scripts and the roles' packages): a
# changed recipe builds a new box instead of testing on a stale one.
BOX_RECIPE := $(shell cat vagrant/build-box.sh vagrant/box-customize.sh deploy/packages.py | sha256sum | cut -c1-10)
LOCAL_BOX := datchat/debian12-$(BOX_RECIPE)
export VAGRANT_DEFAULT_PROVIDER ?= libvirt

vagrant-host-packages:
	vagrant/install-host-packages.sh

vagrant-box-name:
	@echo $(LOCAL_BOX)

vagrant-box: setup vagrant-host-packages
	DATCHAT_VAGRANT_BOX=$(LOCAL_BOX) vagrant/build-box.sh

# DATCHAT_VAGRANT_BOX picks the box (default: the public debian/bookworm64).
vagrant: setup vagrant-host-packages
	vagrant/remove-stale-domains.sh
	@echo "vagrant: up ($$(date +%T))"
	vagrant up
	$(MAKE) vagrant-deploy

# After `vagrant up`: pyinfra provisions every VM from here, over SSH as Vagrant set it up.
vagrant-deploy: setup
	$(BIN)/python vagrant/ssh_hosts.py
	@echo "vagrant: deploy ($$(date +%T))"
	$(LAB) -i $(VAGRANT_INVENTORY) deploy
	$(LAB) -i $(VAGRANT_INVENTORY) verify --wait 180
	@echo "vagrant: ready ($$(date +%T))"

# On the locally built box; the VMs are destroyed whatever the outcome (vagrant/test.sh).
vagrant-test: setup vagrant-host-packages
	vagrant box list | grep -q "^$(LOCAL_BOX) " || $(MAKE) vagrant-box
	DATCHAT_VAGRANT_BOX=$(LOCAL_BOX) BIN=$(BIN) vagrant/test.sh

vagrant-down:
	vagrant destroy -f
	rm -rf .state/vagrant

bench: setup
	$(BIN)/python -m bench.fanout

bench-joins: setup
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python -m bench.joins

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

# Each stage says when it starts and how long it took, so CI's log shows where the time goes
# (.ci/run prints them all again at the end, from .state/stages.log).
stage = @echo "== stage $(1): start $$(date -u +%T)"; started=$$(date +%s); $(2); status=$$?; \
	line="$(1): $$(( $$(date +%s) - started )) s, exit $$status"; echo "== stage $$line"; \
	mkdir -p .state; echo "$$line" >> .state/stages.log; exit $$status

# tests/infra runs once on the seven hosts: as the verify of Molecule's default scenario (which
# also converges twice: a second deploy must change nothing), whose lab the drills then use.
test: setup
	$(call stage,lint,$(MAKE) --no-print-directory lint)
	$(call stage,unit+lab,$(PYTEST) tests/unit tests/lab)
	$(call stage,infra (molecule default),$(MAKE) --no-print-directory molecule MOLECULE_SCENARIOS="-s default" MOLECULE_OPTIONS="--destroy never")
	$(LAB) -i $(INVENTORY) status
	$(call stage,drills,$(PYTEST) -m drill tests/drills)
	$(call stage,molecule components,$(MAKE) --no-print-directory molecule MOLECULE_SCENARIOS="--all -e default")
	@# The VMs are emulated here: give them the CPU the Podman lab would take.
	$(MAKE) --no-print-directory lab-down
	@# Emulated VMs ran 2-3 times slower inside some CI runs than alone: show what else is busy.
	@echo "== before the Vagrant stage: containers left, and the busiest processes"
	@podman ps -a --format '{{.Names}} {{.Status}}'
	@top -b -n 1 -o %CPU -c -w 150 | head -n 20
	$(call stage,vagrant,$(MAKE) --no-print-directory vagrant-test)

run: venv
	$(BIN)/datchat --config app/config.example.toml

clean:
	rm -rf $(VENV) .state .pytest_cache .hypothesis
