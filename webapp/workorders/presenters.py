"""Plain values for the work order and task templates."""
from __future__ import annotations

from flask import abort, url_for
from flask_babel import format_date, format_datetime, ngettext
from flask_babel import gettext as _

from webapp import audit
from webapp.assets import presenters as asset_presenters
from webapp.extensions import db
from webapp.i18n import localized
from webapp.reports.presenters import category_name
from webapp.reports.status import STATUS_LABELS as REPORT_STATUS
from webapp.reports.status import Moderation
from webapp.timeutil import as_utc, local_today
from webapp.workorders import services
from webapp.workorders import status as wo_status
from webapp.workorders.models import Priority, WorkOrder


def priority_label(priority) -> str:
    return f"{localized(priority.names)} ({priority.response_days_zone}/{priority.response_days} d)"


def prefill(form, reports) -> None:
    """Suggest type, priority and title from the reports chosen (services.usual_kind, services.suggested_title)."""
    if not reports:
        return
    first = reports[0]
    form.kind.data = services.usual_kind(reports)
    form.priority.data = first.category.default_priority or "normal"
    form.title.data = services.suggested_title(reports)


def kind_fits(reports) -> str:
    """What kinds of work the chosen reports usually need, with how many each ("Cleaning (3), Graffiti removal (1)")."""
    kinds = [services.suggested_kind(r.category) for r in reports if r.category.work_kind in services.KINDS]
    # The most needed first; a tie in the order of the reports (never the set's, which changes between runs).
    return ", ".join(f"{services.KINDS[k]} ({kinds.count(k)})"
                     for k in sorted(dict.fromkeys(kinds), key=lambda k: -kinds.count(k)))


def kind_warning(kind: str | None, reports) -> str | None:
    """Said (not refused) when the type of work does not fit some reports' categories."""
    misfits = services.kind_misfits(kind, reports) if kind in services.KINDS else []
    if not misfits:
        return None
    named = ", ".join(_("%(reference)s (%(category)s: usually %(kind)s)", reference=r.reference,
                        category=category_name(r.category), kind=services.KINDS[r.category.work_kind])
                      for r in misfits[:6])
    return ngettext("%(num)d report does not fit the type of work %(kind)s: %(reports)s.",
                    "%(num)d reports do not fit the type of work %(kind)s: %(reports)s.", len(misfits),
                    kind=services.KINDS[kind], reports=named + (", …" if len(misfits) > 6 else ""))


def linked(reports) -> list[dict]:
    return [{"id": r.id, "reference": r.reference, "category": category_name(r.category),
             "description": r.description[:140], "hidden": r.hidden,
             "url": url_for("staff.report", report_id=r.id)} for r in reports]


def _row(o: WorkOrder, today) -> dict:
    return {
        "id": o.id, "number": o.number, "title": o.title, "kind": services.KINDS[o.kind],
        "priority": localized(o.priority.names), "status": wo_status.STATUS_LABELS.get(o.status, o.status),
        "status_key": o.status, "due": format_date(o.due_date, "medium"), "due_iso": o.due_date.isoformat(),
        "overdue": services.is_overdue(o, today), "in_zone": o.in_zone, "department": o.department_code,
        "reports": len(o.reports), "assignee": o.assignee.name if o.assignee else None,
        "url": url_for("workorders.show", order_id=o.id), "task_url": url_for("workorders.task", order_id=o.id),
    }


def rows(orders) -> list[dict]:
    today = local_today()
    return [_row(o, today) for o in orders]


def tasks(orders, lat, lon) -> list[dict]:
    today = local_today()
    result = []
    for o in orders:
        row = _row(o, today)
        row["distance_m"] = services.distance_m(o, lat, lon)
        row["places"] = ", ".join(dict.fromkeys(r.location_text or (r.district.name if r.district else "")
                                                for r in o.reports if r.location_text or r.district))
        row["lat"], row["lon"] = o.lat, o.lon
        result.append(row)
    return result


def _event_value(name: str, value):
    """A work order's audit value in words: its statuses and type by their labels."""
    if name in ("from", "to") and value in wo_status.STATUS_LABELS:
        return wo_status.STATUS_LABELS[value]
    if name == "kind" and value in services.KINDS:
        return services.KINDS[value]
    if name == "priority" and isinstance(value, str):
        priority = db.session.get(Priority, value)
        return localized(priority.names) if priority else value
    return value


def csv_rows(orders) -> tuple[list[str], list[list]]:
    """The crew's day list as a spreadsheet: headers and values in the reader's language, labels not keys."""
    today = local_today()
    headers = [_("Number"), _("Title"), _("Type"), _("Priority"), _("Status"), _("Due"), _("Overdue"),
               _("Latitude"), _("Longitude"), _("Reports"), _("Instructions")]
    rows = [[o.number, o.title, str(services.KINDS[o.kind]), localized(o.priority.names),
             wo_status.STATUS_LABELS.get(o.status, o.status), o.due_date.isoformat(),
             _("yes") if services.is_overdue(o, today) else _("no"), o.lat or "", o.lon or "",
             " ".join(r.reference for r in o.reports), o.instructions] for o in orders]
    return headers, rows


def today_label() -> str:
    return format_date(local_today(), "full")


def detail(o: WorkOrder) -> dict:
    row = _row(o, local_today())
    row.update({
        "instructions": o.instructions, "completion_note": o.completion_note, "rejection_reason": o.rejection_reason,
        "created_by": o.created_by, "version": o.version, "lat": o.lat, "lon": o.lon,
        "created": format_datetime(as_utc(o.created_at), "short"),
        "linked": [{"id": r.id, "reference": r.reference, "category": category_name(r.category),
                    "description": r.description, "status": REPORT_STATUS.get(r.status, r.status),
                    "place": ", ".join(p for p in [r.location_text, r.district.name if r.district else ""] if p),
                    "lat": r.lat, "lon": r.lon, "url": url_for("staff.report", report_id=r.id),
                    "asset": asset_presenters.report_asset(r),
                    "photos": [url_for("staff.photo_file", photo_id=p.id, size="display")
                               for p in r.photos if p.moderation != Moderation.REJECTED]}
                   for r in o.reports],
        "after_photos": [url_for("reports.photo", stem=p.stem, size="display") for p in o.after_photos],
        "events": audit.history("work_order", o.id, _event_value),
        "open": o.status in wo_status.OPEN_STATUSES,
        "kind_warning": kind_warning(o.kind, o.reports) if o.status in wo_status.OPEN_STATUSES else None,
    })
    return row


def check_task_access(order: WorkOrder, user) -> None:
    """A crew member sees their department's jobs of their kinds of work that are free or theirs."""
    if not services.may_work_on(order, user):
        abort(403)
