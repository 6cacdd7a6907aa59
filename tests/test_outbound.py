"""Every outgoing request goes through one client (webapp/outbound.py) with a total deadline, a size cap and no
redirects, and its callers treat an answer of the wrong shape as no answer (issue 23.5). Tested against a real
HTTP server started here that misbehaves on purpose: wrong shapes, one byte at a time, an endless body, a
redirect to an internal address."""
import ast
import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.factories import make_report
from webapp import outbound
from webapp.geo import geocoder

INSIDE = {"name": "Internt-hemligt", "display_name": "Internt-hemligt, Landskrona", "lat": "55.8702",
          "lon": "12.8305", "type": "residential"}
SHAPES = {
    "object": {"a": 1},
    "strings": ["a", "b"],
    "numbers": 7,
    # A list with a few bad items and one good one: the good one is kept.
    "mixed": ["x", [1], {"lat": [1], "lon": {}}, {"lat": "nan", "lon": "12.8"},
              {"name": "Storgatan", "display_name": "Storgatan, Landskrona", "lat": "55.8702", "lon": "12.8305"}],
    # Photon's shape with bad features.
    "features": {"features": ["x", {"geometry": None}, {"geometry": {"coordinates": "ab"}, "properties": []}]},
}


@contextmanager
def misbehaving_server():
    """A threaded HTTP server on a free port; the first path segment chooses how it misbehaves. Yields its base
    URL and what it did (paths asked, bytes of body sent per behaviour)."""
    done = threading.Event()
    record = {"asked": [], "sent": {}}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, name, data: bytes, pause: float = 0.0):
            """Write `data` (in pieces, with a pause between when asked) until done or the client leaves."""
            record["sent"].setdefault(name, 0)
            step = 1 if pause else 64 * 1024
            for start in range(0, len(data), step):
                if done.is_set():
                    return
                try:
                    self.wfile.write(data[start:start + step])
                    self.wfile.flush()
                except OSError:
                    return
                record["sent"][name] += len(data[start:start + step])
                if pause:
                    done.wait(pause)

        def do_GET(self):  # noqa: N802 (the standard library's name)
            kind = self.path.strip("/").split("/")[0].split("?")[0]
            record["asked"].append(self.path)
            if kind in SHAPES:
                body = json.dumps(SHAPES[kind]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif kind == "nested":  # 200 KB of brackets: deeper than the JSON parser goes
                body = b"[" * 100_000 + b"]" * 100_000
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif kind == "drip":  # headers at once, then the body one byte every half second
                body = json.dumps([INSIDE] * 3).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self._send("drip", body, pause=0.5)
            elif kind == "driphead":  # even the status line and headers one byte at a time
                self.wfile.flush()
                self._send("driphead", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Slow: 1\r\n" * 50,
                           pause=0.5)
            elif kind == "huge":  # 400 MB, no length announced
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"[" + b" " * (64 * 1024 - 1)
                record["sent"]["huge"] = 0
                for _ in range(400 * 16):
                    if done.is_set():
                        break
                    try:
                        self.wfile.write(chunk)
                    except OSError:
                        break
                    record["sent"]["huge"] += len(chunk)
                self.close_connection = True
            elif kind == "announced":  # says up front that it is 400 MB
                self.send_response(200)
                self.send_header("Content-Length", str(400 * 1024 * 1024))
                self.end_headers()
                self._send("announced", b"[" * (1024 * 1024))
            elif kind == "redirect":
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/internal/search")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif kind == "internal":
                body = json.dumps([INSIDE]).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", record
    finally:
        done.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def server():
    with misbehaving_server() as running:
        yield running


def test_answers_of_the_wrong_shape_are_no_results_never_a_500(sqlite_app, server):
    url, _ = server
    client = sqlite_app.test_client()
    report, _ = make_report()
    for flavour in ("nominatim", "photon"):
        for kind in ("object", "strings", "numbers", "features", "nested"):
            sqlite_app.config.update(GEOCODER_URL=f"{url}/{kind}", GEOCODER_FLAVOUR=flavour)
            response = client.get("/platser?q=Häljarp")
            assert response.status_code == 200, (flavour, kind)
            assert [p["name"] for p in response.get_json()["places"]] == ["Häljarp"]  # the built-in place only
            assert client.get(f"/r/{report.reference}").status_code == 200
    # Good items among bad ones are kept.
    sqlite_app.config.update(GEOCODER_URL=f"{url}/mixed", GEOCODER_FLAVOUR="nominatim")
    assert [p["name"] for p in client.get("/platser?q=Storgatan").get_json()["places"]] == ["Storgatan"]


@pytest.mark.slow  # waits out two 2-second deadlines
def test_a_body_sent_one_byte_at_a_time_ends_at_the_total_deadline(server, sqlite_app):
    url, record = server
    with pytest.raises(outbound.OutboundError, match="within"):
        outbound.get(f"{url}/drip/search", deadline_s=2)
    body = len(json.dumps([INSIDE] * 3))
    # Cut off by the deadline, not by the end of the answer: only a few of its bytes had gone out.
    assert 0 < record["sent"]["drip"] < body // 4
    with pytest.raises(outbound.OutboundError):
        outbound.get(f"{url}/driphead/search", deadline_s=2)
    assert record["sent"]["driphead"] < 100
    # The geocoder: no street results, the built-in places, no error.
    found = geocoder.find_places("Drip", geocoder.GeocoderSettings(url=f"{url}/drip"), [])
    assert found.places == []


def test_an_endless_body_is_stopped_at_the_cap(server):
    url, record = server
    with pytest.raises(outbound.OutboundError, match="cap"):
        outbound.get(f"{url}/huge", deadline_s=30, max_bytes=1_000_000)
    with pytest.raises(outbound.OutboundError, match="cap"):
        outbound.get(f"{url}/announced", deadline_s=30, max_bytes=1_000_000)
    assert record["sent"].get("announced", 0) <= 1024 * 1024  # nothing read of what was announced
    # The server could write at most the cap plus what the sockets' buffers hold before it was stopped.
    assert record["sent"]["huge"] < 50 * 1024 * 1024


def test_a_redirect_to_an_internal_address_is_not_followed(sqlite_app, server):
    url, record = server
    with pytest.raises(outbound.OutboundError, match="redirect"):
        outbound.get(f"{url}/redirect/search")
    sqlite_app.config.update(GEOCODER_URL=f"{url}/redirect", GEOCODER_FLAVOUR="nominatim")
    response = sqlite_app.test_client().get("/platser?q=Internt")
    assert response.status_code == 200 and "Internt-hemligt" not in response.get_data(as_text=True)
    assert not any(path.startswith("/internal") for path in record["asked"])


def test_only_http_and_https_are_asked():
    for url in ("file:///etc/passwd", "ftp://example.org/x", "gopher://x", "http:///nohost"):
        with pytest.raises(outbound.OutboundError):
            outbound.get(url)


# The class: no module but webapp/outbound.py speaks HTTP itself.
CLIENT_MODULES = ("requests", "urllib.request", "urllib3", "http.client", "httpx", "aiohttp", "pycurl")


def http_client_uses(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names
                      if any(alias.name == m or alias.name.startswith(m + ".") for m in CLIENT_MODULES)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            module = node.module
            if any(module == m or module.startswith(m + ".") for m in CLIENT_MODULES):
                found.append(module)
            elif module in ("urllib", "http") and {a.name for a in node.names} & {"request", "client"}:
                found.append(f"{module}.{{request, client}}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "socket" \
                and node.attr in ("socket", "create_connection"):  # a raw connection (gethostname is fine)
            found.append(f"socket.{node.attr}")
    return found


def test_no_module_but_the_one_client_makes_outgoing_requests():
    root = Path(__file__).resolve().parents[1] / "webapp"
    offenders = {str(path.relative_to(root)): uses for path in sorted(root.rglob("*.py"))
                 if path.name != "outbound.py" and (uses := http_client_uses(path))}
    assert offenders == {}
    # The check sees what it looks for.
    assert http_client_uses(root / "outbound.py")
