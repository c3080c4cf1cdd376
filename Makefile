# The README's two commands: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SHARED := ../shared/data
# Maps draw state outlines when a boundary file is available (none is bundled).
BOUNDARIES := $(wildcard $(SHARED)/boundaries/estatal.shp)
export CORREDOR_BOUNDARIES ?= $(BOUNDARIES)

.PHONY: demo test bench lint data clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/corredor info --network bundled --demand bundled
	$(BIN)/corredor export network --network bundled -o out/demo/network.gpkg --map out/demo/network.png
	$(BIN)/corredor export network --network bundled -o out/demo/network.geojson
	$(BIN)/corredor run scenarios/bajio-bridges-2024.yaml -o out/demo/bajio-bridges-2024
	$(BIN)/corredor calibrate --network bundled -o out/demo/calibration

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	CORREDOR_BENCH=1 $(BIN)/python -m pytest tests/benchmarks/bench_*.py -m benchmark -s $(PYTEST_ARGS)

# Regenerate src/corredor/data/mexico/ from ../shared/data (maintainers; byte-identical reruns).
data: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[authoring]"
	$(BIN)/python scripts/national/build_all.py

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy

clean:
	rm -rf $(VENV) out .pytest_cache
