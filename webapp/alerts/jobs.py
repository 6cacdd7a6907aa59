"""The durable jobs of area alerts (webapp/jobs): the immediate mails every few minutes, the digest once a day.
Each mail is queued in the outbox in the same transaction that records it as sent, so a worker killed half-way
sends nothing twice; the job step is the boundary that commits (`checkpoint`: the job's JobContext.checkpoint)."""
from __future__ import annotations

from datetime import timedelta

from webapp.alerts import notify, services
from webapp.extensions import db
from webapp.timeutil import local_today, utcnow


def send_immediate(checkpoint=None) -> int:
    """Mail each confirmed immediate alert about each public report it has not had yet. Returns the mails sent.
    Each mail is a step of its own (one report to one subscriber, with its outbox row)."""
    checkpoint = checkpoint or db.session.flush
    sent = 0
    for alert, report in services.due_immediate(utcnow()):
        if services.mark_sent(alert, report):
            sent += notify.new_report(alert, report)
            checkpoint()
    return sent


def send_digests(day=None, checkpoint=None) -> int:
    """Mail each confirmed daily alert the public reports of `day` (default: yesterday, Europe/Stockholm) in its
    area; a day without any sends nothing. Each alert gets each day once. Returns the mails sent."""
    checkpoint = checkpoint or db.session.flush
    day = day or local_today() - timedelta(days=1)
    sent = 0
    for alert, reports in services.due_digests(day, utcnow()):
        if services.mark_digest(alert, day) and reports:
            sent += notify.digest(alert, day, reports)
        checkpoint()
    return sent


def run_immediate_job(job, context) -> dict:
    sent = send_immediate(context.checkpoint)
    forgotten = services.forget_unconfirmed(utcnow())
    return {"sent": sent, "forgotten": forgotten}


def run_digest_job(job, context) -> dict:
    from datetime import date

    day = date.fromisoformat(job.params["day"]) if job.params.get("day") else None
    return {"sent": send_digests(day, context.checkpoint)}
