# Tremplin — the two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
PYTHON_BIN = $(shell scripts/find-python)

.PHONY: run test install assets messages lint

## run: install everything, migrate, seed demo data and serve http://127.0.0.1:8000
run: install
	$(PY) manage.py migrate --no-input
	@# Without BBB_URL, virtual classes use the BBB stand-in (a simulator) on :8090;
	@# without STAFF_SPACE_URL, attestations go to the staff-space stand-in (a
	@# simulator of "Mon Espace") on :8091, started before the demo data so that
	@# the demo attestations are delivered; embedded_beat runs the Celery beat
	@# schedule in-process (no beat process here). All stop with runserver.
	@pids=""; \
	trap 'kill $$pids 2>/dev/null' EXIT INT TERM; \
	if [ -z "$$BBB_URL" ]; then \
	  echo "Simulateur BigBlueButton (pas une vraie classe virtuelle) : http://127.0.0.1:8090/bigbluebutton/ — définir BBB_URL et BBB_SECRET pour un vrai serveur"; \
	  $(PY) -m live.bbb_standin --host 127.0.0.1 --port 8090 \
	    --secret "$${BBB_SECRET:-tremplin-simulateur-bbb-secret}" & pids="$$!"; \
	fi; \
	if [ -z "$$STAFF_SPACE_URL" ]; then \
	  echo "Simulateur de l'espace personnel « Mon Espace » (pas le vrai) : http://127.0.0.1:8091 — définir STAFF_SPACE_URL et STAFF_SPACE_TOKEN pour le vrai"; \
	  $(PY) -m certification.staff_space_standin --host 127.0.0.1 --port 8091 \
	    "--token=$${STAFF_SPACE_TOKEN:-tremplin-simulateur-espace}" & pids="$$pids $$!"; \
	fi; \
	$(PY) manage.py seed_demo || exit $$?; \
	$(PY) manage.py embedded_beat & pids="$$pids $$!"; \
	echo "Tremplin : http://127.0.0.1:8000  (Ctrl+C pour arrêter)"; \
	$(PY) manage.py runserver 127.0.0.1:8000

## test: install everything and run the whole suite on PostgreSQL, Redis and Chromium
test: install
	scripts/test

install: $(STAMPS)/python $(STAMPS)/npm assets messages

$(STAMPS)/python: pyproject.toml
	@mkdir -p $(STAMPS)
	@test -x $(PY) || { py="$(PYTHON_BIN)" && [ -n "$$py" ] && "$$py" -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

$(STAMPS)/npm: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

assets: $(STAMPS)/npm
	npm run --silent build

messages: $(STAMPS)/python
	$(PY) manage.py compilemessages --ignore=$(VENV) --ignore=node_modules -v 0

lint: $(STAMPS)/python
	$(VENV)/bin/ruff check .
