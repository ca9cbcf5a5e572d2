# The README's commands. Everything installs into .venv with the pins in constraints.txt
# (torch stays at the CPU wheel 2.13.0; a looser pin would pull GBs of CUDA packages).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip
	PIP_CONSTRAINT=$(CURDIR)/constraints.txt $(BIN)/python -m pip install $(PIP_FLAGS) -e '.[dev]'
	@# compile the sgns and GloVe trainers' and compare's CPU kernels now, not during a user's first run
	$(BIN)/python -c "from embedlab.train.sgns import compile_kernels; compile_kernels()"
	$(BIN)/python -c "from embedlab.train.glove import compile_kernels; compile_kernels()"
	$(BIN)/python -c "from embedlab.analysis.compare_kernels import compile_kernels; compile_kernels()"
	touch $(STAMP)

install: $(STAMP)

# the tests also cover the optional Spark trainer (make run works without it)
$(SPARK_STAMP): $(STAMP)
	PIP_CONSTRAINT=$(CURDIR)/constraints.txt $(BIN)/python -m pip install $(PIP_FLAGS) -e '.[dev,spark]'
	touch $(SPARK_STAMP)

run: install
	$(BIN)/embedlab app --demo

test: install $(SPARK_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	@echo "Benchmarks take a corpus path; bench/README.md lists them, e.g.:"
	@echo "  $(BIN)/python bench/train_overhead.py ../shared/data/inaugural --repeat 15"
	@echo "  $(BIN)/python bench/train_throughput.py ../shared/data/inaugural --repeat 10"
	@echo "  $(BIN)/python bench/classify.py ../shared/data/sentence_polarity"

clean:
	rm -rf $(VENV) .embedlab build *.egg-info
