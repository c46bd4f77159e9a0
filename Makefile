VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test lint clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/dedup scan corpora/

test: $(STAMP)
	$(VENV)/bin/ruff check dedup tests benchmarks
	$(VENV)/bin/ruff format --check dedup tests benchmarks
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check dedup tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache
