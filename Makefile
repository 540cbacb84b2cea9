# 物业超市 — two commands do everything: `make run` and `make test`.
PYTHON ?= python3.12
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev system-test-deps migrate seed messages lint check clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: install, migrate the embedded SQLite database, load the demo district, serve.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "物业超市 is starting on http://$(HOST):$(PORT)/  (back office: http://$(HOST):$(PORT)/admin/)"
	@# Background tasks (django-tasks, database backend) run in a worker beside the server.
	$(PY) manage.py db_worker --queue-name '*' & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(PY) manage.py runserver $(HOST):$(PORT)

## Browser tests need Debian's Chromium and CJK fonts; install them when missing (root only).
system-test-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		echo "Installing Debian chromium and fonts-noto-cjk for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

## make test: install what the tests need and run the whole suite
## (SQLite by default; set DATABASE_URL for PostgreSQL, as .ci/run does).
test: install-dev system-test-deps
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest $(PYTEST_ARGS)

## Regenerate the message catalogue after changing strings (then translate and `make test`).
messages: install-dev
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=test-results --no-obsolete

lint: install-dev
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 test-results staticfiles
