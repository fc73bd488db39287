# Everything runs from the project's own virtualenv; nothing is installed system-wide.
PYTHON ?= python3.11
VENV ?= .venv
VPY := $(VENV)/bin/python
# The stamp is named after pyproject.toml's contents: edit the dependencies and the next
# target reinstalls; otherwise `make install` is a no-op.
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)

.PHONY: install test lint demo serve clean system-packages js-packages test-postgres

install: $(STAMP)

$(STAMP):
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

lint: install
	$(VENV)/bin/ruff check .

# PostgreSQL, Redis and Chromium for the integration and browser tests (apt-get, as root).
system-packages:
	scripts/ensure-system-packages.sh

# The test suite's JavaScript packages (package.json: axe-core for the accessibility checks), from the
# npm registry at the versions of package-lock.json. npm ci writes node_modules/.package-lock.json, so
# this runs again only when the lock file changes.
js-packages: node_modules/.package-lock.json

node_modules/.package-lock.json: package-lock.json | system-packages
	npm ci --no-audit --no-fund

# The browser-side JavaScript's unit tests (node), the whole Python suite on the embedded
# defaults (SQLite, in-memory channel layer), then on a throwaway PostgreSQL + Redis (started and
# stopped by the script) the portal's tests again and the system tests.
test: lint system-packages js-packages
	node --test tests/js/
	$(VPY) -m pytest -q tests --ignore=tests/system --ignore=tests/deploy
	$(MAKE) --no-print-directory test-postgres

# The portal's tests and the miner's share intake and store again on PostgreSQL + Redis, the system tests (the portal and three miners as real
# processes, uvicorn + Celery worker each), the deployment tests (the processes the compose files of
# docker/ describe, with their own commands and environment) and docs/backups.md's commands followed,
# on those services.
test-postgres: install
	CONSORTIUM_EXPECT_POSTGRES=1 scripts/with-services.sh $(VPY) -m pytest -q tests/portal \
	  tests/miners/test_share_intake.py tests/miners/test_share_intake_refusals.py tests/miners/test_store.py \
	  tests/miners/test_token_checks.py tests/system tests/deploy

# The portal and three miners as separate processes on the embedded defaults: a whole collection of
# three annual periods, the analysis over the miners' peer channel, the report and the plaintext check.
demo: install
	$(VPY) -m consortium.localrun demo

# The same four processes with the demo data, left running for people to try (Ctrl-C stops them).
serve: install
	$(VPY) -m consortium.localrun serve

clean:
	rm -rf build dist *.egg-info staticfiles .pytest_cache .ruff_cache $(VENV)/.installed-*
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
