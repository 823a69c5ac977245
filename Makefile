# gan-edu: build the book and run the tests on a fresh machine with only Python 3.11.
#
#   make book   build the HTML book from the notebooks' committed outputs, with -n -W
#   make test   unit tests, then the notebooks re-executed against their stored outputs (nbval)
#   make notebook-test-kernels   nbval again on a second set of CPU kernels (what CI also runs)
#   make browser-test   the built book checked in headless Chromium (run after `make book`)
#   make cjk-font   regenerate the bundled CJK font subset after adding a CJK character to the book
#   make clean  remove build outputs and caches (keeps .venv; `make distclean` removes it too)
#
# Both targets create .venv on first use and are no-ops to re-install afterwards.

PYTHON      ?= python3
VENV        := .venv
BIN         := $(VENV)/bin
CONSTRAINTS := constraints.txt
STAMP       := $(VENV)/.installed
# torch is installed first, on its own, so that no dependency resolution can pull a CUDA build.
# On a machine without a local CPU wheel, point pip at the CPU index, e.g.
#   make TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu" book
TORCH_SPEC     ?= torch==2.13.0
TORCH_PIP_ARGS ?=

NOTEBOOKS := $(wildcard notebooks/*.ipynb)

.PHONY: all venv test unit-test notebook-test notebook-test-kernels book browser-test cjk-font notebooks clean distclean

all: test book browser-test

venv: $(STAMP)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -c $(CONSTRAINTS) $(TORCH_PIP_ARGS) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -c $(CONSTRAINTS) -e ".[dev]"
	touch $@

test: unit-test notebook-test

unit-test: $(STAMP)
	$(BIN)/python -m pytest -q tests --ignore=tests/browser

# Strict nbval: every stored output must be reproduced. Skipped (not failed) when there is
# no notebook yet, because pytest exits with code 5 when it collects nothing.
notebook-test: $(STAMP)
ifeq ($(strip $(NOTEBOOKS)),)
	@echo "notebook-test: no notebooks/*.ipynb yet, nothing to check"
else
	$(BIN)/python -m pytest --nbval -q --nbval-current-env -p no:cacheprovider $(NOTEBOOKS)
endif

# The same on a second kernel set: SSE4.1 oneDNN kernels, ATen's default (non-vectorised) ones.
notebook-test-kernels: $(STAMP)
ifeq ($(strip $(NOTEBOOKS)),)
	@echo "notebook-test-kernels: no notebooks/*.ipynb yet, nothing to check"
else
	ONEDNN_MAX_CPU_ISA=SSE41 ATEN_CPU_CAPABILITY=default $(BIN)/python -m pytest --nbval -q --nbval-current-env -p no:cacheprovider $(NOTEBOOKS)
endif

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Book: $(CURDIR)/_build/html/index.html"

# Every page of the built book in headless Chromium (Debian's chromium, installed with
# apt-get when missing): console errors, math, images, links, Colab links, search.
# Screenshots and a JSON report go to test-artifacts/.
browser-test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/browser

# The CJK characters of the book (book/*.md, notebooks/*.ipynb, _toc.yml, _config.yml) as a
# subset of Noto Sans CJK SC in _static/fonts/ (committed: the build needs nothing). Run after
# adding a CJK character, then commit the two woff2 files; tests/browser fails until then.
# Uses the installed fonts-noto-cjk, or fetches the Debian package with apt-get download.
cjk-font: $(STAMP)
	$(BIN)/python scripts/cjk_font.py
	$(BIN)/python scripts/cjk_font.py --check

# Re-execute every notebook in place from a clean kernel: what to run after changing a
# notebook or the library, before committing (nbval then compares against these outputs).
notebooks: $(STAMP)
	cd notebooks && for nb in *.ipynb; do echo "executing $$nb"; ../$(BIN)/jupyter-execute --inplace "$$nb" || exit 1; done

clean:
	rm -rf _build .pytest_cache .hypothesis .jupyter_cache test-artifacts
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	find . -path ./$(VENV) -prune -o -type d -name "*.egg-info" -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
