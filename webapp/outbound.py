"""The one way the app asks another server for something (the geocoder, the heat map's tiles, any later
integration), so that no answer can hold a worker or fill its memory (issue 23.5):

- a **total deadline** for the whole exchange (connect, headers and body), not per read: a server that sends
  one byte a second is cut off when the deadline passes, by shutting the socket down from a timer;
- a **size cap**: the body is read in pieces and the request given up as soon as it exceeds the cap (a declared
  Content-Length over the cap is refused before any of the body is read);
- **no redirects**: a 3xx is an error, never followed, so an answer cannot send us to an address of its choice
  (http://127.0.0.1:…/internal) and have its content shown;
- only http and https.

Callers validate the answer's shape themselves (`json_answer(…, expect=list)` checks the outer type); anything
else is an OutboundError, which a caller treats as "no answer". A code test (tests/test_outbound.py) fails if
any module but this one imports an HTTP client.
"""
from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

CHUNK = 16 * 1024


class OutboundError(Exception):
    """The other server did not give a usable answer in time and size; `reason` says why (for the log)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError(f"not an http(s) address: {parts.scheme or '?'}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                           context=ssl.create_default_context()), path
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout), path


def get(url: str, *, params: dict | None = None, headers: dict | None = None, deadline_s: float = 3.0,
        max_bytes: int = 1_000_000) -> Answer:
    """GET `url` (with `params` added to its query) and return a 200 answer read whole, within `deadline_s`
    seconds in all and at most `max_bytes` of body; OutboundError otherwise (a redirect included)."""
    if params:
        url += ("&" if urlsplit(url).query else "?") + urlencode(params)
    answer = _exchange("GET", url, None, headers or {}, deadline_s, max_bytes)
    if answer.status != 200:
        raise OutboundError(f"status {answer.status}")
    return answer


def post_form(url: str, fields: list[tuple[str, str]], *, headers: dict | None = None, deadline_s: float = 10.0,
              max_bytes: int = 1_000_000) -> Answer:
    """POST `fields` form-encoded to `url` and return the answer read whole, whatever its status (the caller
    tells a refusal from a success and reads the other side's reasons), within the same deadline and cap as
    `get`; OutboundError when there is no whole answer (a redirect included: it is never followed)."""
    body = urlencode(fields).encode("utf-8")
    return _exchange("POST", url, body, {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
                     deadline_s, max_bytes)


def _exchange(method: str, url: str, body: bytes | None, headers: dict, deadline_s: float, max_bytes: int) -> Answer:
    started = time.monotonic()
    connection, path = _connection(url, timeout=deadline_s)
    expired = threading.Event()

    def cut_off():
        expired.set()
        sock = connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked read at once, wherever it is
            except OSError:
                pass

    timer = threading.Timer(deadline_s, cut_off)
    timer.daemon = True
    timer.start()
    try:
        connection.request(method, path, body=body, headers={"Connection": "close", **headers})
        response = connection.getresponse()
        if 300 <= response.status < 400:
            raise OutboundError(f"redirect {response.status} not followed")
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise OutboundError(f"answer of {declared} bytes is over the cap of {max_bytes}")
        received = bytearray()
        while True:
            piece = response.read1(CHUNK) if hasattr(response, "read1") else response.read(CHUNK)
            if not piece:
                break
            received += piece
            if len(received) > max_bytes:
                raise OutboundError(f"answer over the cap of {max_bytes} bytes")
            if time.monotonic() - started > deadline_s:
                raise OutboundError(f"no whole answer within {deadline_s} s")
        if expired.is_set():
            raise OutboundError(f"no whole answer within {deadline_s} s")
        return Answer(response.status, response.getheader("Content-Type") or "", bytes(received))
    except OutboundError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if expired.is_set():
            raise OutboundError(f"no whole answer within {deadline_s} s") from None
        raise OutboundError(f"{type(exc).__name__}: {exc}") from None
    finally:
        timer.cancel()
        connection.close()


def json_answer(url: str, *, expect: type, **options) -> object:
    """The JSON an address answers, which must be a value of type `expect` (list or dict) at the top;
    OutboundError otherwise. The caller checks what is inside."""
    answer = get(url, headers={"Accept": "application/json", **options.pop("headers", {})}, **options)
    try:
        data = json.loads(answer.body)
    except ValueError:
        raise OutboundError("the answer is not JSON") from None
    except RecursionError:  # "[[[[…]]]]" nested deeper than the parser goes: no honest answer looks so
        raise OutboundError("the answer is nested too deeply") from None
    if not isinstance(data, expect):
        raise OutboundError(f"expected a JSON {expect.__name__}, got {type(data).__name__}")
    return data
