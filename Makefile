# Two commands work on a fresh clone: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench run extract-messages update-catalogs clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(PY) bot.py demo $(DEMO_ARGS)

test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest -q

lint: setup
	$(PY) -m ruff check .

bench: setup
	$(PY) bench/intake.py
	$(PY) bench/deadlines.py
	$(PY) bench/digest.py
	$(PY) bench/greetings.py
	$(PY) bench/burst.py
	$(PY) bench/dashboard.py
	$(PY) bench/reading.py
	$(PY) bench/imports.py

run: setup
	$(PY) bot.py run --config $(or $(CONFIG),config.toml)

# Translators: after changing user-facing text, refresh the template and the catalogs.
extract-messages: setup
	$(VENV)/bin/pybabel extract -F locales/babel.cfg -k N_ -k ngettext:1,2 \
	    --no-location --sort-output --width=100 --project=sundown -o locales/messages.pot .

update-catalogs: extract-messages
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete --width=100

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
