# Two entry points: `make demo` and `make test`. Each sets up what it needs on a fresh
# Debian machine (venv, Python and npm packages, JS bundle, chromium) and skips what is
# already done, so a second run starts at once.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# A CPU wheel here; users with CUDA can pass their own, e.g. TORCH_SPEC='torch==2.13.0'.
TORCH_SPEC ?= torch==2.13.0
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
STAMPS := .stamps
JS_SOURCES := $(wildcard js/*.js js/*.css js/lib/*.js) js/build.mjs package-lock.json
BUNDLE := vibe_widgets/static/video_player.js
export VIBE_WIDGETS_CACHE ?= $(CURDIR)/.cache/vibe-widgets

.PHONY: demo test bench chromium
.DEFAULT_GOAL := demo

demo: $(STAMPS)/python $(BUNDLE)
	$(PY) -m vibe_widgets demo --out demo-output

test: $(STAMPS)/python $(BUNDLE) chromium
	$(PY) -m ruff check .
	$(PY) -m pytest tests/unit
	# encode_many on a local Ray cluster with 2 CPU workers (the ray extra is installed above).
	$(PY) -m pytest tests/scale
	npx vitest run
	# A fresh cache per notebook: each prints which features came from the cache, and
	# a tutorial must not depend on which ran before it.
	for nb in notebooks/*.ipynb; do \
	  VIBE_WIDGETS_CACHE=$$(mktemp -d) $(PY) -m pytest --nbval "$$nb" --nbval-sanitize-with tests/notebooks/sanitize.cfg -p no:playwright -p no:cacheprovider -q || exit 1; \
	done
	$(PY) -m pytest tests/browser
	$(PY) bench/bench_model_forward.py --quick
	$(PY) bench/bench_extraction.py --quick
	$(PY) bench/bench_reencode.py --quick
	$(PY) bench/bench_widgets.py --quick
	$(PY) bench/bench_figures.py --quick
	$(PY) bench/bench_lab.py --quick

# Full-size benchmarks, each a table of medians and ratios (docs/performance.md).
bench: $(STAMPS)/python $(BUNDLE) chromium
	$(PY) bench/run_all.py

$(STAMPS)/python: pyproject.toml
	@mkdir -p $(STAMPS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev,ray]"
	touch $@

$(STAMPS)/npm: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(BUNDLE): $(STAMPS)/npm $(JS_SOURCES)
	npm run --silent build

# Debian's chromium for the browser tests (Playwright cannot download a browser here).
chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
