"""A real server in a subprocess (gunicorn, as in production) on a free port, for the load and crash tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(config: dict) -> dict:
    """The subprocess's environment from a test app's config."""
    return {**os.environ, "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": config["SECRET_KEY"],
            "INSTANCE_PATH": config["INSTANCE_PATH"], "MEDIA_DIR": config["MEDIA_DIR"],
            "MAIL_OUTBOX_DIR": config["MAIL_OUTBOX_DIR"], "MAIL_SERVER": "", "RATELIMIT_ENABLED": "0",
            "PUBLIC_BASE_URL": config["PUBLIC_BASE_URL"], "APP_ENV": config.get("APP_ENV", "development"),
            "PYTHONPATH": str(ROOT)}


@contextmanager
def gunicorn(config: dict, workers: int = 2, threads: int = 4, healthy: bool = True):
    """Serve the app like production: gunicorn with `workers` processes of `threads` threads."""
    with serve(environment(config), workers, threads, healthy=healthy) as server:
        yield server


@contextmanager
def serve(env: dict, workers: int = 2, threads: int = 4, healthy: bool = True):
    """gunicorn with exactly this environment (the scale-out tests build a production one). Ready when /healthz
    says ok, or (healthy=False, a server started during an outage) when it answers at all. Its log goes to a
    temporary file (a pipe nobody reads would stop the server once full: a line per request), shown if it does
    not start and readable as `server.log()`."""
    port = free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
         "--timeout", "120", "--graceful-timeout", "5", "webapp:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    started = False
    while not started and process.poll() is None and time.time() < deadline:
        try:
            answer = requests.get(f"{url}/healthz", timeout=5)
            started = answer.ok or not healthy
        except requests.RequestException:  # not listening yet, or the workers still booting on a busy machine
            time.sleep(0.2)
    if not started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise RuntimeError(f"gunicorn did not start: {log_text(log)[-3000:]}")
    final = []  # the whole log once the server has stopped: still readable after the `with` block
    server = type("Server", (), {"url": url, "port": port, "process": process,
                                 "log": lambda: final[0] if final else log_text(log)})
    try:
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        final.append(log_text(log))
        log.close()


def log_text(log) -> str:
    """What the server has written to stderr so far."""
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")


def resident(url: str) -> tuple[requests.Session, str]:
    """A browser-like session with the report form's CSRF token."""
    import re

    session = requests.Session()
    html = session.get(f"{url}/", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return session, token
