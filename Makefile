# Run `make help` to see the targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
UV := var/tools/bin/uv
UV_VERSION := 0.13.9
MANAGE := $(VENV)/bin/python manage.py
ADDR ?= 127.0.0.1:8000

# The interpreter itself, not a launcher such as pyenv's shim: uv compares it with the one
# .venv was made from and, given a shim, removed and rebuilt .venv on every make target (under
# whatever was running from it).
export UV_PYTHON := $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help run install install-dev test lint messages system-deps oidc-provider eid-provider demo-mailbox bench bench-deps

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

$(UV):
	$(PYTHON) -m venv var/tools
	var/tools/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV)  ## Create .venv with the locked runtime dependencies
	$(UV) sync --frozen --no-dev --inexact

install-dev: $(UV)  ## Create .venv with the locked runtime and test dependencies
	$(UV) sync --frozen

# The local settings of this checkout (DEBUG, SITE_URL), read by portal/settings.py for every
# command run here, so `manage.py changepassword` works as the README writes it. Written once;
# a variable set in the environment wins over it. Delete it to write it again.
LOCAL_ENV := var/local.env

$(LOCAL_ENV):
	@mkdir -p $(@D)
	@printf '%s\n' '# Local settings of this checkout, written by `make run` and read by' \
	  '# portal/settings.py for every command run here. A variable set in the environment' \
	  '# wins over this file. Not for production.' \
	  'DEBUG=true' 'SITE_URL=http://$(ADDR)' > $@
	@echo "Wrote $@ (DEBUG=true, SITE_URL=http://$(ADDR)): manage.py commands read it."

run: install $(LOCAL_ENV)  ## Start the portal with demo data: web, Celery worker and beat (no servers needed)
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	@echo "Portal: http://$(ADDR)/  Staff: http://$(ADDR)/admin/  E-mails: var/mail/"
	@trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A portal worker --beat --loglevel=INFO --concurrency=2 \
	  --schedule var/celerybeat-schedule & \
	$(MANAGE) runserver $(ADDR)

# Debian packages the tests need: chromium for the browser tests, pango for PDF reports,
# nodejs for the OpenID provider of the eID tests (tests/oidc/; npm comes with it, or see
# the oidc-provider target), dovecot-imapd for the privacy mailbox (the tests start their own
# server on a free port).
SYSTEM_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core nodejs dovecot-imapd

system-deps:  ## Install the Debian packages the tests need (chromium, pango, dovecot), if missing
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing $$missing"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "The tests need these Debian packages: sudo apt-get install $$missing" >&2; exit 1; fi; fi

# The eID tests run a real OpenID provider (oidc-provider, pinned in tests/oidc/package-lock.json).
OIDC_DIR := tests/oidc

oidc-provider: system-deps  ## Install the eID tests' OpenID provider (npm ci in tests/oidc), if missing or stale
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else echo "The eID tests need npm: sudo apt-get install npm" >&2; exit 1; fi; }
	@if [ ! -d $(OIDC_DIR)/node_modules ] || [ $(OIDC_DIR)/package-lock.json -nt $(OIDC_DIR)/node_modules ]; then \
	  (cd $(OIDC_DIR) && npm ci --no-audit --no-fund --silent) && touch $(OIDC_DIR)/node_modules; fi

eid-provider: oidc-provider  ## The tests' OpenID provider for the demo's BankID/MitID: then DEMO_EID_ISSUER=http://127.0.0.1:9000 make run
	cd $(OIDC_DIR) && PORT=9000 ISSUER=http://127.0.0.1:9000 CLIENT_ID=portal-demo \
	  CLIENT_SECRET=demo-secret REDIRECT_URIS=http://$(ADDR)/eid/callback/ node provider.js

demo-mailbox: install system-deps  ## A throwaway local IMAP server with two requests: then DEMO_MAILBOX=imap://privacy:mailbox-test-password@127.0.0.1:1143 make run
	$(VENV)/bin/python -m tests.imap_server

test: install-dev system-deps oidc-provider  ## Run the whole test suite (DATABASE_URL/REDIS_URL select PostgreSQL/Redis)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: install-dev  ## ruff and the import contract (lint-imports)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

messages: install-dev  ## Extract strings into locale/*/LC_MESSAGES/django.po and compile .mo files
	$(MANAGE) makemessages -l nb -l da -l en --no-obsolete --no-location
	$(VENV)/bin/pybabel compile --statistics -d locale -D django

# The benchmarks (docs/benchmarks.md): each scenario creates, fills and drops a PostgreSQL
# database of its own on 127.0.0.1:5432 and uses Redis db $(BENCH_REDIS_DB) (flushed).
SCENARIO ?= foundation sweep admin_list reports package public
BENCH_ARGS ?=
export BENCH_REDIS_DB ?= 15

# The public scenario loads the servers with wrk (Debian package wrk).
bench-deps:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing wrk"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "The public benchmark needs wrk: sudo apt-get install wrk" >&2; exit 1; fi; fi

bench: install-dev bench-deps  ## Run the benchmarks (SCENARIO=admin_list for one, BENCH_ARGS="--requests 100000")
	@for scenario in $(SCENARIO); do \
	  echo "== $$scenario ($$(date -u +%FT%TZ))"; \
	  $(VENV)/bin/python -m bench $$scenario $(BENCH_ARGS) || exit 1; \
	done
