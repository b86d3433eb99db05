# recsite: `make demo` serves the site on embedded defaults; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The demo's language model trains for this long (the production default is 300 s).
DEMO_LM_SECONDS ?= 45
# The port `make demo` serves on: `make demo PORT=8100`.
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# transformers draws a bar while it loads a model's weights: instant here, noise in the log.
export HF_HUB_DISABLE_PROGRESS_BARS := 1

.PHONY: demo test lint format

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# The LM trains first (it needs no MF), so that the retrain's hybrid is fitted with it and the
# served lists use it where validation says it helps. The logins are printed last, just before
# the server starts. The server is Django's development server, told not to end its banner with
# a warning saying so (the README says how to serve in production).
demo: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py embed_articles
	RECSITE_LM_TIME_BUDGET_SECONDS=$(DEMO_LM_SECONDS) $(PY) manage.py train_lm --sync
	$(PY) manage.py retrain --sync
	$(PY) manage.py demo_accounts --url http://127.0.0.1:$(PORT)/
	DJANGO_RUNSERVER_HIDE_WARNING=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

# axe-core for the accessibility test (pinned in package-lock.json); without npm that test skips.
node_modules/.installed: package.json package-lock.json
	if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; fi

test: $(VENV)/.installed node_modules/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy recsite articles recommender
	$(VENV)/bin/pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
