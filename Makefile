# Yuliao: two commands set everything up on a fresh machine (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export YULIAO_HOME ?= $(CURDIR)/var
# `make run` serves on RUN_ADDRESS and makes the demo home with it as its base URI, so that
# its pages, OAI-PMH baseURL and IRIs are where it answers; YULIAO_BASE_URI, or base_uri in
# the home's yuliao.toml (which `yuliao init` writes), wins (a proxy's public address).
RUN_ADDRESS  := http://127.0.0.1:8000/
RUN_BASE_URI := $(or $(YULIAO_BASE_URI),$(if $(shell grep -s -E '^[[:space:]]*base_uri[[:space:]]*=' '$(YULIAO_HOME)/yuliao.toml'),,$(RUN_ADDRESS)))

.PHONY: run test install lint bench bench-oai bench-sparql bench-floor bench-load bench-search bench-drafting clean demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# axe-core for the browser tests (they skip, saying so, where npm is missing)
node_modules/.installed: package.json package-lock.json
	if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "note: npm is missing: the browser tests will skip their axe-core checks" >&2; fi

install: $(VENV)/.installed node_modules/.installed

demo run: export YULIAO_BASE_URI := $(RUN_BASE_URI)

demo: install
	$(BIN)/yuliao init --demo --force

run: demo
	$(BIN)/yuliao serve --host 127.0.0.1 --port 8000

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q --numprocesses=4

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/ingest.py 10000

bench-oai: install
	$(BIN)/python bench/oai.py 100000

bench-sparql: install
	$(BIN)/python bench/sparql.py 1000000

bench-floor: install
	$(BIN)/python bench/store_floor.py 10000

# 1,000 users with 1-5 s between requests, then 1,000 clients without a pause, against
# `yuliao serve` over 100,000 records (filled into bench/out/load-home the first time)
bench-load: install
	$(BIN)/python bench/load.py --home bench/out/load-home --records 100000 --users 1000
	$(BIN)/python bench/load.py --home bench/out/load-home --users 1000 --think 0 0

# search quality (nDCG@10, recall@100 on the judged queries) and latency at 100,000 records,
# ours against the substring index and whoosh-reloaded + jieba
bench-search: install
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -W ignore bench/search.py --records 100000 --whoosh-records 20000

# drafted keywords against keywords assigned by hand on 20 passages of the seed documents
# (bench/keywords.json; the seeds are read from ../shared/seeds, which must be beside the project)
bench-drafting: install
	$(BIN)/python bench/drafting.py --keywords

clean:
	rm -rf $(VENV) var .pytest_cache node_modules tests/screenshots
