"""Helpers for real-browser tests: a live server in a thread and Debian's headless Chromium."""
from __future__ import annotations

import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("chromium is not installed: `make test` installs it as root, or run `sudo apt-get install chromium`")
    return path


@contextmanager
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def staff_login(page, user, password: str | None = None) -> None:
    """Log in through the real staff form, as a person would (Swedish labels)."""
    from tests.factories import PASSWORD

    page.goto("/staff/login")
    page.get_by_label("E-post").fill(user.email)
    page.get_by_label("Lösenord").fill(password or PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda url: "/staff/login" not in url)


@contextmanager
def browser_page(base_url: str, name: str, locale: str = "sv-SE", **context_options):
    """A page in a fresh headless Chromium; requests leaving the machine (map tiles) are refused,
    and a screenshot is saved to test-artifacts/ when the test fails."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(locale=locale, base_url=base_url, **{**PHONE, **context_options})
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base_url)
                      else route.abort())
        # A trace with a screenshot of every step; kept only when the test fails (open it with
        # `.venv/bin/playwright show-trace test-artifacts/<name>-trace.zip`).
        context.tracing.start(screenshots=True, snapshots=True)
        page = context.new_page()
        page.set_default_timeout(15000)
        violations = []
        page.on("console", lambda message: violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        try:
            yield page
            # Every page must work under the strict Content-Security-Policy.
            assert violations == [], violations
            context.tracing.stop()
        except BaseException:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            context.tracing.stop(path=str(ARTIFACTS / f"{name}-trace.zip"))
            raise
        finally:
            browser.close()


@contextmanager
def fake_geocoder(places: list[dict], street: str | None = None):
    """A tiny Nominatim-compatible geocoder on a local port (a real HTTP server, not a mock): /search answers
    `places` whose name contains the query, /reverse answers `street`. Yields (url, the queries it was asked)."""
    import json
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlparse

    asked: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            asked.append((url.path, query))
            if url.path == "/search":
                wanted = query.get("q", "").casefold()
                body = [{"name": p["name"], "display_name": f"{p['name']}, {p.get('area', 'Landskrona')}, Sverige",
                         "lat": str(p["lat"]), "lon": str(p["lon"]), "type": p.get("type", "residential")}
                        for p in places if wanted in p["name"].casefold()]
            elif url.path == "/reverse":
                body = {"address": {"road": street}} if street else {"error": "Unable to geocode"}
            else:
                self.send_error(404)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
