# Run `make help` to see the targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
UV := var/tools/bin/uv
UV_VERSION := 0.13.9
MANAGE := $(VENV)/bin/python manage.py
ADDR ?= 127.0.0.1:8000

export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help run install install-dev test lint messages system-deps bench

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

$(UV):
	$(PYTHON) -m venv var/tools
	var/tools/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV)  ## Create .venv with the locked runtime dependencies
	$(UV) sync --frozen --no-dev --inexact

install-dev: $(UV)  ## Create .venv with the locked runtime and test dependencies
	$(UV) sync --frozen

run: export DEBUG ?= true
run: export SITE_URL ?= http://$(ADDR)
run: install  ## Start the portal with demo data: web, Celery worker and beat (no servers needed)
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	@echo "Portal: http://$(ADDR)/  Staff: http://$(ADDR)/admin/  E-mails: var/mail/"
	@trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A portal worker --beat --loglevel=INFO --concurrency=2 \
	  --schedule var/celerybeat-schedule & \
	$(MANAGE) runserver $(ADDR)

# Debian packages the tests need: chromium for the browser tests, pango for PDF reports,
# dovecot-imapd for the privacy mailbox (the tests start their own server on a free port).
SYSTEM_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core dovecot-imapd

system-deps:  ## Install the Debian packages the tests need (chromium, pango, dovecot), if missing
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing $$missing"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "The tests need these Debian packages: sudo apt-get install $$missing" >&2; exit 1; fi; fi

test: install-dev system-deps  ## Run the whole test suite (DATABASE_URL/REDIS_URL select PostgreSQL/Redis)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: install-dev  ## ruff and the import contract (lint-imports)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

messages: install-dev  ## Extract strings into locale/*/LC_MESSAGES/django.po and compile .mo files
	$(MANAGE) makemessages -l nb -l da -l en --no-obsolete --no-location
	$(VENV)/bin/pybabel compile --statistics -d locale -D django

# The benchmarks (docs/benchmarks.md): each scenario creates, fills and drops a PostgreSQL
# database of its own on 127.0.0.1:5432 and uses Redis db $(BENCH_REDIS_DB) (flushed).
SCENARIO ?= foundation sweep admin_list reports package
BENCH_ARGS ?=
export BENCH_REDIS_DB ?= 15

bench: install-dev  ## Run the benchmarks (SCENARIO=admin_list for one, BENCH_ARGS="--requests 100000")
	@for scenario in $(SCENARIO); do \
	  echo "== $$scenario ($$(date -u +%FT%TZ))"; \
	  $(VENV)/bin/python -m bench $$scenario $(BENCH_ARGS) || exit 1; \
	done
