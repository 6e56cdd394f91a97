# pmo_analytics — the two-command contract:
#   make review   set up .venv and run the main job on the bundled sample (reports/<run-id>/)
#   make test     set up .venv if needed and run the whole suite (unit, property, notebooks)
PYTHON ?= python3
# Compiled bytecode is cached (__pycache__, git-ignored): with PYTHONDONTWRITEBYTECODE set, every test
# worker and notebook kernel would recompile the package and re-rewrite the tests' asserts on each run.
unexport PYTHONDONTWRITEBYTECODE
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: env review test unit notebooks docs lab bench clean-venv

env: $(STAMP)

$(STAMP): pyproject.toml setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]'
	@touch $(STAMP)

review: env
	$(BIN)/pmo review

# Two workers (the 2-core CI machine); --dist loadfile keeps a test file, and a notebook's cells, on one worker.
# The end-to-end files (whole reviews, the longest chains) are handed out first so no worker ends alone on them.
E2E := tests/test_end_to_end.py tests/test_end_to_end_own_data.py
test: env
	$(BIN)/python -m pytest -n 2 --dist loadfile -p no:cacheprovider --nbval-lax --nbval-current-env $(E2E) notebooks tests

unit: env
	$(BIN)/python -m pytest -n 2 --dist loadfile -p no:cacheprovider tests -m "not slow"

notebooks: env
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks

# The documentation (docs/_build/html/index.html): offline, warnings are errors. tests/test_docs.py builds it too,
# so `make test` (and CI) fails on a docstring that does not render.
docs: env
	$(BIN)/python -m sphinx -b html -W --keep-going -q -d docs/_build/doctrees docs docs/_build/html
	@echo "docs written to docs/_build/html/index.html"

lab: env
	$(BIN)/jupyter lab notebooks

bench: env
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean-venv:
	rm -rf $(VENV)
