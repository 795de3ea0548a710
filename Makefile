# Two commands for people: `make run` and `make test`. Everything else is set up on demand.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ROOT := $(abspath .)
# Virtualenvs and trained models are cached outside the tree, keyed by what they are built
# from, so a fresh clone on the same machine reuses them and a change rebuilds them.
CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/child-safety-bot

# pyenv shims answer only for the active version, so also look at pyenv's installs directly.
PYENV_PYTHONS := $(wildcard $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions/3.1[0-3]*/bin/python3)
find_python = $(firstword $(foreach p,$(1),$(shell command -v $(p) >/dev/null 2>&1 && \
  $(p) -c 'import sys; sys.exit(not (sys.version_info.major == 3 and $(2)))' >/dev/null 2>&1 && command -v $(p))))
PYTHON311 := $(or $(PYTHON311),$(call find_python,python3.11 python3.12 python3.13 python3 $(PYENV_PYTHONS),sys.version_info.minor >= 11))
PYTHON310 := $(or $(PYTHON310),$(call find_python,python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10 $(PYENV_PYTHONS),sys.version_info.minor == 10))

BOT_REQS_KEY := $(shell sed -n '/^\[project\]/,/^\[build-system\]/p' pyproject.toml | sha256sum | cut -c1-16)
NLU_REQS_KEY := $(shell cat nlu/requirements.txt nlu/requirements.lock | sha256sum | cut -c1-16)
MODEL_INPUTS := nlu/config.yml nlu/train.env $(sort $(wildcard nlu/data/*.yml nlu/components/*.py content/nlu/*.yml)) nlu/requirements.lock
MODEL_KEY := $(shell cat $(MODEL_INPUTS) 2>/dev/null | sha256sum | cut -c1-16)
BOT_VENV := $(CACHE)/venv-bot-$(BOT_REQS_KEY)
NLU_VENV := $(CACHE)/venv-nlu-$(NLU_REQS_KEY)
MODEL := $(CACHE)/models/nlu-$(MODEL_KEY).tar.gz
VPY := $(ROOT)/.venv/bin/python

export PYTHONPATH := $(ROOT)
export NLU_MODEL ?= $(ROOT)/nlu/models/current.tar.gz
export NLU_PYTHON ?= $(ROOT)/nlu/.venv/bin/python

.PHONY: help setup browser run test lint check-content route eval-nlu eval-real eval-seeds bench bench-console bench-alerts bench-nlu chaos soak clean FORCE
FORCE:
help:
	@echo "make run    set everything up (first time: a few minutes), then serve on PORT (8080)"
	@echo "make test   set everything up, then run every check and test"
	@echo "make -s route < lines.jsonl   classify JSON lines {\"text\": ...}"
	@echo "make eval-nlu | eval-real | eval-seeds   the model on eval.tsv, on real text, on 3 seeds"
	@echo "make bench | bench-console | bench-alerts | bench-nlu | chaos | soak | lint | clean"

setup: .venv nlu/.venv nlu/models/current.tar.gz

# --- Debian's Chromium for the console's browser tests (Playwright drives it) -------------
CHROMIUM ?= $(or $(shell command -v chromium 2>/dev/null),/usr/bin/chromium)
export CHROMIUM
browser:
	@[ -x "$(CHROMIUM)" ] || { \
	  echo "Installing Debian's chromium for the browser tests ..." >&2; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO="sudo -n"; \
	  else echo "chromium is missing and this user cannot install it: apt-get install chromium, or set CHROMIUM=/path/to/chromium" >&2; exit 1; fi; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >&2 \
	    || { $$SUDO apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >&2; }; }

# --- bot environment ---------------------------------------------------------------------
# The links are re-pointed on every run (cheap): make compares times, and a link to an older
# cached build (after a revert) must still be switched back to it.
.venv: $(BOT_VENV)/.complete FORCE
	@[ "$$(readlink .venv)" = "$(BOT_VENV)" ] || ln -sfn $(BOT_VENV) .venv

$(BOT_VENV)/.complete:
	@[ -n "$(PYTHON311)" ] && "$(PYTHON311)" -c '' 2>/dev/null || { echo "Python 3.11 or newer is needed for the bot. Install python3.11 (apt-get install python3.11 python3.11-venv, or pyenv install 3.11) or set PYTHON311=/path/to/python3.11." >&2; exit 1; }
	@echo "Creating the bot environment with $(PYTHON311) ..." >&2
	@rm -rf $(BOT_VENV) && mkdir -p $(CACHE)
	@$(PYTHON311) -m venv $(BOT_VENV)
	@$(BOT_VENV)/bin/python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print("\n".join(p["dependencies"] + p["optional-dependencies"]["dev"]))' > $(BOT_VENV)/requirements.txt
	@$(BOT_VENV)/bin/pip install -q --disable-pip-version-check -r $(BOT_VENV)/requirements.txt >&2
	@touch $@

# --- Rasa environment (Python 3.10) ------------------------------------------------------
nlu/.venv: $(NLU_VENV)/.complete FORCE
	@[ "$$(readlink nlu/.venv)" = "$(NLU_VENV)" ] || ln -sfn $(NLU_VENV) nlu/.venv

$(NLU_VENV)/.complete:
	@[ -n "$(PYTHON310)" ] && "$(PYTHON310)" -c '' 2>/dev/null || { echo "Python 3.10 is needed for the NLU (Rasa 3.6 supports only 3.7-3.10). Install python3.10 (apt-get install python3.10 python3.10-venv, or pyenv install 3.10) or set PYTHON310=/path/to/python3.10." >&2; exit 1; }
	@echo "Creating the Rasa environment with $(PYTHON310) (first time: a few minutes) ..." >&2
	@rm -rf $(NLU_VENV) && mkdir -p $(CACHE)
	@$(PYTHON310) -m venv $(NLU_VENV)
	@$(NLU_VENV)/bin/pip install -q --disable-pip-version-check -r nlu/requirements.txt -c nlu/requirements.lock >&2
	@touch $@

# --- trained model: retrained only when config, data, components or maps change ----------
nlu/models/current.tar.gz: $(MODEL) FORCE | nlu/.venv
	@mkdir -p nlu/models && { [ "$$(readlink $@)" = "$(MODEL)" ] || ln -sfn $(MODEL) $@; }

$(MODEL): | nlu/.venv
	@echo "Training the NLU model $(notdir $(MODEL)) ..." >&2
	@mkdir -p $(CACHE)/models && tmp=$$(mktemp -d) && start=$$(date +%s) && \
	  env $$(grep -v '^#' nlu/train.env) \
	  TF_CPP_MIN_LOG_LEVEL=3 RASA_TELEMETRY_ENABLED=false RASA_CACHE_DIRECTORY=$$tmp/cache \
	  nlu/.venv/bin/python -m rasa train nlu \
	    --config nlu/config.yml --nlu nlu/data --out $$tmp --fixed-model-name model >&2 && \
	  echo "$$(( $$(date +%s) - start ))" > $(MODEL:.tar.gz=.seconds) && \
	  mv $$tmp/model.tar.gz $@.part && mv $@.part $@ && rm -rf $$tmp
	@echo "Trained in $$(cat $(MODEL:.tar.gz=.seconds)) s." >&2

# --- commands ------------------------------------------------------------------------------
run: setup
	@$(VPY) -m bot serve

route:
	@$(MAKE) -s setup >&2
	@$(VPY) -m bot route

lint: .venv
	@.venv/bin/ruff check bot tests nlu/components
	@.venv/bin/ruff format --check bot tests nlu/components
	@.venv/bin/mypy

test: setup browser lint check-content
	@.venv/bin/python -m pytest -q

check-content: .venv
	@$(VPY) -m bot check-content

eval-nlu: setup
	@$(VPY) -m tests.bench.eval_nlu --report nlu/reports/eval.txt

eval-real: setup
	@$(VPY) -m tests.bench.eval_real $(CORPUS)

eval-seeds: .venv nlu/.venv
	@$(VPY) -m tests.bench.eval_seeds $(CORPUS)

bench: setup
	@$(VPY) -m tests.bench.bench_channels

bench-console: setup
	@$(VPY) -m tests.bench.bench_console

bench-alerts: setup
	@$(VPY) -m tests.bench.bench_alerts

soak: setup
	@$(VPY) -m tests.bench.soak

chaos: setup
	@$(VPY) -m tests.bench.chaos

bench-nlu: setup
	@$(VPY) -m tests.bench.bench_nlu --train-seconds-file $(MODEL:.tar.gz=.seconds)

clean:
	rm -rf .venv nlu/.venv nlu/models var .pytest_cache .mypy_cache .ruff_cache
