"""Answers of the public map API kept for a few seconds, served before the rest of the application runs.

Every phone looking at the same part of town asks the map API the same question (the public map widens its box to
a grid), so each worker keeps an answer for MAP_CACHE_SECONDS and hands it out again at the cost of a dictionary
look-up: no request context, session, locale selection or header hooks run for a kept answer. Answers are kept
per box, language and whether an Origin was sent, gzip-compressed (every browser accepts that), with an ETag so
that a phone asking again gets "304 Not Modified". A new report shows on the public map within
MAP_CACHE_SECONDS. Each worker keeps at most MAP_CACHE_BYTES of compressed answers (the oldest go first). Only
plain 200 answers without cookies are kept; anything else goes through untouched.

Kept answers are not counted against the public API's rate limit: handing one out costs less than the limiter's
own check. When the same box runs out in several threads at once, one thread asks the database and the others
wait for its answer instead of asking too.
"""
from __future__ import annotations

import gzip
import hashlib
import threading
import time
from functools import lru_cache
from urllib.parse import parse_qs

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_cookie

from webapp.i18n import LANG_COOKIE, choose_language
from webapp.monitoring.logs import RULE

PATH = "/api/v1/reports"


@lru_cache(maxsize=512)
def _browser_language(header: str, languages: tuple[str, ...]) -> str | None:
    return parse_accept_header(header, LanguageAccept).best_match(languages)


@lru_cache(maxsize=256)
def _accepts_gzip(header: str) -> bool:
    return "gzip" in header and parse_accept_header(header)["gzip"] > 0  # werkzeug weighs q= and "*"


class Answer:
    """One kept answer, kept compressed only (a tenth of the size); the rare client that does not accept gzip
    gets it decompressed."""
    __slots__ = ("expires", "status", "headers", "gzipped", "etag")

    def __init__(self, expires: float, status: str, headers: list[tuple[str, str]], body: bytes):
        self.expires = expires
        self.status = status
        self.gzipped = gzip.compress(body, compresslevel=6, mtime=0)
        self.etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        vary = [v.strip() for name, value in headers if name.lower() == "vary" for v in value.split(",")]
        vary += [v for v in ("Accept-Encoding", "Accept-Language", "Cookie") if v not in vary]
        self.headers = [(n, v) for n, v in headers if n.lower() not in ("content-length", "vary")]
        self.headers += [("Vary", ", ".join(vary)), ("ETag", self.etag)]


class MapAnswerCache:
    """WSGI middleware in front of the Flask application (installed by create_app)."""

    def __init__(self, wsgi_app, config, clock=time.monotonic):
        self.wsgi_app = wsgi_app
        self.config = config
        self.clock = clock  # seconds, only ever compared with itself (tests pass their own)
        self.answers: dict[tuple, Answer] = {}  # oldest first
        self.size = 0
        self.lock = threading.Lock()
        self.working: dict[tuple, threading.Lock] = {}

    def clear(self) -> None:
        with self.lock:
            self.answers.clear()
            self.size = 0

    def __call__(self, environ, start_response):
        seconds = self.config["MAP_CACHE_SECONDS"]
        if not seconds or environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "GET":
            return self.wsgi_app(environ, start_response)
        environ[RULE] = PATH  # the request log's route, also for a kept answer (no request context runs for it)
        # CORS answers "*" to every origin (webapp/__init__.py), so only whether an Origin was sent matters.
        key = (environ.get("QUERY_STRING", ""), self._language(environ), bool(environ.get("HTTP_ORIGIN")))
        now = self.clock()
        answer = self.answers.get(key)
        if answer is None or answer.expires <= now:
            with self.lock:
                working = self.working.setdefault(key, threading.Lock())
            try:
                with working:  # one thread per box asks the application; the others wait for its answer
                    answer = self.answers.get(key)
                    if answer is None or answer.expires <= now:
                        answer, passed = self._ask(environ, start_response, key, seconds)
                        if answer is None:
                            return passed
            finally:
                with self.lock:
                    self.working.pop(key, None)
        return self._hand_out(answer, environ, start_response)

    def _language(self, environ) -> str:
        languages = tuple(self.config["LANGUAGES"])
        query = environ.get("QUERY_STRING", "")
        asked = (parse_qs(query).get("lang") or [None])[0] if "lang=" in query else None
        cookies = environ.get("HTTP_COOKIE", "")
        remembered = parse_cookie(cookies).get(LANG_COOKIE) if LANG_COOKIE + "=" in cookies else None
        header = environ.get("HTTP_ACCEPT_LANGUAGE", "")
        return choose_language(asked, remembered, _browser_language(header, languages) if header else None,
                               languages, self.config["BABEL_DEFAULT_LOCALE"])

    def _ask(self, environ, start_response, key, seconds):
        """Run the application; keep its answer if it is a plain 200 without cookies."""
        seen: dict = {}

        def capture(status, headers, exc_info=None):
            seen.update(status=status, headers=headers)
            return lambda data: None

        # Asked uncompressed: the answer is kept gzipped here, so the app's own compression must not run first.
        result = self.wsgi_app({**environ, "HTTP_ACCEPT_ENCODING": "identity"}, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers = seen["status"], seen["headers"]
        if status.startswith("200") and not any(name.lower() == "set-cookie" for name, _ in headers):
            answer = Answer(self.clock() + seconds, status, headers, body)
            budget = self.config["MAP_CACHE_BYTES"]
            with self.lock:
                old = self.answers.pop(key, None)
                self.size += len(answer.gzipped) - (len(old.gzipped) if old else 0)
                self.answers[key] = answer
                while self.size > budget and len(self.answers) > 1:  # the oldest answers go first
                    self.size -= len(self.answers.pop(next(iter(self.answers))).gzipped)
            return answer, None
        start_response(status, headers)
        return None, [body]

    @staticmethod
    def _hand_out(answer: Answer, environ, start_response):
        if environ.get("HTTP_IF_NONE_MATCH") == answer.etag:
            start_response("304 Not Modified", [(n, v) for n, v in answer.headers
                                                if n.lower() in ("etag", "vary", "cache-control")])
            return [b""]
        if _accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
            body = answer.gzipped
            headers = answer.headers + [("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))]
        else:
            body = gzip.decompress(answer.gzipped)
            headers = answer.headers + [("Content-Length", str(len(body)))]
        start_response(answer.status, headers)
        return [body]
