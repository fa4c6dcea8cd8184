# Quick start: `make demo` (set up + run on seeds/) and `make test` (set up + full test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup browser demo test lint bench dist clean

$(STAMP): pyproject.toml setup.py $(wildcard src/zhnorm/kernels/*.c)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# The HTML report is tested in headless Chromium (Debian's packages, with a CJK font so
# the test's screenshot shows the text; root or sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BROWSER_PACKAGES := chromium fonts-wqy-zenhei
browser:
	@dpkg -s $(BROWSER_PACKAGES) >/dev/null 2>&1 \
		|| $(SUDO) apt-get install -y -q $(BROWSER_PACKAGES) \
		|| ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q $(BROWSER_PACKAGES))

demo: $(STAMP)
	$(BIN)/zhnorm summary seeds --reuse

test: $(STAMP) browser
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy
	$(BIN)/python -m pytest --doctest-modules src tests

lint: $(STAMP)
	$(BIN)/ruff check
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_convert.py

# The sdist and the wheel, the wheel repaired to a manylinux tag, installed in a fresh
# environment away from the checkout and smoke-tested (tests/test_packaging.py does the same).
dist: $(STAMP)
	$(BIN)/python tools/dist.py --out dist

clean:
	rm -rf $(VENV) build dist src/*.egg-info src/zhnorm/kernels/*.so
