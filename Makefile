# Two commands do everything on a fresh machine (see README.md):
#   make book   build the course, executing every chapter -> _build/html/index.html
#   make test   unit and property tests, nbval over every chapter, the book
#               build with warnings as errors, then the built book opened in
#               headless Chromium with no network (tests/test_browser.py)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.fnnlab-installed
# The browser files the book serves itself: MathJax and the widget manager,
# at the versions pinned in tools/web/package-lock.json (case C22).
ASSETS := tools/web/static/fetched/versions.json

.PHONY: setup chromium book test unit nbval book-strict browser notebooks clean

# Everything a fresh machine needs, made by `make` itself.
setup: $(STAMP) $(ASSETS) chromium

$(STAMP): requirements.txt pyproject.toml tools/requirements-browser.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt \
		-r tools/requirements-browser.txt -e ".[dev]"
	# The core dependencies as wheels, so that tests/test_package.py can
	# install the built wheel into a fresh environment with no network.
	rm -rf $(VENV)/wheelhouse
	$(BIN)/python -m pip download --quiet --no-build-isolation \
		--dest $(VENV)/wheelhouse .
	touch $(STAMP)

$(ASSETS): tools/fetch_assets.sh tools/web/package.json \
		tools/web/package-lock.json tools/web/widgets-setup.js
	sh tools/fetch_assets.sh

# Debian's chromium for the browser test (installed only when missing, and
# only where apt-get may run: as root, as on CI).
chromium:
	@sh tools/install_chromium.sh

book: $(STAMP) $(ASSETS)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book is built: open _build/html/index.html in a browser"

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests --ignore=tests/test_browser.py

nbval: $(STAMP)
	$(BIN)/python -m pytest -q -p no:randomly --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg book

book-strict: $(STAMP) $(ASSETS)
	rm -rf _build/html _build/jupyter_execute
	$(BIN)/jupyter-book build . -W -n --keep-going

# The book just built, served on 127.0.0.1 and opened page by page in
# headless Chromium, inside a network namespace with loopback only.
browser: book-strict chromium
	FNNLAB_BOOK_HTML=_build/html sh tools/offline.sh \
		$(BIN)/python -m pytest -q tests/test_browser.py

test: unit nbval book-strict browser

# Re-execute every chapter in place, storing fresh outputs for nbval.
notebooks: $(STAMP)
	for nb in book/*.ipynb; do \
		$(BIN)/jupyter execute --inplace --timeout=600 "$$nb" || exit 1; \
	done

clean:
	rm -rf _build
