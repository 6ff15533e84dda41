# mammo: the README's two commands are `make demo` and `make test`; both set everything up first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
MAMMO := $(TARGET_DIR)/debug/mammo
VENV := $(CURDIR)/.venv
export MAMMO_ROOT := $(CURDIR)

.PHONY: help setup build test demo lab report slides bench lint fmt clean data

help:
	@echo "make demo    set up, generate the default data, run every notebook, export HTML to reports/"
	@echo "make test    set up, run the Rust tests and execute every notebook headless (smoke profile)"
	@echo "make lab     JupyterLab on notebooks/ with the mammo Rust kernel"
	@echo "make report  re-export the executed notebooks to reports/ (with index.html)"
	@echo "make slides  reveal.js slide decks of the executed notebooks: reports/*.slides.html (offline)"
	@echo "make bench   benchmarks (see docs/PERFORMANCE.md)"
	@echo "make lint    cargo fmt --check and clippy"
	@echo "make setup   only the setup (idempotent)"

setup:
	@bash scripts/setup.sh

build: setup
	$(CARGO) build --workspace --bins

# mammo synth writes nothing when data/synthetic's synth.json says it is current; a folder
# without synth.json may be the user's own files, so it is left alone (docs/SYNTHETIC.md).
data: build
	@if [ -f data/synthetic/train_tensor.npy ] && [ ! -f data/synthetic/synth.json ]; then \
	  echo "data/synthetic has no synth.json (made by a mammo older than generator 2, or not by mammo synth): left as it is; to regenerate: rm -r data/synthetic && make data"; \
	else $(MAMMO) synth --out data/synthetic --seed 42; fi

test: build
	@bash scripts/ensure-chromium.sh
	$(CARGO) test --workspace --no-fail-fast

demo: data
	bash scripts/run-notebooks.sh --out reports

lab: setup
	cd notebooks && $(VENV)/bin/jupyter lab

report: setup
	bash scripts/run-notebooks.sh --out reports --export-only

slides: setup
	$(VENV)/bin/python scripts/slides.py --exec-dir build/executed --out reports

bench: setup
	bash scripts/bench.sh

lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

clean:
	rm -rf build reports
