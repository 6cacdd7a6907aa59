"""Work orders: made from reports, moved through their flow, completed by crews. Reports follow along."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, or_, select

from webapp import audit, unitofwork
from webapp.auth import services as accounts
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.i18n import localized
from webapp.media import PhotoSettings
from webapp.municipality import current_municipality
from webapp.reports import intake, lifecycle
from webapp.reports.models import WORK_KINDS, Photo, Report
from webapp.reports.status import Moderation, ReportStatus, can_change
from webapp.timeutil import local_today, utcnow
from webapp.workorders.models import Priority, ResponseTemplate, WorkOrder, WorkOrderReport
from webapp.workorders.status import OPEN_STATUSES, REPORT_FOLLOWS, TEMPLATE_FOR, TRANSITIONS, WorkOrderStatus

# The kinds of work; which department carries each out is the municipality's (work_kind_departments).
KINDS = {
    "cleaning": _l("Cleaning"),
    "graffiti": _l("Graffiti removal"),
    "maintenance": _l("Maintenance"),
    "light_repair": _l("Lighting – repair"),
    "light_new": _l("Lighting – new"),
}
assert tuple(KINDS) == WORK_KINDS


def suggested_kind(category) -> str:
    """The kind of work a report in this category usually needs: the category's (data), else maintenance."""
    return category.work_kind if category.work_kind in KINDS else "maintenance"


def usual_kind(reports: list[Report]) -> str:
    """The kind of work most of these reports usually need (ties: the first report's)."""
    kinds = [suggested_kind(r.category) for r in reports]
    return max(dict.fromkeys(kinds), key=kinds.count) if kinds else "maintenance"


def kind_misfits(kind: str, reports: list[Report]) -> list[Report]:
    """The reports whose category names another kind of work than `kind` (a category that names none fits any):
    the officer is warned, not stopped, since a crew may well take a bag of litter along with a lamp."""
    return [r for r in reports if r.category.work_kind in KINDS and r.category.work_kind != kind]


def suggested_title(reports: list[Report]) -> str:
    """A work order's title from what its reports share: one report gives its category and place; several give
    their category if they share one and their area if they share one, else how many reports in how many areas
    ("Nedskräpat, <area>", "Nedskräpat – 10 rapporter i 4 områden", "10 rapporter i 4 områden")."""
    if not reports:
        return ""
    if len(reports) == 1:
        first = reports[0]
        place = first.location_text or (first.district.name if first.district else "")
        return f"{localized(first.category.names)}{', ' + place if place else ''}"[:200]
    categories = list(dict.fromkeys(localized(r.category.names) for r in reports))
    districts = list(dict.fromkeys(r.district.name for r in reports if r.district))
    one_place = len(districts) == 1 and all(r.district for r in reports)
    if one_place:
        counted = districts[0]
    elif districts:
        counted = ngettext("%(num)d report in %(areas)d area", "%(num)d reports in %(areas)d areas", len(reports),
                           areas=len(districts))
    else:
        counted = ngettext("%(num)d report", "%(num)d reports", len(reports))
    if len(categories) == 1:
        title = f"{categories[0]}, {counted}" if one_place else f"{categories[0]} – {counted}"
    elif one_place:
        title = ngettext("%(num)d report in %(area)s", "%(num)d reports in %(area)s", len(reports), area=counted)
    else:
        title = counted
    return title[:200]


def department_for(kind: str, reports: list[Report]) -> str | None:
    """The department that carries out a kind of work: the municipality's choice for that kind, else the department
    the first report is with (its own or its category's), else the municipality's default department."""
    chosen = dict(current_municipality().work_kind_departments).get(kind)
    if chosen:
        return chosen
    for report in reports:
        code = report.department_code or report.category.department_code
        if code:
            return code
    return accounts.default_department()


class WorkOrderError(InputRefused):
    pass


class NeedsConfirmation(WorkOrderError):
    """The work order can be made, but a person must confirm something first."""


def priorities() -> list[Priority]:
    return list(db.session.execute(select(Priority).order_by(Priority.sort_order)).scalars())


def template_text(key: str, lang: str | None = None) -> str:
    template = db.session.execute(select(ResponseTemplate).where(ResponseTemplate.key == key)).scalar_one_or_none()
    if template is None:
        return ""
    return template.texts.get(lang) or template.texts.get("sv", "") if lang else localized(template.texts)


def templates() -> list[ResponseTemplate]:
    return list(db.session.execute(select(ResponseTemplate).order_by(ResponseTemplate.id)).scalars())


def update_template(template: ResponseTemplate, texts: dict, actor: str) -> None:
    cleaned = {lang: text.strip() for lang, text in texts.items() if text and text.strip()}
    if "sv" not in cleaned:
        raise WorkOrderError("sv", _l("The Swedish text is required."))
    template.texts = cleaned
    audit.record("response_template", template.id, "updated", actor)
    db.session.flush()


def due_date_for(priority: Priority, in_zone: bool, start: date) -> date:
    """The response time runs from the day the order is made; shorter in the higher-intensity zone."""
    return start + timedelta(days=priority.response_days_zone if in_zone else priority.response_days)


def is_overdue(order: WorkOrder, today: date) -> bool:
    return order.status in OPEN_STATUSES and order.due_date < today


def open_order_for(report: Report) -> WorkOrder | None:
    return db.session.execute(
        select(WorkOrder).join(WorkOrderReport, WorkOrderReport.work_order_id == WorkOrder.id)
        .where(WorkOrderReport.report_id == report.id, WorkOrder.status.in_(OPEN_STATUSES))).scalars().first()


def may_work_on(order: WorkOrder, user) -> bool:
    """A crew member works on their department's jobs of their kinds of work that are free or theirs (the same
    rule as their task list); the other roles with the task list on every job."""
    if user.role != Role.CREW:
        return True
    return db.session.execute(select(WorkOrder.id).where(WorkOrder.id == order.id, _crew_jobs(user))).first() \
        is not None


def in_tasks_of(report: Report, user) -> bool:
    """Whether the report is linked to a work order this user may work on."""
    return any(may_work_on(order, user) for order in orders_for(report))


def orders_for(report: Report) -> list[WorkOrder]:
    return list(db.session.execute(
        select(WorkOrder).join(WorkOrderReport, WorkOrderReport.work_order_id == WorkOrder.id)
        .where(WorkOrderReport.report_id == report.id).order_by(WorkOrder.id)).scalars())


def orders_by_report(report_ids: list[int]) -> dict[int, list[WorkOrder]]:
    """The work orders of several reports at once (one query, for a page of the inbox), each report's in the
    order they were made."""
    if not report_ids:
        return {}
    found: dict[int, list[WorkOrder]] = {}
    rows = db.session.execute(
        select(WorkOrderReport.report_id, WorkOrder).join(WorkOrder, WorkOrder.id == WorkOrderReport.work_order_id)
        .where(WorkOrderReport.report_id.in_(report_ids)).order_by(WorkOrder.id))
    for report_id, order in rows:
        found.setdefault(report_id, []).append(order)
    return found


def create_work_order(report_ids: list[int], *, kind: str, priority_code: str, title: str, actor: str,
                      instructions: str = "", assignee_id: int | None = None, confirm: bool = False,
                      today: date | None = None) -> WorkOrder:
    """Make one job from one or several reports. A hidden report, or one already in another open work order,
    needs `confirm=True`; merged reports cannot be linked."""
    today = today or local_today()
    if kind not in KINDS:
        raise WorkOrderError("kind", _l("Choose the type of work."))
    priority = db.session.get(Priority, priority_code or "")
    if priority is None:
        raise WorkOrderError("priority", _l("Choose a priority."))
    if not (title or "").strip():
        raise WorkOrderError("title", _l("Give the work order a short title."))
    ids = sorted(set(report_ids))
    found = list(db.session.execute(select(Report).where(Report.id.in_(ids))).scalars()) if ids else []
    if not found or len(found) != len(ids):
        raise WorkOrderError("reports", _l("Choose at least one report."))
    if any(r.status == ReportStatus.DUPLICATE for r in found):
        raise WorkOrderError("reports", _l("A merged report cannot be in a work order; use the report it was merged into."))
    positive = [r for r in found if r.category.positive]
    if positive:
        raise WorkOrderError("reports", _l("%(reference)s says a place feels good; it is not a job for a crew.",
                                           reference=positive[0].reference))
    warnings = []
    for report in found:
        if report.hidden:
            warnings.append(str(_l("%(reference)s is hidden from the public.", reference=report.reference)))
        other = open_order_for(report)
        if other is not None:
            warnings.append(str(_l("%(reference)s is already in open work order %(number)s.",
                                   reference=report.reference, number=other.number)))
    if warnings and not confirm:
        raise NeedsConfirmation("confirm", " ".join(warnings))
    in_zone = any(r.zone_id is not None for r in found)
    placed = [r for r in found if r.lat is not None]
    order = WorkOrder(
        kind=kind, department_code=department_for(kind, found), priority_code=priority.code, title=title.strip(),
        instructions=(instructions or "").strip(), status=WorkOrderStatus.NEW, in_zone=in_zone,
        due_date=due_date_for(priority, in_zone, today), created_by=actor, assignee_id=assignee_id,
        lat=sum(r.lat for r in placed) / len(placed) if placed else None,
        lon=sum(r.lon for r in placed) / len(placed) if placed else None,
    )
    db.session.add(order)
    db.session.flush()
    order.number = f"AO-{today.year}-{order.id:05d}"
    for report in found:
        db.session.add(WorkOrderReport(work_order_id=order.id, report_id=report.id))
    audit.record("work_order", order.id, "created", actor, reports=[r.reference for r in found],
                 priority=priority.code, due=order.due_date.isoformat(), confirmed=bool(warnings))
    db.session.flush()
    _reports_follow(order, ReportStatus.PLANNED, actor)
    return order


def _reports_follow(order: WorkOrder, report_status: str, actor: str) -> list[Report]:
    """Move the linked reports along where their own flow allows; returns the ones that moved."""
    moved = []
    for report in order.reports:
        if report.status == report_status or not can_change(report.status, report_status):
            continue
        note = template_text(TEMPLATE_FOR.get(report_status, ""), report.locale) or order.public_note
        lifecycle.change_status(report, report_status, actor, public_note=note)
        moved.append(report)
    return moved


def change_status(order: WorkOrder, to_status: str, actor: str, *, expected_version: int | None = None,
                  note: str = "", reason: str = "",
                  bump_version: bool = True) -> WorkOrder:
    """Move a work order through its flow; refused steps raise. Linked reports follow; when the work is done,
    residents who left an e-mail hear about it."""
    if to_status not in TRANSITIONS.get(order.status, set()):
        raise WorkOrderError("status", _l("A work order cannot go from this status to that one."))
    if to_status == WorkOrderStatus.REJECTED and not (reason or "").strip():
        raise WorkOrderError("reason", _l("Say why the work order is rejected."))
    if expected_version is not None and expected_version != order.version:
        raise WorkOrderError("version", _l("Someone else changed this work order while you were working on it. "
                                           "Nothing was saved: reload the page and try again."))
    previous = order.status
    order.status = to_status
    if bump_version:
        order.version += 1
    order.updated_at = utcnow()
    if to_status == WorkOrderStatus.IN_PROGRESS and order.started_at is None:
        order.started_at = order.updated_at
    if to_status == WorkOrderStatus.DONE:
        order.completed_at = order.updated_at
        order.completion_note = (note or "").strip() or order.completion_note
    if to_status == WorkOrderStatus.REJECTED:
        order.rejection_reason = reason.strip()
    audit.record("work_order", order.id, "status", actor, **{"from": previous, "to": to_status},
                 note=(note or reason or "").strip())
    db.session.flush()
    follow = REPORT_FOLLOWS.get(to_status)
    if follow:
        # The reports follow; their reporters and followers are told by the reports' own status change.
        _reports_follow(order, follow, actor)
    return order


new_tracking_token = intake.new_tracking_token  # staff questions use it too


def start(order: WorkOrder, actor: str, expected_version: int | None = None) -> WorkOrder:
    """The crew's "start". Pressing it again, or a press kept on a phone offline and sent late, changes nothing
    once the job is under way or done (it never reopens a finished job)."""
    if order.status in (WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.DONE, WorkOrderStatus.VERIFIED):
        return order
    # Starting does not make a crew's open "done" form out of date (one made before the start, perhaps offline):
    # the version stays.
    return change_status(order, WorkOrderStatus.IN_PROGRESS, actor, expected_version=expected_version, bump_version=False)


def complete(order: WorkOrder, *, actor: str, note: str, photo: bytes | None, settings: PhotoSettings,
             expected_version: int | None = None, idempotency_key: str | None = None) -> WorkOrder:
    """The crew's "done": a note and an after-photo (the same pipeline, no EXIF kept). A completion sent again
    with the same key (queued offline, the first answer lost) is taken as already done."""
    key_hash = None
    if idempotency_key:
        if not intake.IDEMPOTENCY_KEY_RE.match(idempotency_key):
            raise WorkOrderError("note", _l("The form was changed on the way. Reload the page and try again."))
        key_hash = intake.hash_token(idempotency_key)
        if order.completion_key_hash == key_hash:
            return order
    if not (note or "").strip():
        raise WorkOrderError("note", _l("Write what was done."))
    if not photo:
        raise WorkOrderError("photo", _l("Take or attach a photo of the place after the work."))
    if order.status not in OPEN_STATUSES:
        raise WorkOrderError("status", _l("A work order cannot go from this status to that one."))
    processed = intake.prepare_photos([photo], settings)[0]
    stem = settings.store.new_stem()
    settings.store.save(stem, processed)
    try:
        with db.session.begin_nested():  # all or nothing, also when the caller goes on after a refusal
            db.session.add(Photo(work_order_id=order.id, kind="after", stem=stem, width=processed.width,
                                 height=processed.height, moderation=Moderation.APPROVED))
            if order.status in (WorkOrderStatus.NEW, WorkOrderStatus.PLANNED):
                order.status = WorkOrderStatus.IN_PROGRESS
                order.started_at = order.started_at or utcnow()
            order.completion_key_hash = key_hash
            db.session.flush()
            done = change_status(order, WorkOrderStatus.DONE, actor, expected_version=expected_version, note=note)
    except BaseException:
        settings.store.discard(stem)
        raise
    unitofwork.on_rollback(lambda: settings.store.discard(stem))  # the file stays only with its row
    return done


def list_orders(status: str | None = None, department: str | None = None, overdue_only: bool = False,
                today: date | None = None) -> list[WorkOrder]:
    today = today or local_today()
    query = select(WorkOrder)
    if status == "open":
        query = query.where(WorkOrder.status.in_(OPEN_STATUSES))
    elif status:
        query = query.where(WorkOrder.status == status)
    if department:
        query = query.where(WorkOrder.department_code == department)
    if overdue_only:
        query = query.where(WorkOrder.status.in_(OPEN_STATUSES), WorkOrder.due_date < today)
    return list(db.session.execute(query.order_by(WorkOrder.due_date, WorkOrder.id)).scalars())


def _crew_jobs(user):
    """The condition for the jobs a crew member may see and work: their department's, of their kinds of work,
    free or assigned to them."""
    condition = [WorkOrder.department_code == (user.department_code or accounts.default_department()),
                 or_(WorkOrder.assignee_id.is_(None), WorkOrder.assignee_id == user.id)]
    if user.work_kinds:
        # A job assigned to them by name is theirs whatever its kind.
        condition[1] = or_(WorkOrder.assignee_id == user.id,
                           and_(WorkOrder.assignee_id.is_(None), WorkOrder.kind.in_(user.work_kinds)))
    return and_(*condition)


def tasks_for(user, order_by: str = "due", lat: float | None = None, lon: float | None = None) -> list[WorkOrder]:
    """A crew member's open jobs: their department's and kinds of work, unassigned or assigned to them."""
    query = select(WorkOrder).where(WorkOrder.status.in_(OPEN_STATUSES))
    if user.role == Role.CREW:
        query = query.where(_crew_jobs(user))
    orders = list(db.session.execute(query.order_by(WorkOrder.due_date, WorkOrder.id)).scalars())
    if order_by == "distance" and lat is not None and lon is not None:
        far = float("inf")
        orders.sort(key=lambda o: geo.meters_between(lon, lat, o.lon, o.lat) if o.lat is not None else far)
    return orders


def distance_m(order: WorkOrder, lat: float | None, lon: float | None) -> int | None:
    if lat is None or lon is None or order.lat is None:
        return None
    return round(geo.meters_between(lon, lat, order.lon, order.lat))


def crews() -> list:
    return list(db.session.execute(select(User).where(User.role == Role.CREW, User.active.is_(True))
                                   .order_by(User.name)).scalars())
