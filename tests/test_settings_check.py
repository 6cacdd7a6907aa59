"""Production unless development is asked for: create_app in a fresh process with a clean environment (as a
kommun's server starts it) refuses unsafe settings by name and warns in the log about one-machine settings."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.server import GUNICORN, ROOT, free_port
from webapp import settings_check

LONG_KEY = "0123456789abcdef" * 4
START = "from webapp import create_app; create_app()"


def start(tmp_path, **settings) -> subprocess.CompletedProcess:
    """`python -c 'create_app()'` with only these settings in its environment (like `env -i`)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
           "INSTANCE_PATH": str(tmp_path / "instance"), "PUBLIC_BASE_URL": "https://trygghetskartan.example.se",
           **settings}
    return subprocess.run([sys.executable, "-c", START], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)


def log_lines(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


@pytest.mark.slow
@pytest.mark.parametrize("settings, named", [
    ({}, "SECRET_KEY is not set"),
    ({"SECRET_KEY": "x"}, "SECRET_KEY is too short (1 bytes)"),
    ({"SECRET_KEY": "k" * 31}, "SECRET_KEY is too short (31 bytes)"),
    ({"SECRET_KEY": LONG_KEY, "FLASK_DEBUG": "1"}, "Debug mode is on (FLASK_DEBUG=1"),
    ({"SECRET_KEY": LONG_KEY, "APP_ENV": "staging"}, "APP_ENV must be 'production'"),
])
def test_production_refuses_unsafe_settings_by_name(tmp_path, settings, named):
    result = start(tmp_path, **settings)
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr and named in result.stderr
    assert "Traceback" not in result.stderr  # a sentence for the operator, not a stack
    assert not (tmp_path / "instance" / "secret_key").exists()  # no per-machine key made in production


@pytest.mark.slow
def test_an_operator_command_says_in_a_sentence_that_the_database_cannot_be_reached(tmp_path):
    """22/23 remainder: `flask mail status` (any command) during a database outage printed a traceback."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "FLASK_APP": "webapp",
           "APP_ENV": "development", "INSTANCE_PATH": str(tmp_path / "instance"),
           "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
           "DATABASE_URL": f"postgresql+psycopg://nobody:x@127.0.0.1:{free_port()}/nothing"}
    for command in (["mail", "status"], ["jobs", "list"]):
        result = subprocess.run([sys.executable, "-m", "flask", *command], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 1, result.stderr
        assert "The database cannot be reached, so nothing was read or changed" in result.stderr
        assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_gunicorn_refuses_debug_mode_in_production(tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
           "INSTANCE_PATH": str(tmp_path / "instance"), "PUBLIC_BASE_URL": "https://trygghetskartan.example.se",
           "SECRET_KEY": LONG_KEY, "FLASK_DEBUG": "1"}
    result = subprocess.run([str(GUNICORN), "--bind", f"127.0.0.1:{free_port()}", "--workers", "1",
                             "webapp:create_app()"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "Debug mode is on (FLASK_DEBUG=1" in result.stderr


@pytest.mark.slow
def test_production_starts_with_warnings_for_one_machine_settings(tmp_path):
    result = start(tmp_path, SECRET_KEY=LONG_KEY)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in log_lines(result.stderr) if line["level"] == "WARNING"]
    said = " ".join(line["message"] for line in warnings)
    for setting in ("RATELIMIT_STORAGE_URI=memory://", "DATABASE_URL is SQLite", "MEDIA_DIR=",
                    "JOBS_IN_WEB_PROCESS is on", "MAIL_SERVER is not set"):
        assert setting in said
    assert all(line["logger"] == "webapp" for line in warnings)  # JSON lines: LOG_FORMAT's production default


@pytest.mark.slow
def test_a_production_set_up_for_several_servers_is_warned_only_about_the_photo_disk(tmp_path):
    result = start(tmp_path, SECRET_KEY=LONG_KEY, DATABASE_URL="postgresql://tk:secret@127.0.0.1:1/tk",
                   RATELIMIT_ENABLED="0", JOBS_IN_WEB_PROCESS="0", MAIL_SERVER="smtp.example.se")
    assert result.returncode == 0, result.stderr
    warnings = [line["message"] for line in log_lines(result.stderr) if line["level"] == "WARNING"]
    assert len(warnings) == 1 and "MEDIA_DIR=" in warnings[0]  # a shared volume is fine: it cannot tell


def test_an_object_store_for_photos_is_not_warned_about():
    production = {"APP_ENV": "production", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/tk",
                  "RATELIMIT_STORAGE_URI": "redis://redis:6379/0", "MAIL_SERVER": "smtp.example.se",
                  "JOBS_IN_WEB_PROCESS": False, "MEDIA_DIR": "/srv/media"}
    assert [w for w in settings_check.warnings(production) if "MEDIA_DIR" in w]
    assert settings_check.warnings({**production, "PHOTO_STORE": "s3"}) == []


@pytest.mark.slow
def test_development_is_asked_for_and_then_needs_no_secret(tmp_path):
    result = start(tmp_path, APP_ENV="development", FLASK_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "Production setting" not in result.stderr and "Refusing" not in result.stderr
    key = tmp_path / "instance" / "secret_key"
    assert len(key.read_text()) == 64  # kept for the next start
    # An installation that ran in production on such a key (before production was the default) is told where it is.
    refused = start(tmp_path)
    assert refused.returncode != 0 and f"ran on the key generated in {key}" in refused.stderr
