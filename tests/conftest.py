"""Fixtures: an app on a fresh, migrated database (SQLite and PostgreSQL), a client, and test data."""
from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import pytest
from flask import g
from flask_migrate import upgrade
from jinja2 import BytecodeCache
from werkzeug.routing import Rule

from devdata.demo import ensure_demo_areas
from tests.pg import ThrowawayPostgres
from tests.redis_server import ThrowawayRedis
from tests.s3 import ThrowawayS3
from webapp import create_app
from webapp.extensions import db

BACKENDS = ["sqlite", "postgresql"]
_counter = itertools.count()


def pytest_collection_modifyitems(config, items):
    """`postgres` on every test that runs on PostgreSQL (the backend parameter or the server fixture), so that
    `make test-fast` (-m "not slow and not postgres and not browser") can leave them out."""
    for item in items:
        if "[postgresql" in item.nodeid or {"postgres", "postgres_template"} & set(item.fixturenames):
            item.add_marker(pytest.mark.postgres)


def base_config(tmp_path: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "APP_ENV": "development",
        "JOBS_SCHEDULE": False,  # periodic jobs only where a test asks for them (`flask jobs schedule`)
        "HANDOFF_ALLOW_LOCAL_ENDPOINTS": True,  # the two-instance hand-off test's "kommun system" is on 127.0.0.1
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MEDIA_DIR": str(tmp_path / "media"),
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAIL_SERVER": "",
        "PUBLISH_PHOTOS_IMMEDIATELY": False,
        "SERVER_NAME": "trygghetskartan.test",
        "PUBLIC_BASE_URL": "http://trygghetskartan.test",
        "PREFERRED_URL_SCHEME": "http",
        # The public map's answer cache would hide a report made a moment ago; its own test turns it on.
        "MAP_CACHE_SECONDS": 0,
        # Werkzeug's scrypt costs a quarter of a second per hash on a busy machine, and the tests create and log
        # in hundreds of users; the hash is still checked (webapp/auth/services.py: a knob for the tests only).
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
    }


class _SharedTemplateCode(BytecodeCache):
    """Every test builds its own app, and so its own Jinja environment, which would parse and compile each
    template again: keep the compiled code for the whole test process (Jinja checks the template's source
    against its checksum, so an edited template is compiled again)."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _SharedTemplateCode()


def _remember_url_builders():
    """Werkzeug compiles a URL builder (Python source through `ast` and `compile`) for each of the app's ~140
    routes every time an app is made, a sixth of a test's time. The builder is a plain function of the rule's
    text, its parsed parts and its defaults (werkzeug binds it to the rule afterwards), so the same rule in the
    next test's app can use the one compiled before. Left alone if a werkzeug version no longer has the method."""
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "remembered", False):
        return
    builders: dict = {}

    def remembered(self, append_unknown=True):
        defaults = self.defaults or {}
        try:
            key = (self.rule, tuple(self._trace), append_unknown,
                   tuple((k, repr(v), self._converters[k].to_url(v) if k in self._converters else None)
                         for k, v in defaults.items()))
            hash(key)
        except Exception:  # noqa: BLE001 (anything unusual: compile it as werkzeug would)
            return compile_builder(self, append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    remembered.remembered = True
    Rule._compile_builder = remembered


_remember_url_builders()


def build_app(config: dict):
    """create_app, plus one test-only fix: the fixtures keep an app context open across requests (so that
    tests can use the session), and extensions cache per-request state on `g` (Flask-Babel the language,
    Flask-Login the user, Flask-WTF the CSRF token), so empty `g` after each request as a fresh app
    context would."""
    app = create_app(config)
    app.jinja_env.bytecode_cache = _TEMPLATE_CODE

    @app.teardown_request
    def _forget_request_state(exc):
        for key in list(g):
            g.pop(key, None)

    return app


def _migrate(url: str, tmp_path: Path) -> None:
    app = create_app(base_config(tmp_path, url))
    with app.app_context():
        upgrade()
        ensure_demo_areas()
        db.session.commit()  # services only flush; the caller (here the fixture) commits
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def postgres():
    server = ThrowawayPostgres()
    if not server.available:
        pytest.skip("PostgreSQL's initdb/pg_ctl are not installed (apt-get install postgresql-15)")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    """A real redis-server for the limits shared by several app servers; emptied with .forget() per test."""
    server = ThrowawayRedis()
    if not server.available:
        pytest.skip("redis-server is not installed (apt-get install redis-server; make test installs it as root)")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """One migrated SQLite file with the demo districts; each test gets a copy."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite"
    _migrate(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres, tmp_path_factory):
    postgres.execute("CREATE DATABASE tk_template")
    _migrate(postgres.url("tk_template"), tmp_path_factory.mktemp("pg-template"))
    return "tk_template"


def database_url(backend: str, request, tmp_path: Path) -> str:
    if backend == "sqlite":
        target = tmp_path / "test.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    server = request.getfixturevalue("postgres")
    template = request.getfixturevalue("postgres_template")
    name = f"tk_test_{next(_counter)}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return server.url(name)


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    """The app on a fresh, migrated database with the demo districts and zone (no reports)."""
    app = build_app(base_config(tmp_path, database_url(request.param, request, tmp_path)))
    app.config["BACKEND"] = request.param
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sqlite_app(request, tmp_path):
    """The app on SQLite only, for tests about the web layer rather than the database."""
    app = build_app(base_config(tmp_path, database_url("sqlite", request, tmp_path)))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def s3_server():
    """moto's standalone S3 server, one process for the session; each test takes its own bucket."""
    server = ThrowawayS3()
    if not server.start():
        pytest.skip(f"No S3-compatible server for the tests: {server.reason}")
    yield server
    server.stop()


STORES = ["disk", pytest.param("s3", marks=pytest.mark.slow)]  # s3: moto_server, a process of its own


def store_config(kind: str, request) -> dict:
    """The settings of a photo store of this kind: the default disk store, or a fresh bucket on moto."""
    if kind == "disk":
        return {"PHOTO_STORE": "disk"}
    server = request.getfixturevalue("s3_server")
    return server.config(server.new_bucket())


@pytest.fixture(params=STORES)
def store_app(request, tmp_path):
    """The app on SQLite with each photo store in turn (disk, then S3 on a real S3-compatible server)."""
    config = base_config(tmp_path, database_url("sqlite", request, tmp_path)) | store_config(request.param, request)
    app = build_app(config)
    app.config["STORE"] = request.param
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def web(sqlite_app):
    return sqlite_app.test_client()




def csrf_token(client, path: str = "/") -> str:
    """The CSRF token of the form on a page, read as a browser would."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
