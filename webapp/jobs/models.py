from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.timeutil import utcnow

JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(db.Model):
    """One piece of background work (an import, a large export). queued -> running -> done | failed; a running
    job whose heartbeat has stopped (its worker was killed) is taken up again by the next worker."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_status_heartbeat", "status", "heartbeat_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)     # progress: done of total steps
    total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[Optional[dict]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Who holds the job (a token per claim) and when it last said it was alive.
    worker: Mapped[Optional[str]] = mapped_column(String(80))
    heartbeat_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))


class JobWorker(db.Model):
    """A `flask jobs work` process (or the web process's job thread) and when it last said it was alive, idle or
    busy: /healthz tells from it whether queued work has anyone to do it."""

    __tablename__ = "job_worker"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class JobSchedule(db.Model):
    """The last period (a day, a five-minute slot) for which a periodic job was queued: the conditional UPDATE
    on this row makes sure that of several workers exactly one queues it."""

    __tablename__ = "job_schedule"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_period: Mapped[str] = mapped_column(String(40), default="")
