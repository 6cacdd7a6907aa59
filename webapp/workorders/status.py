"""A work order's statuses, their names and the allowed steps between them (one place), and what the linked
reports become at each step. Members are the strings stored in the database."""
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from webapp.reports.status import ReportStatus


class WorkOrderStatus(StrEnum):
    NEW = "new"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED = "verified"
    REJECTED = "rejected"


W = WorkOrderStatus
STATUS_LABELS = {
    W.NEW: _l("New"),
    W.PLANNED: _l("Planned"),
    W.IN_PROGRESS: _l("In progress"),
    W.DONE: _l("Done"),
    W.VERIFIED: _l("Verified"),
    W.REJECTED: _l("Rejected"),
}
OPEN_STATUSES = (W.NEW, W.PLANNED, W.IN_PROGRESS)
TRANSITIONS = {
    W.NEW: {W.PLANNED, W.IN_PROGRESS, W.REJECTED},
    W.PLANNED: {W.IN_PROGRESS, W.REJECTED},
    W.IN_PROGRESS: {W.DONE, W.PLANNED, W.REJECTED},
    W.DONE: {W.VERIFIED, W.IN_PROGRESS},
    W.VERIFIED: set(),
    W.REJECTED: set(),
}
# Steps that end the order or close its reports: the officer confirms them.
CLOSING = (W.DONE, W.VERIFIED, W.REJECTED)


def next_statuses(status: str) -> list[WorkOrderStatus]:
    """The steps allowed from `status`, in the flow's order (the order of STATUS_LABELS)."""
    allowed = TRANSITIONS.get(status, set())
    return [s for s in STATUS_LABELS if s in allowed]


# What linked reports become, and which response template fills their public note.
REPORT_FOLLOWS = {W.PLANNED: ReportStatus.PLANNED, W.IN_PROGRESS: ReportStatus.IN_PROGRESS,
                  W.DONE: ReportStatus.FIXED, W.REJECTED: ReportStatus.CLOSED}
TEMPLATE_FOR = {ReportStatus.PLANNED: "planned", ReportStatus.IN_PROGRESS: "in_progress",
                ReportStatus.FIXED: "fixed", ReportStatus.CLOSED: "rejected"}
del W
