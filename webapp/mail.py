"""Outgoing e-mail through a durable outbox: `send_mail` queues the message in the current transaction (table
mail_outbox), and right after that transaction commits it is handed to SMTP (MAIL_SERVER) or written as an .eml
file in MAIL_OUTBOX_DIR (development). A mail the server does not take stays queued and `flask jobs work` tries
again with a growing delay (1, 2, 4 … minutes, at most an hour) until it goes, or gives up after
MAIL_GIVE_UP_HOURS. The queued message holds a private tracking link and the address: it is emptied as soon as
the mail is delivered or given up. Logs name the outbox id and the error, never the address."""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Optional

from flask import current_app
from sqlalchemy import DateTime, Index, Integer, LargeBinary, String, event, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from webapp.extensions import db
from webapp.municipality import current_municipality
from webapp.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
# While one process tries a mail, no other takes it (a hung mail server answers within the SMTP timeout).
LEASE = timedelta(minutes=2)
SMTP_TIMEOUT = 20
_PENDING = "mail_outbox_pending"  # session.info: mails added in the open transaction, delivered after its commit


class OutgoingMail(db.Model):
    """One mail on its way. waiting -> sent | failed; `message` (the whole mail) is kept only while waiting."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    message: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))


def send_mail(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> bool:
    """Queue one plain-text mail (with extra `headers`, e.g. List-Unsubscribe) in the current transaction: it is
    delivered right after that transaction commits and retried later if the mail server does not take it; it
    is never queued if the transaction rolls back. The request, command or job step commits it with the work
    it belongs to (webapp.unitofwork). Returns True (queued)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=f"trygghetskartan.{current_municipality().mail_domain}")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    session = db.session()
    row = OutgoingMail(status="waiting", message=bytes(message), attempts=0, last_error="",
                       next_attempt_at=utcnow() + LEASE)  # this process's own attempt comes first
    session.add(row)
    session.info.setdefault(_PENDING, []).append(_Queued(row, row.message))
    return True


@dataclass
class _Queued:
    row: OutgoingMail
    raw: bytes
    outbox_id: int | None = None


@event.listens_for(Session, "after_flush")
def _remember_writes(session, flush_context):
    for queued in session.info.get(_PENDING, ()):
        if queued.outbox_id is None:
            queued.outbox_id = queued.row.id


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session):
    # SQLAlchemy also calls this when a savepoint is released (begin_nested): the outer transaction still holds
    # the database (SQLite's one write lock), so a delivery now would wait for it on another connection. The
    # mails stay queued for the real commit.
    if session.in_nested_transaction():
        return
    for queued in session.info.pop(_PENDING, []):
        if queued.outbox_id is None:
            continue
        try:
            _attempt(queued.outbox_id, queued.raw, session.get_bind())
        except Exception:  # noqa: BLE001 - the mail is committed and waits; the worker tries it again
            log.warning("Mail %s: first attempt not recorded; the worker will try it", queued.outbox_id,
                        exc_info=True)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session, previous_transaction):
    if previous_transaction.parent is None:  # the outer transaction: what it queued is gone with it
        session.info.pop(_PENDING, None)


def _transmit(raw: bytes) -> None:
    """Hand one message to the mail server, or write it to the development outbox. Raises on failure."""
    from email import policy
    from email.parser import BytesParser

    config = current_app.config
    if config["MAIL_SERVER"]:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        (outbox / f"{stamp}.eml").write_bytes(raw)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the first, second, third failed attempt; at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def _attempt(outbox_id: int, raw: bytes | None, bind) -> bool:
    """Try one queued mail on a connection of its own (callable right after a commit) and record the outcome."""
    if raw is None:
        return False
    try:
        _transmit(raw)
    except (OSError, smtplib.SMTPException) as exc:
        error = type(exc).__name__
        now = utcnow()
        with bind.begin() as connection:  # a transaction of its own, committed at the end of the block
            row = connection.execute(select(OutgoingMail.attempts, OutgoingMail.created_at)
                                     .where(OutgoingMail.id == outbox_id)).one()
            attempts = row.attempts + 1
            give_up = as_utc(row.created_at) < now - timedelta(hours=current_app.config["MAIL_GIVE_UP_HOURS"])
            values = {"attempts": attempts, "last_error": error[:120]}
            if give_up:
                values.update(status="failed", message=None, finished_at=now)
            else:
                values["next_attempt_at"] = now + retry_delay(attempts)
            connection.execute(update(OutgoingMail).where(OutgoingMail.id == outbox_id).values(**values))
        if give_up:
            log.error("Mail %s given up after %s attempts: %s", outbox_id, attempts, error)
        else:
            log.warning("Mail %s not delivered (attempt %s): %s; next try in %s min", outbox_id, attempts, error,
                        int(retry_delay(attempts).total_seconds() // 60))
        return False
    with bind.begin() as connection:
        connection.execute(update(OutgoingMail).where(OutgoingMail.id == outbox_id)
                           .values(status="sent", message=None, attempts=OutgoingMail.attempts + 1,
                                   last_error="", finished_at=utcnow()))
    return True


def deliver_due(limit: int = 50) -> int:
    """Try the queued mails whose time has come (called by `flask jobs work` in each round). Each is taken with
    a conditional UPDATE first, so two workers never send the same mail. Returns how many were delivered."""
    delivered = 0
    now = utcnow()
    # Short transactions of their own (engine.begin), never the session's: no lock is held while SMTP talks.
    with db.engine.begin() as connection:
        due = connection.execute(select(OutgoingMail.id).where(OutgoingMail.status == "waiting",
                                                               OutgoingMail.next_attempt_at <= now)
                                 .order_by(OutgoingMail.id).limit(limit)).scalars().all()
    for outbox_id in due:
        with db.engine.begin() as connection:
            taken = connection.execute(
                update(OutgoingMail).where(OutgoingMail.id == outbox_id, OutgoingMail.status == "waiting",
                                           OutgoingMail.next_attempt_at <= now)
                .values(next_attempt_at=utcnow() + LEASE)).rowcount
            raw = connection.execute(select(OutgoingMail.message).where(OutgoingMail.id == outbox_id)).scalar()
        if taken == 1:
            delivered += _attempt(outbox_id, raw, db.engine)
    return delivered


@dataclass
class Backlog:
    waiting: int
    oldest_age: timedelta | None
    last_error: str
    failed: int


def backlog() -> Backlog:
    """What waits in the outbox: how many, the oldest's age, the newest error's class; and how many were given
    up. No addresses."""
    waiting, oldest = db.session.execute(select(func.count(OutgoingMail.id), func.min(OutgoingMail.created_at))
                                         .where(OutgoingMail.status == "waiting")).one()
    last_error = db.session.execute(select(OutgoingMail.last_error).where(OutgoingMail.status == "waiting",
                                                                          OutgoingMail.last_error != "")
                                    .order_by(OutgoingMail.id.desc()).limit(1)).scalar() or ""
    failed = db.session.execute(select(func.count(OutgoingMail.id))
                                .where(OutgoingMail.status == "failed")).scalar_one()
    return Backlog(waiting, utcnow() - as_utc(oldest) if oldest else None, last_error, failed)


def outbox_messages(outbox_dir: str | Path) -> list[EmailMessage]:
    """The development outbox, oldest first (used by tests and the user guide, docs/user-guide.md)."""
    from email import policy
    from email.parser import BytesParser

    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in sorted(Path(outbox_dir).glob("*.eml"))]
