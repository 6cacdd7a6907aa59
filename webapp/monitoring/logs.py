"""Log lines: JSON (production) or text (development) on stderr, each with the request id of the request it
belongs to, and never an e-mail address or a token.

Redaction happens when a record is made (a log record factory, so it reaches every handler: ours, gunicorn's,
a test's), on the message, its arguments, the traceback and the stack: an SMTP refusal names the recipient, a
database error repeats the statement's parameters, a URL may hold a tracking token."""
from __future__ import annotations

import logging
import re
import sys
import uuid
from contextvars import ContextVar

from flask import has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID = "trygghetskartan.request_id"  # WSGI environ keys
RULE = "trygghetskartan.rule"
UNMATCHED = "<unmatched>"

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+(?:@|%40)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Tokens, keys and secrets are long runs of URL-safe characters: 32 or more of them, or 20 or more with a digit
# (a tracking token is 32, a supporter's 22, a photo's name 32 hex). Words and names of code have no digits.
TOKEN = re.compile(r"(?<![A-Za-z0-9_\-])(?:[A-Za-z0-9_\-]{32,}|(?=[A-Za-z_\-]*[0-9])[A-Za-z0-9_\-]{20,})"
                   r"(?![A-Za-z0-9_\-])")
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,99}")
# The id of the request this thread is answering (set by the request log around the whole answer).
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def redact(text: str) -> str:
    """`text` without e-mail addresses and token-like strings."""
    return TOKEN.sub("[token]", EMAIL.sub("[email]", text))


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Replace the record's message, traceback and stack by redacted text (in place)."""
    try:
        message = record.getMessage()
    except Exception:  # a wrong format string: keep what there is, as logging itself would report it
        message = f"{record.msg} {record.args!r}"
    record.msg, record.args = redact(message), None
    if record.exc_info:
        if not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None  # formatters would format the exception again, unredacted
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class Redact(logging.Filter):
    """The filter form of the redaction, for handlers of records made before the factory was installed."""

    def filter(self, record):
        redact_record(record)
        return True


def request_id_of(environ) -> str:
    """The proxy's X-Request-ID when it is a sane one (letters, digits and ._:-, at most 100), else a new one."""
    given = environ.get("HTTP_X_REQUEST_ID", "")
    return given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def current_request_id() -> str | None:
    known = request_id_var.get()
    if known:
        return known
    if has_request_context():
        return request.environ.get(REQUEST_ID)
    return None


def _install_record_factory() -> None:
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts", False):
        return

    def make_record(*args, **kwargs):
        record = redact_record(previous(*args, **kwargs))
        record.request_id = current_request_id()
        return record

    make_record.redacts = True
    logging.setLogRecordFactory(make_record)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is now (a test runner swaps it per test; gunicorn's workers keep it)."""

    def __init__(self):
        logging.Handler.__init__(self)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


class JsonLines(JsonFormatter):
    def __init__(self):
        super().__init__("%(levelname)s %(name)s %(message)s", rename_fields={"levelname": "level",
                                                                               "name": "logger"},
                         timestamp="time", json_ensure_ascii=False)

    def process_log_record(self, log_data):
        return {key: value for key, value in log_data.items() if value is not None}


class TextLines(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record):
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} [request {request_id}]" if request_id else line


def configure(app) -> None:
    """One handler on the root logger (replacing the one a previous app of this process installed), with the
    format of LOG_FORMAT: json unless development asks for text."""
    from flask.logging import default_handler

    _install_record_factory()
    development = app.config.get("APP_ENV") == "development" or app.testing
    log_format = app.config.get("LOG_FORMAT") or ("text" if development else "json")
    if log_format not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be json or text, not {log_format!r}")
    app.config["LOG_FORMAT"] = log_format
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "trygghetskartan", False)]:
        root.removeHandler(handler)
    handler = StderrHandler()
    handler.trygghetskartan = True
    handler.addFilter(Redact())
    handler.setFormatter(JsonLines() if log_format == "json" else TextLines())
    root.addHandler(handler)
    app.logger.removeHandler(default_handler)  # ours, on the root logger, says it once
    package = logging.getLogger("webapp")
    if package.level == logging.NOTSET or package.level > logging.INFO:
        package.setLevel(logging.INFO)
