# `make demo` and `make test` create the virtual environment on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export ERP_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: demo test lint bench clean

$(BIN)/erp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,postgres,plot,pdf,web]'
	touch $(BIN)/erp

demo: $(BIN)/erp
	rm -f demo.sqlite
	$(BIN)/erp --db sqlite:///demo.sqlite demo

test: $(BIN)/erp
	$(BIN)/pytest -q

lint: $(BIN)/erp
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src projections

bench: $(BIN)/erp
	$(BIN)/python bench/bench_ledger.py

clean:
	rm -rf $(VENV) demo.sqlite build *.egg-info
