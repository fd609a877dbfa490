# Two commands work on a fresh clone: `make demo` and `make test`. Both set up .venv first: the
# demo (and `make run`) with the bot's own packages only, the tests with the developers' tools.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed

.PHONY: setup setup-runtime demo test test-fast lint bench run extract-messages update-catalogs clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The bot and what it needs at run time (no pytest, ruff, playwright).
setup-runtime: $(RUNTIME_STAMP)

$(RUNTIME_STAMP): pyproject.toml | $(PY)
	@echo "First run: installing the bot's packages into $(VENV) from PyPI (a minute or two)."
	$(PY) -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

# The developers' tools on top: tests, linter, the desk's browser tests.
setup: $(STAMP)

$(STAMP): pyproject.toml | $(PY)
	@echo "First run: installing the bot and the developers' tools into $(VENV) from PyPI."
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(RUNTIME_STAMP)

demo: setup-runtime
	$(PY) bot.py demo $(DEMO_ARGS)

# mypy checks the files listed in pyproject.toml, plus actions/ once it exists.
MYPY_FILES := bot.py desk handlers outbox schedules webapp sandbox $(wildcard actions)

test: setup
	$(PY) -m ruff check .
	$(PY) -m mypy $(MYPY_FILES)
	$(PY) -m pytest -q

# The suite without the tests marked slow (browser, packaging, killed processes, fuzz, the
# demo's stories): for the edit-test loop; `make test` runs everything.
test-fast: setup
	$(PY) -m ruff check .
	$(PY) -m mypy $(MYPY_FILES)
	$(PY) -m pytest -q -m "not slow"

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

run: setup-runtime
	$(PY) bot.py run --config $(or $(CONFIG),config.toml)

# Translators: after changing user-facing text, refresh the template and the catalogs.
extract-messages: setup
	$(VENV)/bin/pybabel extract -F locales/babel.cfg -k N_ -k ngettext:1,2 \
	    --no-location --sort-output --width=100 --project=sundown -o locales/messages.pot .

update-catalogs: extract-messages
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete --width=100

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
