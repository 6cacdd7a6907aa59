"""What an operator watches: one log line per request with a request id, redacted logs, and Prometheus metrics
(webapp/monitoring/logs.py, metrics.py)."""
from __future__ import annotations

import logging
import time

from flask import request

from webapp.monitoring import logs, metrics
from webapp.urls import ConfigurationError

request_log = logging.getLogger("webapp.request")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestLog:
    """WSGI layer around the application (and the map's kept answers): gives each request its id (sent back as
    X-Request-ID), then logs one line and counts it when the answer has been sent. The route's rule is logged,
    never the path, so no tracking token or reference ends up in a log."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request_id = environ[logs.REQUEST_ID] = logs.request_id_of(environ)
        context = logs.request_id_var.set(request_id)
        answer = {"status": 500}

        def start(status, headers, exc_info=None):
            answer["status"] = int(status.split(" ", 1)[0])
            headers = [(name, value) for name, value in headers if name.lower() != "x-request-id"]
            headers.append(("X-Request-ID", request_id))
            return start_response(status, headers, exc_info)

        def done():
            seconds = time.perf_counter() - started
            method = environ.get("REQUEST_METHOD", "")
            method = method if method in METHODS else "OTHER"  # a client's made-up methods add no new series
            rule = environ.get(logs.RULE) or logs.UNMATCHED
            metrics.observe(method, rule, answer["status"], seconds)
            request_log.info("%s %s %s %.1f ms", method, rule, answer["status"], seconds * 1000,
                             extra={"method": method, "rule": rule, "status": answer["status"],
                                    "duration_ms": round(seconds * 1000, 1)})
            try:
                logs.request_id_var.reset(context)
            except ValueError:  # closed in another context than the one that started the answer
                logs.request_id_var.set(None)

        try:
            body = self.wsgi_app(environ, start)
        except BaseException:
            done()
            raise
        return Answered(body, done)


class Answered:
    """The answer's body, calling `finish` once: when its last part has been taken or when the server closes it,
    whichever comes first."""

    def __init__(self, body, finish):
        self.body = body
        self.parts = iter(body)
        self.finish = finish
        self.finished = False

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self.parts)
        except BaseException:  # StopIteration at the end, or the body failed half-way
            self._finish()
            raise

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self._finish()

    def _finish(self):
        if not self.finished:
            self.finished = True
            self.finish()


def _remember_rule(exc) -> None:
    request.environ[logs.RULE] = request.url_rule.rule if request.url_rule else logs.UNMATCHED


def install(app) -> None:
    """Logging (LOG_FORMAT), the request log and request ids, and /metrics."""
    try:
        logs.configure(app)
        metrics.allowed_networks(tuple(app.config["METRICS_ALLOW"]))
    except ValueError as wrong:
        raise ConfigurationError(str(wrong)) from None
    app.teardown_request(_remember_rule)
    app.add_url_rule("/metrics", "metrics", metrics.metrics_view, methods=["GET"])
    app.wsgi_app = RequestLog(app.wsgi_app)
