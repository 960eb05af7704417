# Two entry points on a fresh clone: `make demo` and `make test`.
# The venv is rebuilt only when pyproject.toml changes (stamp file inside .venv).

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

# Ultralytics must never reach the network: offline mode, a project-local config dir and a
# local font where it would otherwise download Arial.ttf.
export YOLO_OFFLINE := 1
export YOLO_CONFIG_DIR := $(CURDIR)/var/ultralytics

.PHONY: demo test lint typecheck pytest bench bench-tickets clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m detector.cli.offline_setup
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m detector.cli.offline_setup
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/streetorder demo --out var/demo

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

pytest: $(STAMP_DEV)
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: $(STAMP_RUN)
	$(BIN)/python benchmarks/ingest.py

# Empties the PostgreSQL database so_bench on 127.0.0.1:5432 first (see BENCHMARKS.md).
bench-tickets: $(STAMP_RUN)
	$(BIN)/python benchmarks/tickets.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

# Per-camera CPU, memory and network at 1 analysis/s with key-frame decoding (BENCHMARKS.md);
# reads ../shared/data/clips and ../shared/models, writes var/bench-cameras. About 5 minutes.
.PHONY: bench-cameras
bench-cameras: $(STAMP_RUN)
	$(BIN)/python benchmarks/camera_cost.py

# The Ray engine's own CPU and memory per camera actor and per node (BENCHMARKS.md); needs Ray
# (the dev extras), reads ../shared/data/clips and ../shared/models, writes var/bench-ray.
# About 3 minutes.
.PHONY: bench-ray
bench-ray: $(STAMP_DEV)
	$(BIN)/python benchmarks/ray_engine_cost.py
