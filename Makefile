# Two commands do everything on a fresh machine (see README.md):
#   make book   build the course, executing every chapter -> _build/html/index.html
#   make test   unit and property tests, nbval over every chapter, and the
#               book build with warnings as errors
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.fnnlab-installed

.PHONY: book test unit nbval book-strict notebooks clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e ".[dev]"
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book is built: open _build/html/index.html in a browser"

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests

nbval: $(STAMP)
	$(BIN)/python -m pytest -q -p no:randomly --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg book

book-strict: $(STAMP)
	rm -rf _build/html _build/jupyter_execute
	$(BIN)/jupyter-book build . -W -n --keep-going

test: unit nbval book-strict

# Re-execute every chapter in place, storing fresh outputs for nbval.
notebooks: $(STAMP)
	for nb in book/*.ipynb; do \
		$(BIN)/jupyter execute --inplace --timeout=600 "$$nb" || exit 1; \
	done

clean:
	rm -rf _build
