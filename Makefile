# One entry point for set-up, demo, tests, lint and benchmarks.
# Everything runs in a virtual environment inside the repository (.venv/).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The CPU build of torch, installed before the package so that its range
# (torch>=2.2) is already met and pip does not fetch a multi-GB CUDA build.
TORCH_CPU := torch==2.13.0

.PHONY: install demo test test-all lint format bench docs docs-clean clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(TORCH_CPU)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

demo: install
	mkdir -p build
	$(VENV)/bin/sklearn-ae detect --output build/demo-scores.csv

test: install
	$(PY) -m pytest -n 2

test-all: install
	$(PY) -m pytest -n 2 --runslow

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m pip install --quiet -e ".[benchmark]"
	# DeepOD (DevNet, DeepSAD, PReNet) pins torch<1.13.1 but runs on this torch:
	# installed without its dependencies, which the lines above provide.
	$(PY) -m pip install --quiet --no-deps deepod==0.4.0
	cd benchmarks && ../$(PY) bench_train.py
	cd benchmarks && ../$(PY) bench_train.py --images
	cd benchmarks && ../$(PY) bench_train.py --attention
	cd benchmarks && ../$(PY) bench_score.py
	cd benchmarks && ../$(PY) bench_scaling.py
	cd benchmarks && ../$(PY) bench_memory.py
	cd benchmarks && ../$(PY) bench_outliers.py
	cd benchmarks && ../$(PY) bench_outliers_holdout.py
	cd benchmarks && ../$(PY) bench_outliers_cv.py
	cd benchmarks && ../$(PY) bench_outliers_sources.py
	cd benchmarks && ../$(PY) bench_outliers_labels.py --collections holdout
	cd benchmarks && ../$(PY) bench_outliers_labels.py --collections odds --methods \
		"AEOutlierDetector (no labels)" "AEOutlierDetector (labels)" HistGradientBoosting
	cd benchmarks && ../$(PY) bench_digits.py
	cd benchmarks && ../$(PY) bench_photos.py --figure
	cd benchmarks && ../$(PY) bench_photos.py --diffusion
	cd benchmarks && ../$(PY) bench_train.py --generation
	cd benchmarks && ../$(PY) bench_train.py --segmentation
	cd benchmarks && ../$(PY) bench_segmentation.py --figure
	cd benchmarks && ../$(PY) bench_generation.py --figure
	cd benchmarks && ../$(PY) bench_dask_search.py
	cd benchmarks && ../$(PY) bench_missing_values.py

# The documentation site, built offline with every Sphinx warning an error
# (a failing gallery example fails it too); open docs/_build/html/index.html.
docs: $(VENV)/.docs-installed
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

$(VENV)/.docs-installed: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e ".[docs]"
	touch $@

# Generated pages: API stubs, the gallery, the benchmark pages, the site.
docs-clean:
	rm -rf docs/_build docs/auto_examples docs/generated docs/gen_modules

clean: docs-clean
	rm -rf $(VENV) build .pytest_cache .ruff_cache
