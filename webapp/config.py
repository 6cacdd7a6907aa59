"""Settings from the environment, read once. Defaults work on a laptop."""
from __future__ import annotations

import os
from pathlib import Path


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from environment variables."""
    env = os.environ
    inst = Path(instance_path)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{inst / 'trygghetskartan.sqlite'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return {
        # production unless development is asked for (make run, the tests): production refuses a missing or
        # short SECRET_KEY and debug mode, and warns about one-machine settings (webapp/settings_check.py).
        "APP_ENV": env.get("APP_ENV") or "production",
        # The same long random key on every server; only a development server generates one in instance/.
        "SECRET_KEY": env.get("SECRET_KEY", ""),
        # Log lines as JSON (default in production) or text (default in development); webapp/monitoring.
        "LOG_FORMAT": env.get("LOG_FORMAT", ""),
        # /metrics (Prometheus) answers these addresses (comma-separated CIDRs) or a bearer METRICS_TOKEN.
        "METRICS_ALLOW": [a.strip() for a in (env.get("METRICS_ALLOW") or "127.0.0.1/32,::1/128").split(",")
                          if a.strip()],
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        # prometheus_client's folder shared by gunicorn's workers (it reads the variable itself).
        "PROMETHEUS_MULTIPROC_DIR": env.get("PROMETHEUS_MULTIPROC_DIR", ""),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Seconds to wait for PostgreSQL to accept a connection before the request answers 503.
        "DATABASE_CONNECT_TIMEOUT": int(env.get("DATABASE_CONNECT_TIMEOUT") or 5),
        "MEDIA_DIR": env.get("MEDIA_DIR") or str(inst / "media"),
        # Where photos are kept: "disk" (MEDIA_DIR, one server) or "s3" (an S3-compatible bucket: MinIO, Ceph,
        # AWS; needed by more than one app server). S3_ENDPOINT_URL empty means AWS itself.
        "PHOTO_STORE": (env.get("PHOTO_STORE") or "disk").strip().lower(),
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL", ""),
        "S3_BUCKET": env.get("S3_BUCKET", ""),
        "S3_PREFIX": env.get("S3_PREFIX", ""),
        "S3_REGION": env.get("S3_REGION", ""),
        "AWS_ACCESS_KEY_ID": env.get("AWS_ACCESS_KEY_ID", ""),
        "AWS_SECRET_ACCESS_KEY": env.get("AWS_SECRET_ACCESS_KEY", ""),
        "TILE_URL": env.get("TILE_URL") or "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "TILE_ATTRIBUTION": env.get("TILE_ATTRIBUTION")
        or '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        # Tiles for the heat-map picture's background (an XYZ URL with {z}/{x}/{y}; empty: the project's own
        # land, sea and localities). Fetched on the server, so use a tile server whose terms allow it.
        "HEATMAP_TILE_URL": env.get("HEATMAP_TILE_URL", ""),
        "HEATMAP_TILE_ATTRIBUTION": env.get("HEATMAP_TILE_ATTRIBUTION", ""),
        # A Nominatim- or Photon-compatible geocoder for the report form's place search and the street shown on
        # a report's page (asked by the server; empty: only the built-in localities and districts, no streets).
        "GEOCODER_URL": env.get("GEOCODER_URL", ""),
        "GEOCODER_FLAVOUR": env.get("GEOCODER_FLAVOUR") or "nominatim",
        # The public address: every link that leaves the site starts with it (required unless debugging).
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", ""),
        # Host names answered (comma-separated); by default the public host and the loopback names.
        "TRUSTED_HOSTS": [h.strip() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip()] or None,
        # How many reverse proxies stand in front (their X-Forwarded-For/-Proto are believed); 0: none.
        "PROXY_COUNT": int(env.get("PROXY_COUNT") or 0),
        # Staff sessions end after this long without a request, and after STAFF_SESSION_HOURS in any case.
        "STAFF_IDLE_MINUTES": int(env.get("STAFF_IDLE_MINUTES") or Defaults.STAFF_IDLE_MINUTES),
        "ASSET_NEAREST_M": int(env.get("ASSET_NEAREST_M") or Defaults.ASSET_NEAREST_M),
        "ASSET_NEW_LIGHT_DISTANCE_M": int(env.get("ASSET_NEW_LIGHT_DISTANCE_M") or Defaults.ASSET_NEW_LIGHT_DISTANCE_M),
        "FIELD_IDLE_MINUTES": int(env.get("FIELD_IDLE_MINUTES") or Defaults.FIELD_IDLE_MINUTES),
        "STAFF_SESSION_HOURS": int(env.get("STAFF_SESSION_HOURS") or Defaults.STAFF_SESSION_HOURS),
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        # Reporters' e-mail, name and phone are erased this many months after their report was closed.
        "RETENTION_MONTHS": int(env.get("RETENTION_MONTHS") or 12),
        # How long each worker keeps the public map's answers (seconds; 0 = always ask the database).
        "MAP_CACHE_SECONDS": int(env.get("MAP_CACHE_SECONDS") or Defaults.MAP_CACHE_SECONDS),
        "MAP_CACHE_BYTES": int(env.get("MAP_CACHE_BYTES") or Defaults.MAP_CACHE_BYTES),
        # A running background job whose worker has not beaten its heart for this long is taken up by another.
        "JOB_STALE_SECONDS": int(env.get("JOB_STALE_SECONDS") or 60),
        # The smallest group of people a figure split by gender or age may count (webapp/disclosure.py); at least 2.
        "DISCLOSURE_THRESHOLD": max(2, int(env.get("DISCLOSURE_THRESHOLD") or 5)),
        # While the database is down a job worker waits 1, 2, 4 … s between tries, at most this long.
        "JOBS_DB_RETRY_MAX_SECONDS": float(env.get("JOBS_DB_RETRY_MAX_SECONDS") or 30),
        # Run queued jobs in a thread of the web process as well (laptops, tests); in production say 0 and run
        # `flask jobs work` beside the web server (docs/deploy.md).
        "JOBS_IN_WEB_PROCESS": _bool(env.get("JOBS_IN_WEB_PROCESS"), True),
        # `flask jobs work` queues the periodic jobs (area alerts, the daily digest, the open-data refresh) in each
        # round; by default in production only (elsewhere `flask jobs schedule` does it when asked).
        "JOBS_SCHEDULE": _bool(env.get("JOBS_SCHEDULE"), (env.get("APP_ENV") or "production") == "production"),
        # Open311 hand-off targets on this machine or the local network (and over plain http): only for a
        # development or test set-up. In production a target is an https address on the internet, so that an
        # administrator's typo or a stolen admin session cannot make the server call its own neighbours (SSRF).
        "HANDOFF_ALLOW_LOCAL_ENDPOINTS": _bool(env.get("HANDOFF_ALLOW_LOCAL_ENDPOINTS"), False),
        # A new report goes out to area alerts (and their feeds) only this long after it came: staff may hide it.
        "AREA_ALERT_DELAY_MINUTES": int(env.get("AREA_ALERT_DELAY_MINUTES") or 30),
        # The open data's licence (a URI); empty: the municipality's choice (CC0 unless it says otherwise).
        "OPENDATA_LICENSE": env.get("OPENDATA_LICENSE", ""),
        # Where the open-data files are written; empty: instance/opendata.
        "OPENDATA_DIR": env.get("OPENDATA_DIR") or str(inst / "opendata"),
        # Views of the public map holding more reports than this show counts per area instead of every pin.
        "MAP_CLUSTER_ABOVE": int(env.get("MAP_CLUSTER_ABOVE") or 1000),
        "MAIL_PORT": int(env.get("MAIL_PORT") or 25),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        # Which kommun: a key of webapp/municipality.py's KNOWN or the path of a JSON/TOML settings file. It
        # fills MAIL_SENDER, ACCESSIBILITY_CONTACT, OPEN311_*, MAP_CENTER and MAP_ZOOM unless they are set here.
        "MUNICIPALITY": env.get("MUNICIPALITY", ""),  # empty: the default (webapp/municipality.py)
        "MAIL_SENDER": env.get("MAIL_SENDER", ""),
        "MAIL_OUTBOX_DIR": env.get("MAIL_OUTBOX_DIR") or str(inst / "outbox"),
        # A mail the server does not take is tried again with a growing delay and given up after this long.
        "MAIL_GIVE_UP_HOURS": int(env.get("MAIL_GIVE_UP_HOURS") or 48),
        "PUBLISH_PHOTOS_IMMEDIATELY": _bool(env.get("PUBLISH_PHOTOS_IMMEDIATELY")),
        # Secure cookies whenever the service is published over HTTPS (production), unless told otherwise.
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"),
                                       (env.get("PUBLIC_BASE_URL") or "").startswith("https://")),
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"),
                                        (env.get("PUBLIC_BASE_URL") or "").startswith("https://")),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or "memory://",
        # Only for load tests on one machine, where every request comes from the same address.
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "ACCESSIBILITY_CONTACT": env.get("ACCESSIBILITY_CONTACT", ""),
        "OPEN311_JURISDICTION": env.get("OPEN311_JURISDICTION", ""),
        "OPEN311_CONTACT": env.get("OPEN311_CONTACT", ""),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }


class Defaults:
    """Values that are product decisions, not deployment settings."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ("sv", "en", "ar")
    # Three photos of 15 MB each plus the form fields.
    MAX_PHOTO_BYTES = 15 * 1024 * 1024
    MAX_PHOTOS = 3
    MAX_CONTENT_LENGTH = 3 * 15 * 1024 * 1024 + 1024 * 1024
    MAX_IMAGE_PIXELS = 60_000_000
    PHOTO_DISPLAY_SIZE = 1600
    PHOTO_THUMB_SIZE = 400
    DUPLICATE_RADIUS_M = 50
    # The simplified kommun boundary is off by a few hundred metres at the coast.
    KOMMUN_MARGIN_M = 500
    API_MAX_FEATURES = 5000
    # Assets (issue 26): how many one map answer holds, how near "nearest" looks, how far from the pin a report's
    # asset may stand, and how near a street light must be for a dark place to count as a repair, not new lighting.
    ASSET_MAX_FEATURES = 2000
    ASSET_NEAREST_M = 15
    ASSET_MAX_REPORT_DISTANCE_M = 50
    ASSET_NEW_LIGHT_DISTANCE_M = 30
    # How long one worker keeps an answer of the public map API for the same box (0: not at all).
    MAP_CACHE_SECONDS = 10
    MAP_CACHE_BYTES = 32 * 1024 * 1024  # compressed map answers kept per worker
    WTF_CSRF_TIME_LIMIT = 4 * 3600
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    LOGIN_RATE_LIMIT = "10 per minute;40 per hour"
    # Each limit counts the requests of the last minute (hour, day) at every moment, so that no burst slips
    # through where two fixed windows meet (in Redis as in memory).
    RATELIMIT_STRATEGY = "moving-window"
    # An office session ends after an hour without a request; crews and field reporters work a shift with
    # the phone in a pocket (and send queued jobs when the signal returns), so theirs lasts the shift.
    STAFF_IDLE_MINUTES = 60
    FIELD_IDLE_MINUTES = 10 * 60
    STAFF_SESSION_HOURS = 12
    STAFF_PAGE_SIZE = 50
    OPEN311_POST_LIMIT = "60 per minute"
    PUBLIC_API_LIMIT = "300 per minute"
    REPORT_SUBMIT_LIMIT = "20 per minute;200 per day"
    SUPPORT_LIMIT = "10 per minute;60 per day"  # "me too" per client address, over all reports
    RATELIMIT_HEADERS_ENABLED = True
    # Flask-Limiter would set Retry-After on every answer of a limited route (a 302 after a report, a 503 that
    # says 30 s): its own header carries the window; Retry-After is ours, on 429 and 503 only (webapp/errors.py).
    RATELIMIT_HEADER_RETRY_AFTER = "X-RateLimit-Retry-After"
    # A workbook cannot stream: larger selections are pointed to CSV/GeoJSON or the CLI.
    XLSX_WEB_LIMIT = 100_000
