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
	$(VENV)/bin/dedup compare corpora/000_81ea75a533acccf5.txt corpora/002_c4bf7bb208899a3e.txt

test: $(STAMP)
	$(VENV)/bin/ruff check dedup tests benchmarks
	$(VENV)/bin/ruff format --check dedup tests benchmarks
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check dedup tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache
