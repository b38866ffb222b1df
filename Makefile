# Two commands matter: `make run` (serve the index on http://127.0.0.1:8000) and
# `make test` (run the suite). Both create the virtualenv and install on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test bench lint format ci clean gold

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The offline demo talks to the stand-in hub on loopback, which serves a copy of
# huggingface.co (so evidence links point there); no request budget is needed locally.
# The snapshot's download counts are a frozen sample, so the demo lists every model as
# "notable" (the default leaderboard view) instead of hiding the less-downloaded ones.
DEMO_ENV := HF_ENDPOINT=http://127.0.0.1:8765 GITHUB_API_URL=http://127.0.0.1:8765/github-api \
	HF_PUBLIC_URL=https://huggingface.co HUB_REQUEST_BUDGET=0 HUB_RESOLVER_BUDGET=0 GITHUB_REQUEST_BUDGET=0 \
	CRAWL_POPULARITY_THRESHOLD=0 CRAWL_LIKES_THRESHOLD=0 NOTABLE_MIN_DOWNLOADS=0

# Migrates, starts the stand-in hub on 127.0.0.1 with the bundled snapshot, crawls it on
# first start (progress bar), scores it, then serves the site.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py rundemo --addr 127.0.0.1:8000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# wrk drives the web stage when present; without it a slower threaded Python client does,
# which understates throughput, so fetch Debian's package when apt is usable.
bench: install
	command -v wrk >/dev/null || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] \
		&& apt-get install -y -qq wrk >/dev/null; } || echo "wrk unavailable: Python load client"
	$(BIN)/python -m bench $(if $(N),--models $(N)) $(BENCH_ARGS)

# Crawl the bundled snapshot into a scratch database and publish the agreement with the gold
# set (scoring/data/gold_agreement.json: /methodology/ and docs/methodology.md show it).
gold: install
	bash bin/gold-agreement

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) var .pytest_cache
