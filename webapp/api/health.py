"""/healthz, part by part: the database, the photo store, the job workers' heartbeat, the mail backlog.

Each part is "ok", "degraded" (works, but falling behind) or "fail". The database and the photo store are
essential: either failing makes the answer 503, so that a load balancer takes the server out. A stale job
worker or a mail backlog is only "degraded": residents can still report."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, jsonify
from sqlalchemy import func, select, text

from webapp import mail
from webapp.extensions import db
from webapp.jobs import services as jobs
from webapp.jobs.models import Job
from webapp.monitoring.metrics import monitoring_allowed
from webapp.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

ESSENTIAL = ("database", "photo_store")
DATABASE_TIMEOUT_MS = 2000
# Mail waiting longer than this (the mail server refusing or no worker retrying) makes the part "degraded".
MAIL_LATE = timedelta(minutes=15)


def _seconds(delta: timedelta | None) -> int | None:
    return None if delta is None else max(int(delta.total_seconds()), 0)


def database() -> dict:
    try:
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(f"SET LOCAL statement_timeout = {DATABASE_TIMEOUT_MS}"))
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"; the kind goes to the log only
        _rollback()
        log.warning("healthz: database check failed: %s", type(exc).__name__)
        return {"status": "fail"}
    return {"status": "ok"}


def photo_store() -> dict:
    try:
        result = current_app.extensions["photo_store"].health_check()
    except Exception as exc:  # noqa: BLE001 - read-only, full, unmounted, a store not answering
        log.warning("healthz: photo store check failed: %s", type(exc).__name__)
        return {"status": "fail"}
    return {"status": "fail" if result is False else "ok"}


def job_workers() -> dict:
    """Stale when work waits (queued jobs, mail due for a retry) and no worker has beaten within
    JOB_STALE_SECONDS. With JOBS_IN_WEB_PROCESS the web process's job thread beats like a worker."""
    now = utcnow()
    queued = db.session.execute(select(func.count(Job.id)).where(Job.status == "queued")).scalar_one()
    mail_due = db.session.execute(select(func.count(mail.OutgoingMail.id)).where(
        mail.OutgoingMail.status == "waiting", mail.OutgoingMail.next_attempt_at <= now)).scalar_one()
    beat = jobs.newest_worker_beat()
    age = now - as_utc(beat) if beat else None
    stale = (queued or mail_due) and (age is None or age > timedelta(seconds=current_app.config["JOB_STALE_SECONDS"]))
    return {"status": "degraded" if stale else "ok", "queued": queued, "mail_due": mail_due,
            "last_beat_seconds": _seconds(age)}


def mail_backlog() -> dict:
    waiting = mail.backlog()
    late = waiting.oldest_age is not None and waiting.oldest_age > MAIL_LATE
    return {"status": "degraded" if late else "ok", "waiting": waiting.waiting,
            "oldest_seconds": _seconds(waiting.oldest_age), "given_up": waiting.failed}


def answer():
    parts = {"database": database(), "photo_store": photo_store()}
    if parts["database"]["status"] == "ok":
        for name, check in (("jobs", job_workers), ("mail", mail_backlog)):
            try:
                parts[name] = check()
            except Exception as exc:  # noqa: BLE001 - the database went away between the checks
                _rollback()
                log.warning("healthz: %s check failed: %s", name, type(exc).__name__)
                parts[name] = {"status": "fail"}
        _rollback()
    else:  # they live in the database: unknown while it is down
        parts["jobs"] = parts["mail"] = {"status": "fail"}
    statuses = {name: part["status"] for name, part in parts.items()}
    if any(statuses[name] == "fail" for name in ESSENTIAL):
        overall = "fail"
    elif all(status == "ok" for status in statuses.values()):
        overall = "ok"
    else:
        overall = "degraded"
    if not monitoring_allowed():
        # The public (and a load balancer) learns whether each part works, not the queues and counts behind it.
        parts = {name: {"status": part["status"]} for name, part in parts.items()}
    response = jsonify({"status": overall, **parts})
    response.status_code = 503 if overall == "fail" else 200
    response.headers["Cache-Control"] = "no-store"
    if overall == "fail":
        response.headers["Retry-After"] = "30"
    return response


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the session is thrown away at teardown
        pass
