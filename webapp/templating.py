"""What every template may use: the language, its direction, the switch links."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import g, has_request_context, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.i18n import current_language, text_direction
from webapp.municipality import current_municipality

LANGUAGE_NAMES = {"sv": "Svenska", "en": "English", "ar": "العربية"}

# The staff menu: (endpoint, label, permission), shown to those who have the permission.
STAFF_MENU = [
    ("staff.inbox", _l("Inbox"), "view_reports"),
    ("workorders.index", _l("Work orders"), "workorders"),
    ("workorders.tasks", _l("My tasks"), "tasks"),
    ("staff.field_report", _l("New report"), "field_report"),
    ("insights.heatmap", _l("Heat map"), "insights"),
    ("hotspots.index", _l("Hot spots"), "hotspots"),
    ("insights.indicators", _l("Follow-up"), "indicators"),
    ("campaigns.index", _l("Campaigns"), "campaign_results"),
    ("campaigns.dialogues", _l("Citizen dialogues"), "campaign_results"),
    ("campaigns.activities", _l("Activities"), "activities"),
    ("campaigns.owners", _l("Property owners"), "owners"),
    ("staff.admin_users", _l("Users"), "admin"),
    ("staff.admin_settings", _l("Settings"), "admin"),
    ("staff.admin_api_clients", _l("API keys"), "admin"),
    ("handoff.settings", _l("Hand-off"), "admin"),
    ("auth.setup_2fa", _l("Two-factor"), "staff"),
]


STAFF_LANGUAGES = ("sv", "en")


# A versioned static URL (…/app.css?v=<hash of its content>) never changes its content: phones keep it a year.
IMMUTABLE = 365 * 24 * 3600


@lru_cache(maxsize=512)
def _content_hash(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def static_version(static_folder: str, filename: str) -> str | None:
    """The short hash of a static file's content (None when there is no such file)."""
    path = Path(static_folder) / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    return _content_hash(str(path), stat.st_mtime_ns, stat.st_size)


def register_static_versions(app) -> None:
    """Every url_for('static', …) carries ?v=<content hash>; such a URL is cached for a year, immutable."""
    @app.url_defaults
    def version_static_urls(endpoint, values):
        if endpoint == "static" and "v" not in values and values.get("filename"):
            version = static_version(app.static_folder, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def cache_versioned_static(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            asked = request.args.get("v")
            filename = (request.view_args or {}).get("filename", "")
            if asked and asked == static_version(app.static_folder, filename):
                response.cache_control.no_cache = None
                response.cache_control.public = True
                response.cache_control.max_age = IMMUTABLE
                response.cache_control.immutable = True
        return response


def register(app) -> None:
    register_static_versions(app)
    @app.context_processor
    def language_context():
        lang = current_language()
        if not has_request_context():  # mails rendered by the CLI or a background job
            return {"lang": lang, "dir": text_direction(), "language_switch": [], "staff_language_switch": []}
        if request.endpoint and request.method == "GET":
            endpoint = request.endpoint
            # The path's own values win: a query parameter named like one (?report_id=) must not rebuild the link.
            values = {**{k: v for k, v in request.args.items() if k != "lang"}, **(request.view_args or {})}
        else:  # error pages and POST results switch language on the front page
            endpoint, values = "reports.new_report", {}
        switch = [{"code": code, "name": LANGUAGE_NAMES[code], "url": url_for(endpoint, **values, lang=code)}
                  for code in app.config["LANGUAGES"] if code != lang]
        # Staff pages are in Swedish and English only (the Arabic catalog covers the resident side).
        staff_switch = [item for item in switch if item["code"] in STAFF_LANGUAGES]
        return {"lang": lang, "dir": text_direction(), "language_switch": switch, "staff_language_switch": staff_switch}

    app.jinja_env.globals["field_attributes"] = field_attributes

    @app.context_processor
    def municipality_context():
        return {"municipality": current_municipality()}

    @app.context_processor
    def staff_context():
        if not has_request_context() or g.get("render_without_database"):  # errors.NO_DATABASE: an outage page
            return {"staff_nav": []}
        if not current_user.is_authenticated:
            return {"staff_nav": []}
        nav = [{"url": url_for(endpoint), "label": label, "current": request.endpoint == endpoint}
               for endpoint, label, permission in STAFF_MENU if current_user.can(permission)]
        return {"staff_nav": nav, "staff_user": current_user.name}


def field_attributes(field, autocomplete=None, inputmode=None) -> dict:
    """The accessibility attributes of a form input: invalid state and the hint and error it is described by."""
    described = [f"{field.id}-hint"] if field.description else []
    if field.errors:
        described.append(f"{field.id}-error")
    attributes = {"aria-invalid": "true" if field.errors else "false"}
    if described:
        attributes["aria-describedby"] = " ".join(described)
    if autocomplete:
        attributes["autocomplete"] = autocomplete
    if inputmode:
        attributes["inputmode"] = inputmode
    return attributes
