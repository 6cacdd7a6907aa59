"""Data protection: reporters' contact data is erased a set time after their report was closed (the statistics
stay), and everything stored about an e-mail address can be handed to the person it belongs to."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from email import policy
from email.parser import BytesParser
from pathlib import Path

from sqlalchemy import delete, func, or_, select, update

from webapp import audit, unitofwork
from webapp.audit import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db
from webapp.reports.models import Follower, InfoRequest, Report, Satisfaction, StatusChange
from webapp.reports.status import CLOSED_STATUSES
from webapp.timeutil import as_utc, local_today, utcnow


def _months_before(today: date, months: int) -> datetime:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, 28)
    return datetime.combine(date(year, month + 1, day), time.min, tzinfo=timezone.utc)


@dataclass
class RetentionResult:
    cutoff: datetime
    reports: int
    mails: int
    dry_run: bool


def run_retention(*, months: int, outbox_dir: str | Path | None = None, today: date | None = None,
                  dry_run: bool = False, actor: str = "retention") -> RetentionResult:
    """Erase the reporter's e-mail, name and phone from reports closed more than `months` ago (closed: fixed,
    closed, referred or merged, and not reopened since), and the answers they gave to staff questions; delete
    outgoing mails kept in the development outbox for longer than that. Reports, categories, places, dates and
    statuses stay, so every statistic is unchanged."""
    cutoff = _months_before(today or local_today(), months)
    last_change = (select(StatusChange.report_id, func.max(StatusChange.created_at).label("at"))
                   .group_by(StatusChange.report_id).subquery())
    due = (select(Report.id).join(last_change, last_change.c.report_id == Report.id)
           .where(Report.status.in_(CLOSED_STATUSES), last_change.c.at < cutoff,
                  or_(Report.reporter_email.is_not(None), Report.reporter_name.is_not(None),
                      Report.reporter_phone.is_not(None))))
    ids = list(db.session.execute(due).scalars())
    # Whoever followed a report closed that long ago (the reporter included) gets no more mails about it: the
    # addresses go too.
    followed = list(db.session.execute(
        select(Follower.id).join(last_change, last_change.c.report_id == Follower.report_id)
        .join(Report, Report.id == Follower.report_id)
        .where(Report.status.in_(CLOSED_STATUSES), last_change.c.at < cutoff)).scalars())
    mails = []
    if outbox_dir and Path(outbox_dir).exists():
        mails = [p for p in Path(outbox_dir).glob("*.eml")
                 if datetime.fromtimestamp(p.stat().st_mtime, timezone.utc) < cutoff]
    if not dry_run:
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            db.session.execute(update(Report).where(Report.id.in_(chunk))
                               .values(reporter_email=None, reporter_name=None, reporter_phone=None))
            db.session.execute(update(InfoRequest).where(InfoRequest.report_id.in_(chunk),
                                                         InfoRequest.answer.is_not(None))
                               .values(answer="—"))
        for start in range(0, len(followed), 500):
            db.session.execute(delete(Follower).where(Follower.id.in_(followed[start:start + 500])))
        audit.record("retention", 0, "erased", actor, reports=len(ids), mails=len(mails), follows=len(followed),
                     cutoff=cutoff.date().isoformat())
        db.session.flush()
        # The development outbox's files go once the erasure is committed, not before.
        unitofwork.after_commit(lambda: [path.unlink(missing_ok=True) for path in mails])
    return RetentionResult(cutoff, len(ids), len(mails), dry_run)


def subject_export(email: str, outbox_dir: str | Path | None = None) -> dict:
    """Everything stored about an e-mail address: the reports it sent (with their history, photos, questions,
    answers and satisfaction), a staff account with that address and what it did, and mails sent to it."""
    address = (email or "").strip().lower()
    reports = list(db.session.execute(select(Report).where(func.lower(Report.reporter_email) == address)
                                      .order_by(Report.id)).scalars())
    rows = []
    for r in reports:
        satisfaction = db.session.execute(select(Satisfaction).where(Satisfaction.report_id == r.id)).scalar_one_or_none()
        questions = db.session.execute(select(InfoRequest).where(InfoRequest.report_id == r.id)).scalars()
        rows.append({
            "reference": r.reference, "created_at": as_utc(r.created_at).isoformat(), "category": r.category.key,
            "description": r.description, "place": r.location_text, "lat": r.lat, "lon": r.lon,
            "district": r.district.name if r.district else None, "time_of_day": r.time_of_day,
            "safety_rating": r.safety_rating, "answers": r.answers, "status": r.status, "hidden": r.hidden,
            "contact": {"email": r.reporter_email, "name": r.reporter_name, "phone": r.reporter_phone},
            "language": r.locale, "source": r.source,
            "photos": [{"id": p.id, "width": p.width, "height": p.height, "moderation": p.moderation,
                        "created_at": as_utc(p.created_at).isoformat()} for p in r.photos],
            "history": [{"at": as_utc(h.created_at).isoformat(), "status": h.to_status, "note": h.public_note}
                        for h in r.history],
            "questions": [{"question": q.question, "asked_at": as_utc(q.asked_at).isoformat(), "answer": q.answer}
                          for q in questions],
            "satisfaction": {"score": satisfaction.score, "comment": satisfaction.comment} if satisfaction else None,
        })
    user = db.session.execute(select(User).where(func.lower(User.email) == address)).scalar_one_or_none()
    account = None
    if user is not None:
        events = db.session.execute(select(AuditEvent).where(AuditEvent.actor == user.email)
                                    .order_by(AuditEvent.id)).scalars()
        account = {"email": user.email, "name": user.name, "role": user.role, "department": user.department_code,
                   "active": user.active, "two_factor": bool(user.totp_secret),
                   "actions": [{"at": as_utc(e.created_at).isoformat(), "entity": e.entity, "id": e.entity_id,
                                "action": e.action} for e in events]}
    mails = []
    if outbox_dir and Path(outbox_dir).exists():
        parser = BytesParser(policy=policy.default)
        for path in sorted(Path(outbox_dir).glob("*.eml")):
            message = parser.parsebytes(path.read_bytes())
            if (message["To"] or "").strip().lower() == address:
                mails.append({"date": message["Date"], "subject": message["Subject"],
                              "body": message.get_content()})
    follows = [{"reference": f.report.reference, "since": as_utc(f.created_at).isoformat(),
                "confirmed": f.confirmed_at is not None}
               for f in db.session.execute(select(Follower).where(func.lower(Follower.email) == address)
                                           .order_by(Follower.id)).scalars()]
    return {"email": address, "exported_at": utcnow().isoformat(), "reports": rows, "follows": follows,
            "staff_account": account, "mails": mails}
