VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The install a user does: the pip Python ships, `pip install -e .`, no extras (see tests/plain_install_check.py)
PLAIN_VENV ?= .venv-plain
PLAIN_STAMP := $(PLAIN_VENV)/.installed

.PHONY: install demo test lint clean plain-install-check

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(PLAIN_STAMP): pyproject.toml
	rm -rf $(PLAIN_VENV)
	python3 -m venv $(PLAIN_VENV)
	$(PLAIN_VENV)/bin/pip install --quiet -e .
	touch $(PLAIN_STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/dedup scan corpora/

plain-install-check: $(PLAIN_STAMP)
	$(PLAIN_VENV)/bin/python tests/plain_install_check.py

test: $(STAMP) plain-install-check
	$(VENV)/bin/ruff check dedup tests benchmarks
	$(VENV)/bin/ruff format --check dedup tests benchmarks
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check dedup tests benchmarks

clean:
	rm -rf $(VENV) $(PLAIN_VENV) .pytest_cache
