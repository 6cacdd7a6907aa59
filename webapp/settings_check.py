"""Production unless development is asked for: the settings a production start refuses or warns about.

Like Django's deployment checks, in the spirit of "safe by default": a server started without `APP_ENV` is a
production server. It refuses to start when a setting would make it unsafe (no or a short `SECRET_KEY`, debug
mode), naming the setting to fix, and it logs a warning for settings that only suit one machine (they work, but
not across several servers or workers). `make run` and the tests say `APP_ENV=development`; the test client's
`TESTING=True` counts as development too.
"""
from __future__ import annotations

import secrets
from pathlib import Path

from webapp.urls import ConfigurationError

ENVIRONMENTS = ("production", "development")
MIN_SECRET_BYTES = 32


def is_development(config) -> bool:
    return config.get("APP_ENV") == "development" or bool(config.get("TESTING"))


def refusals(config, debug: bool, instance_path: str | Path | None = None) -> list[str]:
    """What stops a production start, one sentence per setting (empty: nothing)."""
    problems = []
    environment = config.get("APP_ENV") or "production"
    if environment not in ENVIRONMENTS:
        problems.append(f"APP_ENV must be 'production' (the default) or 'development', not {environment!r}.")
    if is_development(config):
        return problems
    secret = config.get("SECRET_KEY") or ""
    if not secret:
        problems.append("SECRET_KEY is not set. Every server of the service needs the same long random key "
                        "(sessions, forms and residents' tracking links are signed with it), e.g. "
                        "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))').")
        kept = Path(instance_path) / "secret_key" if instance_path else None
        if kept and kept.exists():
            problems.append(f"This installation ran on the key generated in {kept}: to keep the links already "
                            "sent working (unsubscribe links, retried reports), set SECRET_KEY to its content "
                            "on every server.")
    elif len(secret.encode()) < MIN_SECRET_BYTES:
        problems.append(f"SECRET_KEY is too short ({len(secret.encode())} bytes): use at least "
                        f"{MIN_SECRET_BYTES} random bytes, e.g. the output of "
                        "python3 -c 'import secrets; print(secrets.token_hex(32))'.")
    if debug:
        problems.append("Debug mode is on (FLASK_DEBUG=1 or DEBUG): it shows code and settings to anyone who "
                        "causes an error. Unset FLASK_DEBUG in production; for a development server say "
                        "APP_ENV=development.")
    return problems


def warnings(config) -> list[str]:
    """Settings a production server accepts but that only suit one machine or one worker."""
    if is_development(config):
        return []
    found = []
    if config.get("RATELIMIT_ENABLED", True) and (config.get("RATELIMIT_STORAGE_URI") or "").startswith("memory://"):
        found.append("RATELIMIT_STORAGE_URI=memory:// counts per worker process: with several workers or servers "
                     "the login and report limits are multiplied. Use redis://… (docs/deploy.md).")
    if (config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("sqlite"):
        found.append("DATABASE_URL is SQLite, which only one machine can use. Use PostgreSQL in production "
                     "(DATABASE_URL=postgresql://…).")
    if (config.get("PHOTO_STORE") or "disk") == "disk":
        found.append(f"Photos are kept on this machine's disk (MEDIA_DIR={config.get('MEDIA_DIR')}): every server "
                     "must see the same folder (one shared volume) or use an object store.")
    if config.get("JOBS_IN_WEB_PROCESS"):
        found.append("JOBS_IN_WEB_PROCESS is on: background jobs also run in threads of the web workers. Say "
                     "JOBS_IN_WEB_PROCESS=0 and run `flask jobs work` beside the web server.")
    if not config.get("MAIL_SERVER"):
        found.append(f"MAIL_SERVER is not set: mails are written as files to MAIL_OUTBOX_DIR "
                     f"({config.get('MAIL_OUTBOX_DIR')}) on this machine and never sent.")
    return found


def development_secret(instance_path: str | Path) -> str:
    """A development secret key generated once and kept in instance/ (never in production: two servers would
    each make their own)."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def apply(app) -> None:
    """Refuse a production start with unsafe settings (a ConfigurationError naming every setting to fix),
    log a warning for each one-machine setting, and give a development server its instance secret."""
    config = app.config
    problems = refusals(config, app.debug, app.instance_path)
    if problems:
        raise ConfigurationError("Refusing to start in production (APP_ENV=production unless APP_ENV=development "
                          "is set):\n- " + "\n- ".join(problems))
    for warning in warnings(config):
        app.logger.warning("Production setting: %s", warning)
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = development_secret(app.instance_path)
