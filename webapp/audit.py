"""The internal audit log: who did what to which record, and when. Shown to staff, never to the public."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_babel import format_datetime
from sqlalchemy import JSON, DateTime, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.timeutil import as_utc, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(254))
    details: Mapped[Optional[dict]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def record(entity: str, entity_id: int, action: str, actor: str, **details) -> AuditEvent:
    """Add an event to the session; the caller's commit makes it permanent with the change itself."""
    event = AuditEvent(entity=entity, entity_id=entity_id, action=action, actor=actor, details=details or None)
    db.session.add(event)
    return event


def events_for(entity: str, entity_id: int) -> list[AuditEvent]:
    return list(db.session.execute(
        select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id)).scalars())


def history(entity: str, entity_id: int) -> list[dict]:
    """The events of one record as rows for a staff page (when, who, what, details), oldest first."""
    return [{"when": format_datetime(as_utc(e.created_at), "short"), "actor": e.actor, "action": e.action,
             "details": ", ".join(f"{k}: {v}" for k, v in (e.details or {}).items())}
            for e in events_for(entity, entity_id)]
