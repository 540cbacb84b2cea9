# 物业超市 — two commands do everything: `make run` and `make test`.
PYTHON ?= python3.12
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev system-deps system-test-deps static-vendor migrate seed messages lint check clean

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

## Front-end libraries (Apache ECharts for the bureau's charts) come from the npm registry at
## the versions pinned in package-lock.json and are served as static files (no CDN).
static/vendor/echarts.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/echarts/dist/echarts.min.js static/vendor/echarts.min.js

static-vendor: static/vendor/echarts.min.js

## make run: install, migrate the embedded SQLite database, load the demo district, serve.
run: install system-deps static-vendor
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "物业超市 is starting on http://$(HOST):$(PORT)/  (back office: http://$(HOST):$(PORT)/admin/)"
	@# Background tasks (django-tasks, database backend) run in a worker beside the server.
	$(PY) manage.py db_worker --queue-name '*' & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(PY) manage.py runserver $(HOST):$(PORT)

## Contract PDFs (WeasyPrint) need Pango, HarfBuzz's subsetter and CJK fonts from Debian;
## browser tests also need Debian's Chromium. Installed when missing (needs root; otherwise
## the command to run is printed).
PDF_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
define apt_ensure
	@missing=""; for deb in $(1); do \
		dpkg -s $$deb >/dev/null 2>&1 || missing="$$missing $$deb"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "Missing Debian packages:$$missing — run: sudo apt-get install$$missing"; fi; \
	fi
endef

system-deps:
	$(call apt_ensure,$(PDF_DEBS))

system-test-deps:
	$(call apt_ensure,$(PDF_DEBS) chromium)

## make test: install what the tests need and run the whole suite
## (SQLite by default; set DATABASE_URL for PostgreSQL, as .ci/run does).
test: install-dev system-test-deps static-vendor
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest $(PYTEST_ARGS)

## Regenerate the message catalogue after changing strings (then translate and `make test`).
messages: install-dev
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=test-results --no-obsolete

lint: install-dev
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 test-results staticfiles node_modules static/vendor
