# Trygghetskartan: `make run` serves the app with demo data, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := webapp
# Links in mails and QR codes are built from this, never from the request (set it to the real address in production).
export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test test-fast test-js lint setup vendor translations browser services migrate demo bench extract clean

# A development server (SQLite, generated secret, text logs): production's refusals and warnings do not apply
# (webapp/settings_check.py). A production server is what you get without APP_ENV.
run migrate: export APP_ENV = development

run: setup migrate
	@$(BIN)/flask demo load --if-empty
	@$(BIN)/flask demo logins
	@echo "Trygghetskartan: http://127.0.0.1:$(PORT)/"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: setup browser services lint test-js
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fast loop: the unit and service tests on SQLite, spread over the cores; leaves out what starts servers or
# processes (slow), the PostgreSQL runs (postgres) and headless Chromium (browser). `make test` runs everything.
# The tests' databases and files go to /dev/shm (memory) where there is one, so that SQLite's commits wait for no
# disk; worksteal lets an idle worker take tests queued for a busy one.
test-fast: export TMPDIR := $(shell test -d /dev/shm -a -w /dev/shm && echo /dev/shm || echo $${TMPDIR:-/tmp})
test-fast: setup lint test-js
	$(BIN)/python -m pytest -m "not slow and not postgres and not browser" -n auto --dist worksteal -q $(PYTEST_ARGS)

# The page scripts' unit tests (node's own test runner; IndexedDB from fake-indexeddb, the DOM from jsdom):
# the offline queue and the outbox, where a mistake loses a resident's report. Needs no Python.
test-js: node_modules/.installed
	node --test tests/js/

# ruff (pyflakes, pycodestyle, import order), the import-linter contract in pyproject.toml: a package may import
# only those below it (see README, Architecture), and ESLint on the page scripts, the service worker and their tests
# (eslint.config.js).
lint: setup node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	node_modules/.bin/eslint static/js templates/sw.js tests/js eslint.config.js

setup: $(VENV)/.installed vendor translations

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Third-party front-end code comes from npm and is copied, never committed: only the files the templates load
# (tests/test_vendor.py checks) and the images their CSS and Leaflet's default marker use. No source maps, no -src or
# ESM builds, and the minified files lose their sourceMappingURL line (the maps are not served).
LEAFLET := node_modules/leaflet/dist
CLUSTER := node_modules/leaflet.markercluster/dist
DRAW := node_modules/leaflet-draw/dist
# Copied again only when node_modules or this Makefile is newer than the copy (leaflet.js, written first and touched
# last, stands for all of it), so make test-fast does not copy it on every run.
vendor: static/vendor/leaflet/leaflet.js

static/vendor/leaflet/leaflet.js: node_modules/.installed Makefile
	rm -rf static/vendor
	mkdir -p static/vendor/leaflet/images static/vendor/leaflet.markercluster static/vendor/leaflet.heat static/vendor/leaflet-draw/images
	sed '/^\/\/# sourceMappingURL=/d' $(LEAFLET)/leaflet.js > static/vendor/leaflet/leaflet.js
	cp $(LEAFLET)/leaflet.css static/vendor/leaflet/
	cp $(LEAFLET)/images/layers.png $(LEAFLET)/images/layers-2x.png $(LEAFLET)/images/marker-icon.png \
		$(LEAFLET)/images/marker-icon-2x.png $(LEAFLET)/images/marker-shadow.png static/vendor/leaflet/images/
	sed '/^\/\/# sourceMappingURL=/d' $(CLUSTER)/leaflet.markercluster.js > static/vendor/leaflet.markercluster/leaflet.markercluster.js
	cp $(CLUSTER)/MarkerCluster.css $(CLUSTER)/MarkerCluster.Default.css static/vendor/leaflet.markercluster/
	cp node_modules/leaflet.heat/dist/leaflet-heat.js static/vendor/leaflet.heat/
	cp $(DRAW)/leaflet.draw.js $(DRAW)/leaflet.draw.css static/vendor/leaflet-draw/
	cp $(DRAW)/images/spritesheet.png $(DRAW)/images/spritesheet-2x.png $(DRAW)/images/spritesheet.svg \
		static/vendor/leaflet-draw/images/
	touch $@

# Each catalog is compiled when its .po file is newer than its .mo.
CATALOGS := $(wildcard webapp/translations/*/LC_MESSAGES/messages.po)
translations: $(CATALOGS:.po=.mo)

webapp/translations/%/LC_MESSAGES/messages.mo: webapp/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d webapp/translations -l $*

# Update the catalogs after changing user-facing text: then translate the new entries in the .po files.
extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -N -i webapp/translations/messages.pot -d webapp/translations
	$(BIN)/python scripts/fill_english.py

migrate: setup
	$(BIN)/flask db upgrade

# Headless Chromium for the browser tests, and DejaVu fonts (Swedish letters in exported pictures):
# Debian's packages, installed when missing and we are root.
browser:
	@if command -v chromium >/dev/null 2>&1 && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	else echo "chromium is missing: the browser tests will be skipped (install it with: sudo apt-get install chromium)"; fi

# redis-server and nginx for the scale-out tests (two app servers behind the shipped nginx site, limits shared
# through Redis): Debian's packages, installed when missing and we are root; the tests start their own.
services:
	@if command -v redis-server >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1 && { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's redis-server and nginx for the scale-out tests…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server nginx openssl >/dev/null; \
	else echo "redis-server or nginx is missing: the scale-out tests will be skipped (sudo apt-get install redis-server nginx)"; fi

clean:
	rm -rf $(VENV) node_modules static/vendor
