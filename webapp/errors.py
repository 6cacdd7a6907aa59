"""Error pages in the user's language; JSON for the API. Never a traceback."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


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

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("Unhandled error on %s", request.path)
        if _wants_json():
            return jsonify({"error": messages()[500]}), 500
        return render_template("errors/error.html", code=500, message=messages()[500]), 500
