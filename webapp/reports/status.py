"""A report's vocabularies in one place: its statuses (with their public names and the allowed steps between them),
a photo's moderation and where a report came from. Each is a StrEnum: its members are the strings stored in the
database, so the schema and the stored values are unchanged."""
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class ReportStatus(StrEnum):
    RECEIVED = "received"
    CONFIRMED = "confirmed"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    FIXED = "fixed"
    CLOSED = "closed"
    REFERRED = "referred"
    DUPLICATE = "duplicate"


class Moderation(StrEnum):
    """Whether a photo may be shown publicly."""
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Source(StrEnum):
    """How a report reached the city."""
    WEB = "web"
    PHONE = "phone"
    VISIT = "visit"
    CAMPAIGN = "campaign"
    INSTAGRAM = "instagram"
    FIELD = "field"
    POLICE = "police"
    CONTRACTOR = "contractor"
    CLEANING = "cleaning"
    OPEN311 = "open311"


S = ReportStatus
STATUS_LABELS = {
    S.RECEIVED: _l("Received"),
    S.CONFIRMED: _l("Confirmed"),
    S.PLANNED: _l("Planned"),
    S.IN_PROGRESS: _l("In progress"),
    S.FIXED: _l("Fixed"),
    S.CLOSED: _l("Closed"),
    S.REFERRED: _l("Referred elsewhere"),
    S.DUPLICATE: _l("Merged with another report"),
}

OPEN_STATUSES = (S.RECEIVED, S.CONFIRMED, S.PLANNED, S.IN_PROGRESS)
CLOSED_STATUSES = (S.FIXED, S.CLOSED, S.REFERRED, S.DUPLICATE)

# What the public map can be narrowed to: a group (open, or handled: any closed status) or one status.
MAP_STATUS_FILTERS = {"open": OPEN_STATUSES, "handled": CLOSED_STATUSES, **{s.value: (s,) for s in S}}

TRANSITIONS = {
    None: {S.RECEIVED},
    S.RECEIVED: {S.CONFIRMED, S.PLANNED, S.IN_PROGRESS, S.FIXED, S.CLOSED, S.REFERRED, S.DUPLICATE},
    S.CONFIRMED: {S.PLANNED, S.IN_PROGRESS, S.FIXED, S.CLOSED, S.REFERRED, S.DUPLICATE},
    S.PLANNED: {S.IN_PROGRESS, S.FIXED, S.CLOSED, S.REFERRED},
    S.IN_PROGRESS: {S.FIXED, S.PLANNED, S.CLOSED},
    S.FIXED: {S.CLOSED, S.RECEIVED},
    S.CLOSED: {S.RECEIVED},
    S.REFERRED: {S.RECEIVED},
    S.DUPLICATE: set(),
}
del S


def can_change(from_status: str | None, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, set())


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES
