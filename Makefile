# The two commands of the README's quickstart: `make demo` and `make test`.
# Both create the virtual environment on first use (scripts/bootstrap.sh) and reuse it after.

VENV      := .venv
STAMP     := $(VENV)/.installed
PYTHON    := $(VENV)/bin/python
DEMO_DIR  ?= demo-project

.PHONY: demo test lint typecheck check clean setup

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt scripts/bootstrap.sh
	bash scripts/bootstrap.sh $(VENV)
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/uncounted demo $(DEMO_DIR)

test: $(STAMP)
	$(PYTHON) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) $(DEMO_DIR) build dist src/*.egg-info
