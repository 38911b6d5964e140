# eco_eval — run `make` alone to list the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PERIOD ?= 2017-Q4

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name eco-eval --display-name "eco_eval (project)" >/dev/null
	@touch $@

venv: $(STAMP) ## create the local virtual environment (.venv) from the pinned constraints

# eco_eval's own modules compiled once, here: where the environment forbids Python to write
# bytecode (PYTHONDONTWRITEBYTECODE), every process a run or the tests start (the CLI, the
# kernels, the ingest's child) would otherwise compile the modules it imports again, about
# 0.4 s each; compileall writes them anyway and skips those already up to date
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q src

system-deps: ## install Debian packages the report needs (chromium, poppler-utils) when missing
	@bash scripts/install-system-deps.sh

demo: bytecode system-deps ## generate the demo city and its bilan for PERIOD (default 2017-Q4)
	$(BIN)/eco-eval demo --seed 42
	$(BIN)/eco-eval run --period $(PERIOD)
	@echo "Bilan: reports/$(PERIOD)/bilan.html"

test: bytecode system-deps ## run the whole test suite (unit, slow, browser)
	$(BIN)/python -m pytest -n 2 --dist worksteal -q

lint: $(STAMP) ## ruff (lint and format check), mypy on src/ and the import contracts (lint-imports)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP) ## format the code with ruff
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

bench: $(STAMP) ## run the benchmarks and write docs/benchmarks.md (SIZES=city,metropolis,national ONLY=ingest,... REPEAT=3)
	$(BIN)/python benchmarks/run.py $(if $(SIZES),--sizes $(SIZES)) $(if $(ONLY),--only $(ONLY)) $(if $(REPEAT),--repeat $(REPEAT))

lab: bytecode ## start JupyterLab on notebooks/ with the eco-eval kernel (kernels run in the project folder)
	$(BIN)/eco-eval lab

clean: ## remove generated data and reports (never data/raw of a real city: only demo output)
	rm -rf data/processed/* reports/*/ reports/index.html
	touch data/processed/.gitkeep reports/.gitkeep

.PHONY: help venv bytecode system-deps demo test lint format bench lab clean
