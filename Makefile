# Two commands set up a fresh machine:  make run   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SCENARIOS := scenarios/baseline.yaml scenarios/approved.yaml scenarios/expansion.yaml

.PHONY: run test bytecode install-check clean

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

# The package's bytecode, written ahead: an editable install leaves none, and where
# PYTHONDONTWRITEBYTECODE is set (as on our machines and CI) every clustersim process would
# otherwise compile every module of simulator/ from source (~0.4 s CPU per run). Quick when
# current; a module edited since is compiled again (stale bytecode is never used).
bytecode:
	$(BIN)/python -m compileall -q simulator

run: $(VENV)/.installed bytecode
	$(BIN)/clustersim run $(SCENARIOS) --out results --maps maps --overwrite --sensitivity jobs:2030
	$(BIN)/clustersim compare scenarios/baseline.yaml scenarios/expansion.yaml --out results/comparison --maps maps --overwrite
	$(BIN)/clustersim optimise scenarios/optimise-jobs.yaml --out results --maps maps --overwrite

# mypy runs beside pytest (its report printed after pytest's): the suite's first tests compile
# the numba kernels on one core, so the other core types the package meanwhile. Either failing
# fails the target.
test: $(VENV)/.installed-test bytecode
	$(BIN)/ruff check simulator tests benchmarks geodata scenarios
	$(BIN)/mypy > $(VENV)/mypy.log 2>&1 & typing=$$!; \
	$(BIN)/python -m pytest; tests=$$?; \
	wait $$typing; typed=$$?; echo "mypy:"; cat $(VENV)/mypy.log; \
	test $$tests -eq 0 && test $$typed -eq 0

# `pip install .` (dependencies included) into a fresh venv outside the checkout, then run a
# bundled scenario by name from an empty folder: the wheel must carry the GeoPackage and the
# scenarios. About a minute; tests/test_packaging.py does a quicker version in `make test`.
install-check:
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
	$(PYTHON) -m venv "$$d/venv" && "$$d/venv/bin/python" -m pip install -q . && \
	mkdir "$$d/run" && cd "$$d/run" && "$$d/venv/bin/clustersim" run expansion --draws 20 --out out && \
	test -f out/expansion/summary.json && echo "install-check: ok"

clean:
	rm -rf $(VENV) results
