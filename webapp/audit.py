"""The internal audit log: who did what to which record, and when. Shown to staff, never to the public."""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Optional

from flask_babel import format_datetime, gettext
from flask_babel import lazy_gettext as _l
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


# What an event's action and detail names say to a person (stored as short English keys).
ACTION_LABELS = {
    "created": _l("Created"), "status": _l("Status changed"), "edited": _l("Edited"), "assigned": _l("Assigned"),
    "hidden": _l("Hidden"), "shown": _l("Shown again"), "merged_from": _l("A duplicate merged into this"),
    "merged_into": _l("Merged into another report"), "merge_undone": _l("Merge undone"), "photo_approved": _l("Photo approved"),
    "photo_rejected": _l("Photo rejected"), "photo_redacted": _l("Photo redacted"),
    "question_asked": _l("Question to the reporter"), "question_answered": _l("The reporter answered"),
    "referred": _l("Referred"), "updated": _l("Updated"), "saved": _l("Saved"), "revoked": _l("Revoked"),
    "deleted": _l("Deleted"), "login": _l("Logged in"), "logout": _l("Logged out"),
    "password_changed": _l("Password changed"), "recovery_code_used": _l("Recovery code used"),
    "2fa_enabled": _l("Two-factor authentication turned on"), "planned": _l("Planned"),
    "recorded": _l("Recorded"), "published": _l("Published"), "withdrawn": _l("Withdrawn"),
    "imported": _l("Imported"), "erased": _l("Contact data erased"), "repaired": _l("Repaired"),
    "handed_off": _l("Sent to another system"), "handoff_resend": _l("To be sent again"),
}
DETAIL_LABELS = {
    "from": _l("from"), "to": _l("to"), "reports": _l("reports"), "priority": _l("priority"), "due": _l("due"),
    "confirmed": _l("confirmed despite a warning"), "reason": _l("reason"), "department": _l("department"),
    "duplicate": _l("duplicate"), "target": _l("merged into"), "photo": _l("photo"), "previous": _l("before"),
    "mode": _l("how"), "name": _l("name"), "role": _l("role"), "stops": _l("stops"), "walked_on": _l("walked on"),
    "participants": _l("participants"), "file": _l("file"), "created": _l("created"), "skipped": _l("skipped"),
    "errors": _l("errors"), "scope": _l("shared with"), "query": _l("filter"), "size": _l("size"),
    "campaign": _l("campaign"), "key": _l("key"), "value": _l("value"), "expires_at": _l("until"),
    "slug": _l("address"), "left": _l("left"), "note": _l("note"),
    "system": _l("receiving system"), "external_id": _l("id there"), "applies_to": _l("applies to"),
}


def _value(value, label: Callable[[str, object], object]) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(v, label) for v in value if v not in (None, ""))
    return str(value)


def history(entity: str, entity_id: int,
            label: Callable[[str, object], object] = lambda name, value: value) -> list[dict]:
    """The events of one record as rows for a staff page (when, who, what, details), oldest first, in words:
    actions and detail names through their labels, yes/no for truth values, lists as lists, and each stored
    value through `label(detail name, value)`, which the caller gives for its own vocabularies (a status, a
    priority…)."""
    rows = []
    for e in events_for(entity, entity_id):
        details = []
        for name, value in (e.details or {}).items():
            shown = _value(label(name, value), label) if not isinstance(value, (list, tuple)) else \
                _value([label(name, v) for v in value], label)
            details.append(f"{DETAIL_LABELS.get(name, name)}: {shown}")
        rows.append({"when": format_datetime(as_utc(e.created_at), "short"), "actor": e.actor,
                     "action": ACTION_LABELS.get(e.action, e.action), "details": ", ".join(details)})
    return rows
