# Rathaus — two commands: `make demo` and `make test`. Everything else is a helper target.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= var
export RATHAUS_DATA_DIR ?= $(abspath $(DATA))
DEMO_IDP_PORT ?= 8001
DEMO_SAML_IDP_PORT ?= 8002
export RATHAUS_DEMO_IDP_SECRET ?= demo-idp-secret-only-for-the-embedded-demo
SYSTEM_PACKAGES := chromium fonts-dejavu-core gettext clamav clamav-daemon xmlsec1 redis-server softhsm2

.PHONY: demo test venv install install-test system-deps lint typecheck pytest migrate loaddemo serve clean assets messages mutation

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

venv: $(BIN)/python

install: venv
	$(BIN)/pip install --quiet -e .

install-test: venv
	$(BIN)/pip install --quiet -e '.[test]'

# Debian packages the suite needs (browser tests, translations). Installed, never assumed.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

migrate: install
	@mkdir -p $(RATHAUS_DATA_DIR)
	$(BIN)/rathaus migrate --noinput -v 0
	$(BIN)/rathaus compilemessages -v 0 --ignore '.venv' 2>/dev/null || true

loaddemo: migrate
	$(BIN)/rathaus loaddemo --idp-url http://127.0.0.1:$(DEMO_IDP_PORT) --saml-idp-url http://127.0.0.1:$(DEMO_SAML_IDP_PORT)

demo: loaddemo system-deps
	@echo
	@echo "Rathaus läuft gleich auf:"
	@echo "  Bürgerportal Musterstadt:   http://127.0.0.1:8000/   (auch http://musterstadt.localhost:8000/)"
	@echo "  Zweite Kommune:             http://beispielheim.localhost:8000/"
	@echo "  Interner Bereich:           http://127.0.0.1:8000/intern/"
	@echo "  Plattformbetrieb (Admin):   http://platform.localhost:8000/admin/"
	@echo "  API (OpenAPI):              http://127.0.0.1:8000/api/v1/openapi.json"
	@echo "  Demo-Servicekonto (OIDC):   http://127.0.0.1:$(DEMO_IDP_PORT)/   (erika = hoch, max = substanziell)"
	@echo "  Demo-BundID, Demo-MUK (SAML): http://127.0.0.1:$(DEMO_SAML_IDP_PORT)/bundid/metadata, …/muk/metadata (Passwort Demo-BundID-2026)"
	@echo
	export CLAMD_SOCKET=$$(scripts/demo-clamd.sh $(RATHAUS_DATA_DIR)); \
	$(BIN)/python -m rathaus.demo_idp serve --port $(DEMO_IDP_PORT) --data-dir $(RATHAUS_DATA_DIR)/demo-idp \
	  --client-secret "$$RATHAUS_DEMO_IDP_SECRET" \
	  --redirect-uri http://127.0.0.1:8000/konto/oidc/callback/ \
	  --redirect-uri http://localhost:8000/konto/oidc/callback/ \
	  --redirect-uri http://musterstadt.localhost:8000/konto/oidc/callback/ & \
	idp=$$!; \
	$(BIN)/python -m rathaus.demo_saml_idp serve --port $(DEMO_SAML_IDP_PORT) \
	  --data-dir $(RATHAUS_DATA_DIR)/demo-saml-idp --sp-prefix http://127.0.0.1:8000/ \
	  --sp-prefix http://localhost:8000/ --sp-prefix http://musterstadt.localhost:8000/ & \
	samlidp=$$!; trap "kill $$idp $$samlidp $$(cat $(RATHAUS_DATA_DIR)/clamav/clamd.pid) 2>/dev/null" EXIT INT TERM; \
	$(BIN)/rathaus serve 127.0.0.1:8000

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-test
	$(BIN)/mypy rathaus

# The suite runs on all cores (pytest-xdist, one test module per worker so module fixtures are built once);
# the crash test kills a server of its own and measures nothing, but it runs alone afterwards so that the
# other workers' load cannot starve its burst. PYTEST_MARKS narrows the parallel part (CI's PostgreSQL lane).
PYTEST := $(BIN)/pytest -q -p no:cacheprovider --durations=30 --durations-min=5
XDIST ?= -n auto --dist loadfile
PYTEST_MARKS ?=

pytest: install-test system-deps
	$(BIN)/rathaus compilemessages -v 0 --ignore '.venv' 2>/dev/null || true
	$(PYTEST) $(XDIST) --ignore=tests/durability $(if $(PYTEST_MARKS),-m "$(PYTEST_MARKS)") $(PYTEST_ARGS)
	$(PYTEST) tests/durability $(PYTEST_ARGS)

# Mutation testing of the security- and durability-critical modules (see docs/testing.md); not in every CI run.
mutation: install-test
	$(BIN)/pip install --quiet -e '.[test,mutation]'
	rm -rf mutants
	$(BIN)/mutmut run --max-children $$(nproc)
	$(BIN)/python scripts/mutation_report.py

test: lint typecheck pytest

messages: install
	cd rathaus && ../$(BIN)/rathaus makemessages -l en --ignore 'demo_idp/*' -v 0

assets:
	frontend/build.sh

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache .mypy_cache .ruff_cache mutants
