# Two commands set up a fresh machine:  make run   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SCENARIOS := scenarios/baseline.yaml scenarios/approved.yaml scenarios/expansion.yaml

.PHONY: run test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# A stamp newer than pyproject.toml means the venv is current: re-running is quick.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/clustersim run $(SCENARIOS) --out results --maps maps --overwrite --sensitivity jobs:2030
	$(BIN)/clustersim compare scenarios/baseline.yaml scenarios/expansion.yaml --out results/comparison --maps maps --overwrite

test: $(VENV)/.installed-test
	$(BIN)/ruff check simulator tests benchmarks geodata/build.py
	$(BIN)/mypy
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) results
