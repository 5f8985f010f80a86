# Yuliao: two commands set everything up on a fresh machine (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export YULIAO_HOME ?= $(CURDIR)/var

.PHONY: run test install lint bench bench-oai bench-sparql bench-floor clean demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/yuliao init --demo --force

run: demo
	$(BIN)/yuliao serve --host 127.0.0.1 --port 8000

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q --numprocesses=auto --maxprocesses=4

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

clean:
	rm -rf $(VENV) var .pytest_cache
