# Each target bootstraps .venv with the machine's python3; nothing is installed by hand.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FRONTEND := connector_core/web/frontend
NODE_STAMP := $(FRONTEND)/node_modules/.installed

.PHONY: demo test bench clean browser serve

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,web,http,store,jobs]'
	$(BIN)/python -m compileall -q connector_core plugins >/dev/null  # as a wheel install would
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m demo

# The reference host on 127.0.0.1 with SQLite under .serve-data/: prints the URL and a
# sign-in token for the tenant `dev` (development keys live in that folder).
SERVE_DATA ?= .serve-data
serve: $(STAMP)
	CONNECTOR_CORE_DATA_DIR=$(SERVE_DATA) $(BIN)/connectors serve --development --sign-in-token dev

# The form page's lockfile: esbuild, to check that the committed bundle is what it builds.
$(NODE_STAMP): $(FRONTEND)/package-lock.json
	@if command -v npm >/dev/null; then cd $(FRONTEND) && npm ci --no-audit --no-fund && touch node_modules/.installed; \
	else echo "npm is missing: the bundle check is skipped (a failure under CI=true)"; fi

# Debian's Chromium for the browser tests (never `playwright install`), and Node/npm for Ajv2020
# and the bundle check: only the packages whose command is missing are installed.
browser:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	else echo "missing:$$missing and not root: browser tests are skipped (a failure under CI=true)"; fi

test: $(STAMP) browser $(NODE_STAMP)
	$(BIN)/python -m mypy  # files and options: [tool.mypy] in pyproject.toml
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build dist *.egg-info
