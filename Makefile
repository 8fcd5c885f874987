# Two commands do all the set-up on a fresh Debian 12 machine:
#   make demo   build every example under examples/ into out/ (HTML, PDF, DOCX)
#   make test   run the whole test suite
# Both install what they need (Debian packages, then Python packages from requirements.lock)
# and are safe to run twice.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
JOBS ?= 2
N ?= 60

.PHONY: demo test bench sysdeps-demo sysdeps-test schemas lock lint clean

demo: sysdeps-demo $(STAMP)
	@mkdir -p out
	@for f in examples/*.yaml; do \
	  echo "== $$f"; $(BIN)/nianbao build "$$f" -o out || exit 1; \
	done
	@# agencies with their own templates: DIR/templates/ beside DIR/*.yaml
	@for d in examples/*/templates; do \
	  for f in $$(dirname $$d)/*.yaml; do \
	    echo "== $$f (--templates $$d)"; $(BIN)/nianbao build "$$f" -o out --templates "$$d" || exit 1; \
	  done; \
	done
	@# real reports that miss statutory items: built anyway, check tells what is missing
	@for f in examples/incomplete/*.yaml; do \
	  echo "== $$f (--force)"; $(BIN)/nianbao build "$$f" -o out --force; \
	  test $$? -le 1 || exit 1; \
	done

test: sysdeps-test $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) -p no:cacheprovider --durations=15

# throughput of the batch (N synthetic reports, JOBS workers) against headless Chromium
# SUBSET=1 (default) measures with GB2312 font subsets (HarfBuzz, ~0.3 s once per machine);
# SUBSET=0 with the full faces
# The inputs are a varied mix (tests/bench/bench_variety.py); MIX=plain=1 gives uniform reports
SUBSET ?= 1
MIX ?=
bench: sysdeps-test $(STAMP)
	NIANBAO_FONT_SUBSET=$(SUBSET) PYTHONPATH=tests $(BIN)/python -m bench --n $(N) --jobs $(JOBS) $(if $(MIX),--mix $(MIX))

# ruff and mypy on the code (the pinned versions from the lock; also run by the test suite)
lint: $(STAMP)
	$(BIN)/python -m ruff check generator schemas tests/bench
	$(BIN)/python tests/typecheck.py

sysdeps-demo:
	@sh .ci/sysdeps demo

sysdeps-test:
	@sh .ci/sysdeps test

$(STAMP): requirements.lock pyproject.toml
	rm -f $(VENV)/.installed-*
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# maintenance: regenerate the committed JSON Schemas and the lock file
schemas: $(STAMP)
	for e in $$($(BIN)/python -c 'from nianbao import schemas; print(*schemas.EDITIONS)'); do \
	  $(BIN)/python -m nianbao schema --edition $$e > schemas/report-$$e.schema.json; \
	done

lock:
	$(BIN)/pip install -q uv && $(BIN)/uv pip compile pyproject.toml --extra test \
	  --generate-hashes --python-version 3.11 --no-header -o requirements.lock

clean:
	rm -rf out .pytest_cache
