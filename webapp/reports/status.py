"""A report's statuses, their public names and the allowed steps between them (one place)."""
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "received": _l("Received"),
    "confirmed": _l("Confirmed"),
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "fixed": _l("Fixed"),
    "closed": _l("Closed"),
    "referred": _l("Referred elsewhere"),
    "duplicate": _l("Merged with another report"),
}

OPEN_STATUSES = ("received", "confirmed", "planned", "in_progress")
CLOSED_STATUSES = ("fixed", "closed", "referred", "duplicate")

# What the public map can be narrowed to: a group (open, or handled: any closed status) or one status.
MAP_STATUS_FILTERS = {"open": OPEN_STATUSES, "handled": CLOSED_STATUSES, **{s: (s,) for s in STATUS_LABELS}}

TRANSITIONS = {
    None: {"received"},
    "received": {"confirmed", "planned", "in_progress", "fixed", "closed", "referred", "duplicate"},
    "confirmed": {"planned", "in_progress", "fixed", "closed", "referred", "duplicate"},
    "planned": {"in_progress", "fixed", "closed", "referred"},
    "in_progress": {"fixed", "planned", "closed"},
    "fixed": {"closed", "received"},
    "closed": {"received"},
    "referred": {"received"},
    "duplicate": set(),
}


def can_change(from_status: str | None, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, set())


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES
