"""The durable jobs of the hand-off (webapp/jobs): sending every five minutes (and at once when staff send again),
and asking Open311 targets for updates every fifteen minutes. Each hand-off is held, tried and recorded in steps that
the job commits (`checkpoint`), so a worker killed half-way loses nothing: the hand-off waits for the next run."""
from __future__ import annotations

from webapp.extensions import db
from webapp.handoff import services
from webapp.timeutil import utcnow


def send_due(checkpoint=None) -> dict:
    """Give new routed reports their hand-off, then try each one that is due. Returns counts by outcome."""
    checkpoint = checkpoint or db.session.flush
    counts = {"queued": services.queue_new_reports(), "sent": 0, "waiting": 0, "failed": 0}
    checkpoint()
    for handoff in services.due(utcnow()):
        if not services.take(handoff):
            continue
        checkpoint()  # held before the other system is asked
        counts[services.send(handoff)] += 1
        checkpoint()
    return counts


def take_updates(checkpoint=None) -> dict:
    checkpoint = checkpoint or db.session.flush
    changed = 0
    for target in services.open311_targets():
        changed += services.poll_target(target)
        checkpoint()
    return {"changed": changed}


def run_send_job(job, context) -> dict:
    return send_due(context.checkpoint)


def run_updates_job(job, context) -> dict:
    return take_updates(context.checkpoint)
