"""Error pages in the user's language; JSON for the API. Never a traceback."""
from __future__ import annotations

from xml.etree import ElementTree as ET

from flask import Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from webapp.extensions import db
from webapp.photostore import PhotoStoreUnavailable
from webapp.responses import wants_json


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register(app) -> None:
    def messages():
        return {
            400: _("The request could not be understood. Please try again."),
            403: _("You do not have access to this page."),
            404: _("We could not find that page. The report may have been removed or the link is wrong."),
            405: _("That action is not possible here."),
            413: _("What you sent is too large. Photos can be at most 15 MB each, three at most."),
            429: _("Too many requests. Wait a moment and try again."),
            500: _("Something went wrong on our side. Nothing you sent was saved; please try again later."),
        }

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        message = _("The form had expired or was not sent from this site, so nothing was saved. "
                    "Please fill it in again.")
        if _wants_json():
            return jsonify({"error": message}), 400
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        message = messages().get(code, exc.description)
        if _wants_json():
            return jsonify({"error": message}), code
        return render_template("errors/error.html", code=code, message=message), code

    @app.errorhandler(OperationalError)
    def busy(exc: OperationalError):
        """The database could not be had in time (SQLite's write lock under a rush of reports, a PostgreSQL
        lock timeout): nothing was stored, so say so and ask to come back, with 503 and Retry-After."""
        db.session.rollback()
        if not _is_busy(exc):
            return unexpected(exc)
        app.logger.warning("Database busy on %s: %s", _route(), exc.orig)
        message = _("The service is very busy right now. Nothing you sent was saved; please try again in a "
                    "moment.")
        if _wants_json():
            response = jsonify({"error": message})
        else:
            response = app.make_response(render_template("errors/error.html", code=503, message=message))
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response

    register_photo_store(app)

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("Unhandled error on %s", _route())
        if _wants_json():
            return jsonify({"error": messages()[500]}), 500
        return render_template("errors/error.html", code=500, message=messages()[500]), 500


# --- The photo store cannot be written (a read-only or full disk, an unreachable bucket): 503 in each interface's
# own format, with Retry-After. The store left nothing half-written and the caller stored no row.
PHOTO_STORE_RETRY_AFTER = "60"


def unavailable_response(message: str, retry_after: str):
    """503 as the asking interface expects it: Open311's error list (JSON or XML), JSON for the JSON API and
    the pages' scripts, else the site's own page in the visitor's language."""
    if request.path.startswith("/open311/"):
        errors = [{"code": 503, "description": message}]
        if request.path.endswith(".xml"):
            root = ET.Element("errors")
            item = ET.SubElement(root, "error")
            ET.SubElement(item, "code").text = "503"
            ET.SubElement(item, "description").text = message
            response = Response(b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8"),
                                mimetype="text/xml")
        else:
            response = jsonify(errors)
    elif _wants_json() or wants_json():
        response = jsonify({"error": message})
    else:
        response = Response(render_template("errors/error.html", code=503, message=message), mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = retry_after
    return response


def register_photo_store(app) -> None:
    @app.errorhandler(PhotoStoreUnavailable)
    def photo_store_unavailable(exc: PhotoStoreUnavailable):
        db.session.rollback()
        app.logger.error("Photo store unavailable on %s: %s", _route(), exc)
        message = _("Photos cannot be saved right now because of a fault on our side. Nothing you sent was "
                    "saved; please try again in a few minutes.")
        return unavailable_response(message, PHOTO_STORE_RETRY_AFTER)


def _route() -> str:
    """The route's rule for a log line, never the path (which may hold a tracking token)."""
    return request.url_rule.rule if request.url_rule else "<unmatched>"


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "lock timeout" in text or "could not obtain lock" in text \
        or getattr(exc.orig, "sqlstate", None) in ("55P03", "40001", "40P01")


class ReportError(ValueError):
    """Input a service refuses; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message
