"""Error pages in the user's language; JSON for the API. Never a traceback."""
from __future__ import annotations

import logging
import time
from typing import Callable

from flask import Response, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from webapp.extensions import db, limiter
from webapp.photostore import PhotoStoreUnavailable
from webapp.refusal import InputRefused  # noqa: F401 - defined at the bottom of the layers, imported from here


def _wants_json() -> bool:
    return request.path.startswith("/api/")


# --- 503 in the interface's own format (service_unavailable) -------------------------------------------------
# One way to say "a part of the service is down, come back later": the database (below), the photo store (its
# own caller). Each interface answers in its format: Open311 registers its error format for its URL prefix;
# /api/… and the staff pages' JSON routes get {"error": …}; everything else the site's error page, rendered
# without the database (no signed-in user looked up, no site message read).

log = logging.getLogger(__name__)
UNAVAILABLE_RETRY_AFTER = 30  # seconds; a restarting PostgreSQL or a remounted disk takes about this long
# g flag read by the context processors that would otherwise query the database while the error page renders.
NO_DATABASE = "render_without_database"
_formats: list[tuple[str, Callable[[str, int], Response]]] = []


def register_error_format(prefix: str, render: Callable[[str, int], Response]) -> None:
    """An interface with its own error format (Open311's) renders unavailability itself: `render(message,
    status)` for requests whose path starts with `prefix`."""
    _formats.append((prefix, render))


def _json_route() -> bool:
    path = request.path
    if path.startswith("/api/") or path.endswith((".json", ".geojson")) or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes["application/json"] > \
        request.accept_mimetypes["text/html"]


def service_unavailable(message: str | None = None, retry_after: int = UNAVAILABLE_RETRY_AFTER) -> Response:
    """503 with Retry-After, in the format of the interface that was asked (Open311 JSON/XML, JSON, the HTML
    error page in the resident's language). Needs no database: callable while it is down."""
    setattr(g, NO_DATABASE, True)
    if "_login_user" not in g and hasattr(current_app, "login_manager"):
        # Flask-Login's template context would look the signed-in user up in the database: render as nobody.
        g._login_user = current_app.login_manager.anonymous_user()
    message = message or _("The service is temporarily unavailable. Nothing you sent was saved; please try "
                           "again in a few minutes.")
    for prefix, render in _formats:
        if request.path.startswith(prefix):
            response = render(message, 503)
            break
    else:
        if _json_route():
            response = jsonify({"error": message})
        else:
            response = current_app.make_response(render_template("errors/error.html", code=503, message=message))
    response.status_code = 503
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def database_unreachable(exc: BaseException) -> bool:
    """The database cannot be had at all (down, restarting, refusing connections, the pool exhausted), as
    opposed to a wrong query: the same request will work once it is back."""
    if isinstance(exc, (InterfaceError, DisconnectionError, PoolTimeoutError)):
        return True
    return isinstance(exc, OperationalError) and not _is_busy(exc)


def _register_unavailable(app) -> None:
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DisconnectionError)
    @app.errorhandler(PoolTimeoutError)
    def database_down(exc):
        _forget_session()
        log.warning("Database unreachable on %s: %s", _route(), type(getattr(exc, "orig", None) or exc).__name__)
        if isinstance(exc, PoolTimeoutError):  # every connection in use: a rush, not an outage
            return service_unavailable(_("The service is very busy right now. Nothing you sent was saved; please "
                                         "try again in a moment."), retry_after=5)
        return service_unavailable()


def _forget_session() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the session is thrown away at teardown
        pass


def unavailable_answer(exc: Exception) -> Response:
    """The 503 for a request whose commit the database refused (webapp.unitofwork): busy (a lock, SQLite's
    write lock) asks to come back in a moment, anything else that the service is down. Nothing was saved."""
    if isinstance(exc, OperationalError) and _is_busy(exc):
        log.warning("Database busy at the commit on %s: %s", _route(), exc.orig)
        return service_unavailable(_("The service is very busy right now. Nothing you sent was saved; please "
                                     "try again in a moment."), retry_after=5)
    log.warning("Commit refused on %s: %s", _route(), type(getattr(exc, "orig", None) or exc).__name__)
    return service_unavailable()
# --- end of service_unavailable ----------------------------------------------------------------------------


def _seconds_until_the_limit_resets() -> int:
    """When the limit that was hit lets the client in again (60 s when it cannot be told)."""
    limit = getattr(limiter, "current_limit", None)
    return max(1, int(limit.reset_at - time.time())) if limit else 60


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
            response = jsonify({"error": message})
        else:
            response = current_app.make_response(render_template("errors/error.html", code=code, message=message))
        response.status_code = code
        if code == 429:
            response.headers["Retry-After"] = str(_seconds_until_the_limit_resets())
        return response

    @app.errorhandler(OperationalError)
    def busy(exc: OperationalError):
        """The database could not be had in time (SQLite's write lock under a rush of reports, a PostgreSQL
        lock timeout): nothing was stored, so say so and ask to come back, with 503 and Retry-After."""
        _forget_session()
        if not _is_busy(exc):
            app.logger.warning("Database unreachable on %s: %s", _route(), type(exc.orig).__name__)
            return service_unavailable()
        app.logger.warning("Database busy on %s: %s", _route(), exc.orig)
        message = _("The service is very busy right now. Nothing you sent was saved; please try again in a "
                    "moment.")
        return service_unavailable(message, retry_after=5)

    _register_unavailable(app)

    register_photo_store(app)

    @app.errorhandler(Exception)
    def unexpected(exc):
        if database_unreachable(exc):  # e.g. wrapped by a library that re-raises it
            _forget_session()
            return service_unavailable()
        app.logger.exception("Unhandled error on %s", _route())
        if _wants_json():
            return jsonify({"error": messages()[500]}), 500
        return render_template("errors/error.html", code=500, message=messages()[500]), 500


# --- The photo store cannot be written (a read-only or full disk, an unreachable bucket): 503 in each interface's
# own format, with Retry-After. The store left nothing half-written and the caller stored no row.
PHOTO_STORE_RETRY_AFTER = 60


def register_photo_store(app) -> None:
    @app.errorhandler(PhotoStoreUnavailable)
    def photo_store_unavailable(exc: PhotoStoreUnavailable):
        db.session.rollback()
        app.logger.error("Photo store unavailable on %s: %s", _route(), exc)
        message = _("Photos cannot be saved right now because of a fault on our side. Nothing you sent was "
                    "saved; please try again in a few minutes.")
        return service_unavailable(message, retry_after=PHOTO_STORE_RETRY_AFTER)


def _route() -> str:
    """The route's rule for a log line, never the path (which may hold a tracking token)."""
    return request.url_rule.rule if request.url_rule else "<unmatched>"


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "lock timeout" in text or "could not obtain lock" in text \
        or getattr(exc.orig, "sqlstate", None) in ("55P03", "40001", "40P01")
