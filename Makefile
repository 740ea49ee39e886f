# crmroi: `make demo` sets everything up and writes the demo report; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint system-deps benchmarks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,web,spark,postgres]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/crmroi demo --out demo

# Chromium (browser tests), poppler-utils (PDF → PNG) and PostgreSQL (backend tests, started
# on loopback by the tests themselves) come from Debian, never a download.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdftoppm >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils postgresql >/dev/null; \
		else \
			echo "please install Debian's chromium, poppler-utils and postgresql (sudo apt-get install -y chromium poppler-utils postgresql)"; exit 1; \
		fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: $(STAMP) system-deps
	$(BIN)/pytest -q -n 2 --dist loadgroup --durations=15

# crmroi as whole processes beside the tools a user would pick instead (DuckDB, Spark's own CSV
# reader, ChannelAttribution from the dev extra), measured by GNU /usr/bin/time; each script
# rewrites its table in docs/benchmarks.md. About 45 min on 2 cores at the defaults;
# `make benchmarks BENCH_SIZES="1000000 5000000 20000000"` adds the larger path files.
# BENCH_LARGE_DB=ws.duckdb: kpi_processes.py uses (a copy of) that imported large company
# instead of synthesising and importing its own (about 5 min).
BENCH_SIZES ?= 1000000
BENCH_CHANNELS ?= 10 30
benchmarks: $(STAMP)
	$(BIN)/python benchmarks/processes.py --sizes $(BENCH_SIZES) --channels $(BENCH_CHANNELS) --write docs/benchmarks.md
	$(BIN)/python benchmarks/workspace_route.py --sizes $(BENCH_SIZES) --channels 10 --write docs/benchmarks.md
	$(BIN)/python benchmarks/workspace_route.py --sizes 1000000 --channels 10 --spark --write docs/benchmarks.md
	$(BIN)/python benchmarks/spark_company.py --size small --write docs/benchmarks.md
	$(BIN)/python benchmarks/large_company.py --write docs/benchmarks.md
	$(BIN)/python benchmarks/kpi_processes.py --sizes medium large $(if $(BENCH_LARGE_DB),--db large=$(BENCH_LARGE_DB)) --write docs/benchmarks.md

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
