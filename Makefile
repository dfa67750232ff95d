# The two commands README promises, and a few for development.
WORKSPACE ?= workspace

.PHONY: demo test setup clean

setup:
	@scripts/setup.sh

demo: setup
	.venv/bin/dsar demo --workspace $(WORKSPACE)

test: setup
	.venv/bin/ruff check .
	.venv/bin/python -m pytest

clean:
	rm -rf $(WORKSPACE) .pytest_cache
