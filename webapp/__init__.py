"""Trygghetskartan: safety walks and fault reports for a Swedish municipality (webapp/municipality.py)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask
from flask_compress import Compress
from flask_cors import CORS
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine

from webapp.config import Defaults, from_environment
from webapp.extensions import babel, csrf, db, limiter, login_manager, migrate
from webapp.municipality import load_municipality
from webapp.urls import App, ConfigurationError


def _refusal_without_traceback(kind, value, traceback, _previous=sys.excepthook):
    """A refusal to start (ConfigurationError: an unsafe or missing setting) reaches the operator as its sentence,
    which names the setting, not as a traceback (`flask …` commands, `python -c "create_app()"`)."""
    if isinstance(value, ConfigurationError):
        print(f"Trygghetskartan did not start: {value}", file=sys.stderr)
        return
    _previous(kind, value, traceback)


sys.excepthook = _refusal_without_traceback

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: the one way in for the server, the CLI and the tests."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH") or str(ROOT / "instance")
    app = App(__name__, instance_path=instance_path,
                instance_relative_config=True, static_folder=str(ROOT / "static"),
                template_folder=str(ROOT / "templates"))
    app.config.from_object(Defaults)
    app.config.update(from_environment(app.instance_path))
    if config:
        app.config.update(config)
    municipality = load_municipality(app.config["MUNICIPALITY"])
    for key, value in municipality.config_defaults().items():
        if not app.config.get(key):
            app.config[key] = value
    if municipality.templates_dir:
        # A kommun's own templates go before the shipped ones: the one place where a page may differ in more than
        # its values (docs/configuration.md, "The municipality").
        app.jinja_loader = ChoiceLoader([FileSystemLoader(str(municipality.templates_dir)), app.jinja_loader])
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A database host that does not answer at all (not merely refusing) fails a request in seconds, with
        # the 503 page, instead of holding it until the operating system gives up on the connection.
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {"connect_timeout": app.config["DATABASE_CONNECT_TIMEOUT"],
                                   **options.get("connect_args", {})}

    from webapp.i18n import remember_language, select_locale

    db.init_app(app)
    from webapp.reports.spatial import include_object

    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True,
                     include_object=include_object)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(ROOT / "webapp" / "translations"))
    app.after_request(remember_language)
    # Pages, styles, scripts and JSON compressed by the app itself, so a small install without a proxy is fast too.
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/plain", "text/javascript", "application/javascript", "application/json",
        "application/geo+json", "application/manifest+json", "image/svg+xml"])
    # Brotli where the browser takes it (every current one), else gzip; not zstd, which older phones and many
    # HTTP clients (the kommun's GIS scripts) cannot read.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    Compress(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    # Other sites may read the public data; writes stay behind CSRF tokens or API keys.
    CORS(app, resources={r"/api/v1/*": {"methods": ["GET"]}, r"/api/openapi.json": {"methods": ["GET"]},
                         r"/open311/v2/*": {"methods": ["GET"]}}, origins="*", send_wildcard=True, supports_credentials=False)

    from webapp.photostore import make_store

    app.extensions["photo_store"] = make_store(app.config)

    from webapp import audit as _audit  # noqa: F401
    from webapp import geo, reports  # noqa: F401 - the models must be known to SQLAlchemy
    from webapp import mail as _mail  # noqa: F401 - the outbox table
    from webapp.alerts import models as _alert_models  # noqa: F401
    from webapp.alerts.views import bp as alerts_bp
    from webapp.api.open311 import bp as open311_bp
    from webapp.api.views import bp as api_bp
    from webapp.api.views import docs_bp, health_bp
    from webapp.assets import models as _asset_models  # noqa: F401
    from webapp.assets.views import bp as assets_bp
    from webapp.auth import models as _auth_models  # noqa: F401
    from webapp.auth.views import bp as auth_bp
    from webapp.campaigns import dialogue_views as _dialogue_views  # noqa: F401 - the dialogue, on the same blueprint
    from webapp.campaigns import models as _campaign_models  # noqa: F401
    from webapp.campaigns import walk_views as _walk_views  # noqa: F401 - the walk pages, on the campaigns blueprint
    from webapp.campaigns.views import bp as campaigns_bp
    from webapp.geo import models as _geo_models  # noqa: F401
    from webapp.handoff import models as _handoff_models  # noqa: F401
    from webapp.handoff.views import bp as handoff_bp
    from webapp.hotspots.views import bp as hotspots_bp
    from webapp.insights import models as _insight_models  # noqa: F401
    from webapp.insights.views import bp as insights_bp
    from webapp.jobs import models as _job_models  # noqa: F401
    from webapp.opendata.views import bp as opendata_bp
    from webapp.reports import models as _report_models  # noqa: F401
    from webapp.reports.offline import bp as offline_bp
    from webapp.reports.views import bp as reports_bp
    from webapp.staff import models as _staff_models  # noqa: F401
    from webapp.staff.views import bp as staff_bp
    from webapp.workorders import models as _workorder_models  # noqa: F401
    from webapp.workorders.views import bp as workorders_bp

    app.register_blueprint(reports_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(open311_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(workorders_bp)
    app.register_blueprint(campaigns_bp)
    app.register_blueprint(insights_bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(opendata_bp)
    app.register_blueprint(hotspots_bp)
    app.register_blueprint(assets_bp)
    app.register_blueprint(handoff_bp)

    from webapp import errors, security, templating, unitofwork
    from webapp.cli import register_cli

    errors.register(app)
    security.register(app)
    templating.register(app)
    unitofwork.register(app)  # last of the after_request hooks, so the first to run: one commit per request
    register_cli(app)
    from webapp.api.mapcache import MapAnswerCache

    app.wsgi_app = app.extensions["map_cache"] = MapAnswerCache(app.wsgi_app, app.config)
    from webapp import monitoring, settings_check, urls

    monitoring.install(app)  # logs (JSON in production, redacted, a request id on each), the request log, /metrics
    settings_check.apply(app)  # production refuses a weak SECRET_KEY or debug mode

    urls.install(app)  # PUBLIC_BASE_URL checked, the host check and the proxy layer in front of everything
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL and enforced foreign keys for the embedded database."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint_inside_a_transaction(connection, name):
    """pysqlite opens a transaction only before a write, so a SAVEPOINT as the first statement would itself be
    the outermost transaction and its RELEASE a commit: begin the transaction first, so that a service's
    savepoint stays inside the request's one transaction (webapp.unitofwork)."""
    dbapi_connection = connection.connection.dbapi_connection
    if type(dbapi_connection).__module__.startswith("sqlite3") and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN")
