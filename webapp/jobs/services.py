"""The job queue: enqueue, claim, heartbeat, progress, finish. Plain functions over the `job` table, called by
the web views (enqueue, read), `flask jobs work` (claim and run) and the tests.

A worker claims a job with one conditional UPDATE (queued, or running with a heartbeat older than the stale
limit), so two workers never hold the same job; every later write names the claim's token, so a worker that
was given up for dead and comes back finds it no longer holds the job (JobLost) instead of writing over the
new holder. Handlers make their steps idempotent and record their progress in the same transaction as each
step, so that a job taken up again after a kill -9 carries on where it stopped and does nothing twice.
"""
from __future__ import annotations

import importlib
import logging
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from webapp import mail, unitofwork
from webapp.extensions import db
from webapp.jobs.models import Job, JobSchedule, JobWorker
from webapp.timeutil import as_utc, local_now, utcnow

log = logging.getLogger(__name__)

# kind -> "module:function"; the function takes (job, context) and returns a result dict (or None).
HANDLERS = {
    "campaign_import": "webapp.campaigns.imports:run_import_job",
    "points_export": "webapp.insights.services:run_export_job",
    "alerts_immediate": "webapp.alerts.jobs:run_immediate_job",
    "alerts_digest": "webapp.alerts.jobs:run_digest_job",
    "opendata_build": "webapp.opendata.services:run_build_job",
    "handoff_send": "webapp.handoff.jobs:run_send_job",
    "handoff_updates": "webapp.handoff.jobs:run_updates_job",
}
# Jobs queued by the clock (`flask jobs schedule`, or each round of a worker with JOBS_SCHEDULE): kind ->
# ("every", minutes) or ("daily", the Europe/Stockholm hour from which that day's run is due).
PERIODIC = {
    "alerts_immediate": ("every", 5),
    "alerts_digest": ("daily", 6),
    "opendata_build": ("daily", 4),
    "handoff_send": ("every", 5),      # and at once when staff send a report again
    "handoff_updates": ("every", 15),
}
MAX_ATTEMPTS = 3
# The database cannot be had (down, restarting, every connection taken): the worker waits and tries again.
DATABASE_DOWN = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)
BEAT_EVERY = timedelta(seconds=5)  # how often an idle worker records that it is alive
FORGET_WORKERS_AFTER = timedelta(days=1)


class JobLost(RuntimeError):
    """This worker no longer holds the job (it was taken up by another after its heartbeat stopped)."""


@dataclass
class JobContext:
    """What a handler gets to report progress with. `step` adds to the session without committing; the handler
    ends a step with `checkpoint`, which commits the progress together with the work it stands for (the job
    step is the boundary, as the request is for a view: handlers never commit themselves)."""

    job_id: int
    worker: str

    def step(self, done: int, total: int | None = None) -> None:
        values = {"done": done, "heartbeat_at": utcnow()}
        if total is not None:
            values["total"] = total
        result = db.session.execute(update(Job).where(Job.id == self.job_id, Job.worker == self.worker,
                                                      Job.status == "running").values(**values)
                                    .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise JobLost(self.job_id)

    def checkpoint(self) -> None:
        """End a job step: commit its work together with its progress, so that a job taken up again after a
        kill carries on from here. A handler with one step leaves this to `run`, which commits at its end."""
        db.session.commit()


def enqueue(kind: str, params: dict, actor: str, total: int = 0) -> Job:
    """Queue a job; a worker (`flask jobs work`) takes it up. Refuses unknown kinds."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind}")
    job = Job(kind=kind, params=params, status="queued", total=total, created_by=actor)
    db.session.add(job)
    db.session.flush()  # the request or command commits it; a worker sees it from then on
    return job


def _period(kind: str, now) -> str | None:
    """The period a periodic job is due for now (its key), or None when today's daily run is not due yet."""
    how, value = PERIODIC[kind]
    if how == "every":
        return str(int(now.timestamp() // (value * 60)))
    local = now.astimezone(local_now().tzinfo)
    return local.date().isoformat() if local.hour >= value else None


def enqueue_periodic(now=None) -> list[str]:
    """Queue each periodic job whose period has come and was not queued yet. The period is claimed with one
    conditional UPDATE (or the first INSERT) in the same transaction as the job, so of several workers exactly
    one queues it. A daily job gets the day before as `day` (the digest's day). Returns the kinds queued."""
    from datetime import date, timedelta

    from sqlalchemy.exc import IntegrityError

    now = now or utcnow()
    queued = []
    for kind in PERIODIC:
        period = _period(kind, now)
        if period is None:
            continue
        row = db.session.get(JobSchedule, kind)
        if row is None:
            try:
                with db.session.begin_nested():
                    db.session.add(JobSchedule(kind=kind, last_period=period))
                    db.session.flush()
                claimed = True
            except IntegrityError:
                claimed = False
        elif row.last_period == period:
            claimed = False
        else:
            claimed = db.session.execute(
                update(JobSchedule).where(JobSchedule.kind == kind, JobSchedule.last_period == row.last_period)
                .values(last_period=period).execution_options(synchronize_session=False)).rowcount == 1
        if claimed:
            params = {}
            if PERIODIC[kind][0] == "daily":
                params["day"] = (date.fromisoformat(period) - timedelta(days=1)).isoformat()
            db.session.add(Job(kind=kind, params=params, status="queued", total=0, created_by="schedule"))
            queued.append(kind)
    db.session.commit()
    return queued


def get(job_id: int | None) -> Job | None:
    return db.session.get(Job, job_id) if job_id else None


def _claimable(stale_before):
    return or_(Job.status == "queued", and_(Job.status == "running", Job.heartbeat_at < stale_before))


def claim(worker: str, stale_seconds: int) -> Job | None:
    """Take the oldest queued job, or a running one whose worker stopped beating for `stale_seconds`. Atomic: the
    UPDATE repeats the condition, so of two workers racing for one job exactly one gets it."""
    while True:
        now = utcnow()
        stale_before = now - timedelta(seconds=stale_seconds)
        job_id = db.session.execute(select(Job.id).where(_claimable(stale_before)).order_by(Job.id).limit(1)).scalar()
        if job_id is None:
            db.session.commit()
            return None
        taken = db.session.execute(
            update(Job).where(Job.id == job_id, _claimable(stale_before))
            .values(status="running", worker=worker, heartbeat_at=now, attempts=Job.attempts + 1,
                    started_at=now).execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if taken != 1:
            continue  # another worker was quicker: look again
        job = db.session.get(Job, job_id)
        db.session.refresh(job)
        if job.attempts > MAX_ATTEMPTS:
            _finish(job.id, worker, "failed", error=f"Stopped {MAX_ATTEMPTS} times without finishing.")
            continue
        return job


def heartbeat(job_id: int, worker: str) -> bool:
    """Say that the worker is alive; False when it no longer holds the job. Uses its own connection, so that it
    can run beside the handler's open transaction."""
    with db.engine.begin() as connection:
        return connection.execute(update(Job).where(Job.id == job_id, Job.worker == worker, Job.status == "running")
                                  .values(heartbeat_at=utcnow())).rowcount == 1


def _finish(job_id: int, worker: str, status: str, result: dict | None = None, error: str = "") -> bool:
    done = db.session.execute(update(Job).where(Job.id == job_id, Job.worker == worker, Job.status == "running")
                              .values(status=status, result=result, error=error[:2000], finished_at=utcnow(),
                                      heartbeat_at=utcnow())
                              .execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    return done


def _handler(kind: str) -> Callable:
    module, name = HANDLERS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def run(job: Job, worker: str, beat_seconds: float) -> str:
    """Run a claimed job to its end, beating its heart from a thread meanwhile. Returns its final status."""
    from flask import current_app

    app = current_app._get_current_object()
    stop = threading.Event()

    def beat():
        with app.app_context():
            while not stop.wait(beat_seconds):
                try:
                    if not heartbeat(job.id, worker):
                        return
                except Exception:  # noqa: BLE001 - SQLite busy with the handler's write: beat again next time
                    log.warning("Job %s: heartbeat not written this time", job.id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"job-{job.id}-heartbeat", daemon=True)
    thread.start()
    try:
        result = _handler(job.kind)(job, JobContext(job.id, worker))
    except JobLost:
        db.session.rollback()
        log.warning("Job %s was taken up by another worker", job.id)
        return "lost"
    except DATABASE_DOWN:
        raise  # not the job's fault: it is taken up again once its heartbeat is stale and the database back
    except Exception as exc:  # noqa: BLE001 - the failure is kept on the job and shown on its page
        log.exception("Job %s (%s) failed", job.id, job.kind)
        db.session.rollback()
        _finish(job.id, worker, "failed", error=str(getattr(exc, "message", "") or exc))
        return "failed"
    finally:
        stop.set()
        thread.join()
    _finish(job.id, worker, "done", result=result)
    return "done"


def worker_name() -> str:
    return f"{socket.gethostname()}:{secrets.token_hex(4)}"


def beat_worker(worker: str) -> None:
    """Record that this worker is alive (for /healthz), and forget workers silent for a day."""
    now = utcnow()
    db.session.merge(JobWorker(name=worker, seen_at=now))
    db.session.execute(delete(JobWorker).where(JobWorker.seen_at < now - FORGET_WORKERS_AFTER))
    db.session.commit()


def newest_worker_beat():
    return db.session.execute(select(JobWorker.seen_at).order_by(JobWorker.seen_at.desc()).limit(1)).scalar()


def _round(worker: str, stale_seconds: int, beat_due: bool, echo, schedule: bool = False) -> str | None:
    """One round of the worker: say it is alive, send the mails whose time has come, run one job. Returns the
    job's final status, or None when there was none."""
    if beat_due:
        beat_worker(worker)
    mail.deliver_due()
    if schedule:
        enqueue_periodic()
    job = claim(worker, stale_seconds)
    if job is None:
        return None
    if echo:
        echo(f"job {job.id} ({job.kind}) started, attempt {job.attempts}")
    status = run(job, worker, beat_seconds=max(stale_seconds / 4, 0.2))
    if echo:
        echo(f"job {job.id} ({job.kind}) {status}")
    return status


def work(once: bool = False, stale_seconds: int = 60, poll_seconds: float = 1.0, echo=None,
         max_backoff: float = 30.0, schedule: bool = False) -> int:
    """Claim and run jobs (and retry queued mail) until stopped, or with `once` until the queue is empty. While
    the database cannot be reached the worker waits, longer each time up to `max_backoff` seconds, says so
    once per outage (and once when it is back), and carries on. Returns how many jobs ran."""
    worker = worker_name()
    ran = 0
    delay = 0.0
    outage_since = None
    last_beat = None
    while True:
        try:
            beat_due = last_beat is None or time.monotonic() - last_beat >= BEAT_EVERY.total_seconds()
            status = _round(worker, stale_seconds, beat_due, echo, schedule)
            if beat_due:
                last_beat = time.monotonic()
        except DATABASE_DOWN as exc:
            _forget_connection()
            if once:
                raise
            if outage_since is None:
                outage_since = time.monotonic()
                log.warning("Job worker: the database cannot be reached (%s); waiting and trying again, at "
                            "most every %s s", type(getattr(exc, "orig", None) or exc).__name__, int(max_backoff))
            delay = min(max(delay * 2, poll_seconds), max_backoff)
            time.sleep(delay)
            continue
        if outage_since is not None:
            log.warning("Job worker: the database is back after %d s", time.monotonic() - outage_since)
            outage_since, delay = None, 0.0
        if status is None:
            if once:
                return ran
            time.sleep(poll_seconds)
            continue
        ran += 1


def _forget_connection() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the session starts afresh
        pass
    db.session.remove()


def work_in_background(app) -> None:
    """With JOBS_IN_WEB_PROCESS (laptops, tests), run what is queued in a thread of the web process as well. The
    jobs are as durable as with a worker: if this process stops, `flask jobs work` or the next thread takes up
    what it left once its heartbeat is older than JOB_STALE_SECONDS."""
    if not app.config.get("JOBS_IN_WEB_PROCESS"):
        return
    def drain():
        with app.app_context():
            try:
                work(once=True, stale_seconds=app.config["JOB_STALE_SECONDS"])
            except DATABASE_DOWN:
                log.warning("Jobs in the web process: the database cannot be reached; the queue waits")
            finally:
                db.session.remove()

    def start():
        threading.Thread(target=drain, name="jobs-in-web-process", daemon=True).start()

    if db.session().in_transaction():
        unitofwork.after_commit(start)  # once the request has committed: the thread must find the job it queued
    else:
        start()


def is_stalled(job: Job, stale_seconds: int) -> bool:
    """Running, but its worker has been silent too long: it waits for a worker to take it up again."""
    return job.status == "running" and job.heartbeat_at is not None and \
        as_utc(job.heartbeat_at) < utcnow() - timedelta(seconds=stale_seconds)
