"""The shipped nginx site (deploy/nginx/trygghetskartan.conf) rendered for a throwaway nginx: the test's ports,
the checkout's static/ folder and a self-signed certificate, with its own prefix, pid and logs in a temporary
folder, in front of app servers on loopback."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.pg import free_port

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "trygghetskartan.conf"
PRODUCTION_UPSTREAMS = "    server 127.0.0.1:8000;\n    server 127.0.0.1:8001;\n"


def available() -> bool:
    return bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) and bool(shutil.which("openssl"))


def binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost (the tests' clients check it)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def render_site(upstreams: list[int], https_port: int, http_port: int, cert: Path, key: Path,
                static_dir: Path = ROOT / "static") -> str:
    """The shipped site with only what differs on this machine replaced; each replaced line must be found, so a
    change to the shipped file's shape fails here rather than testing something else."""
    text = SITE.read_text()
    replacements = {
        PRODUCTION_UPSTREAMS: "".join(f"    server 127.0.0.1:{port};\n" for port in upstreams),
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "listen [::]:443 ssl;": "",
        "/etc/ssl/certs/trygghetskartan.pem": str(cert),
        "/etc/ssl/private/trygghetskartan.key": str(key),
        "/srv/trygghetskartan/app/static/": f"{static_dir}/",
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, f"{SITE.name} no longer has {old!r} once"
        text = text.replace(old, new)
    return text


class ThrowawayNginx:
    """nginx in the foreground with its own prefix; `X-Upstream` on proxied answers names the app server. One
    worker process by default, so that requests go round robin in a known order."""

    def __init__(self, upstreams: list[int], workers: str = "1"):
        self.base = Path(tempfile.mkdtemp(prefix="tk-nginx-"))
        self.https_port, self.http_port = free_port(), free_port()
        self.cert, self.key = self_signed(self.base)
        (self.base / "site.conf").write_text(
            render_site(upstreams, self.https_port, self.http_port, self.cert, self.key))
        temp = "\n".join(f"    {kind}_temp_path {self.base / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                                  "uwsgi", "scgi"))
        # As root, the workers stay root (they read the checkout and write the temporary folder, both ours).
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.base / "nginx.conf").write_text(f"""{user}worker_processes {workers};
pid {self.base / 'nginx.pid'};
error_log {self.base / 'error.log'} warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
{temp}
    add_header X-Upstream $upstream_addr always;
    include {self.base / 'site.conf'};
}}
""")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def command(self, *args: str) -> list[str]:
        return [binary(), "-p", str(self.base), "-c", str(self.base / "nginx.conf"), "-e",
                str(self.base / "error.log"), *args]

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t` on the rendered configuration."""
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=60)

    def start(self) -> None:
        self.process = subprocess.Popen(self.command("-g", "daemon off;"), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                return
            except OSError:  # not listening yet
                time.sleep(0.05)
        log = (self.base / "error.log").read_text() if (self.base / "error.log").exists() else ""
        self.stop()
        raise RuntimeError(f"nginx did not start: {log[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.base, ignore_errors=True)
