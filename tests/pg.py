"""A throwaway PostgreSQL 15 server for the tests, started with initdb/pg_ctl on a free port.

PostgreSQL refuses to run as root, so as root (CI) the server runs as the `postgres` user.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayPostgres:
    def __init__(self, keep_in: str | None = None):
        """With `keep_in` (a folder), the server's data is kept there and used again by the next start (the
        benchmarks keep their generated reports); otherwise it lives in a temporary folder removed at stop."""
        self.initdb = find_bin("initdb")
        self.pg_ctl = find_bin("pg_ctl")
        self.port = free_port()
        self.keep = keep_in is not None
        self.base = Path(keep_in) if keep_in else Path(tempfile.mkdtemp(prefix="tk-pg-"))
        self.data = self.base / "data"
        self.sockets = self.base / "sock"
        self.as_root = os.geteuid() == 0

    @property
    def available(self) -> bool:
        return bool(self.initdb and self.pg_ctl)

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        kept = self.keep and (self.data / "PG_VERSION").exists()
        self.sockets.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.sockets, "postgres")
        if not kept:
            self._run(self.initdb, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "-D", str(self.data))
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off " \
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.base / "log"), "-w", "start")

    def stop(self) -> None:
        try:
            self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast" if self.keep else "immediate", "-w", "stop")
        except (subprocess.SubprocessError, OSError):
            pass
        if not self.keep:
            shutil.rmtree(self.base, ignore_errors=True)

    def pause(self) -> None:
        """Stop the server as an outage would, keeping its data for `resume` (the outage tests)."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def resume(self) -> None:
        """Start a paused server again on the same port with the same data."""
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off " \
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.base / "log"), "-w", "start")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(sql)
