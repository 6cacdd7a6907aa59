"""Triage rules: finding reports, and every change staff make to one (each recorded with who did it)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import exists, func, or_, select, update

from webapp import audit
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.media import PhotoStore, ProcessedPhoto, encode_jpeg
from webapp.municipality import current_municipality
from webapp.reports import services as reports
from webapp.reports.models import Category, InfoRequest, Photo, Report, StatusChange
from webapp.reports.services import ReportError
from webapp.reports.status import CLOSED_STATUSES, OPEN_STATUSES, STATUS_LABELS, TRANSITIONS
from webapp.staff.models import VIEW_SCOPES, SavedView
from webapp.timeutil import utcnow

EXTERNAL_KINDS = ("trafikverket", "property_owner", "housing_company", "other_authority")
SORTS = {
    "newest": (Report.created_at.desc(), Report.id.desc()),
    "oldest": (Report.created_at.asc(), Report.id.asc()),
    "support": (Report.support_count.desc(), Report.created_at.desc()),
}


class ConflictError(ReportError):
    """Somebody else changed the record since it was loaded."""

    def __init__(self):
        super().__init__("version", _l("Someone else changed this report while you were working on it. "
                                       "Nothing was saved: reload the page to see their change, then try again."))


@dataclass
class ReportFilter:
    status: list[str] = field(default_factory=list)
    category: str | None = None
    department: str | None = None
    district: int | None = None
    zone: int | None = None
    campaign: int | None = None
    source: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    has_photo: bool = False
    text: str | None = None
    include_hidden: bool = True
    sort: str = "newest"


def _conditions(f: ReportFilter) -> list:
    conditions = []
    if f.status:
        conditions.append(Report.status.in_(f.status))
    if f.category:
        conditions.append(Category.key == f.category)
    if f.department:
        conditions.append(func.coalesce(Report.department_code, Category.department_code) == f.department)
    if f.district:
        conditions.append(Report.district_id == f.district)
    if f.zone:
        conditions.append(Report.zone_id == f.zone)
    if f.campaign:
        conditions.append(Report.campaign_id == f.campaign)
    if f.source:
        conditions.append(Report.source == f.source)
    if f.date_from:
        conditions.append(Report.created_at >= datetime.combine(f.date_from, time.min, tzinfo=timezone.utc))
    if f.date_to:
        conditions.append(Report.created_at < datetime.combine(f.date_to + timedelta(days=1), time.min,
                                                               tzinfo=timezone.utc))
    if f.has_photo:
        conditions.append(exists().where(Photo.report_id == Report.id))
    if f.text:
        like = f"%{f.text.strip()}%"
        conditions.append(or_(Report.reference.ilike(like), Report.description.ilike(like),
                              Report.location_text.ilike(like)))
    if not f.include_hidden:
        conditions.append(Report.hidden.is_(False))
    return conditions


def search_reports(f: ReportFilter, page: int = 1, per_page: int = 50) -> tuple[list[Report], int]:
    """One page of reports matching the filter, and the number of all matches."""
    conditions = _conditions(f)
    base = select(Report).join(Category, Category.id == Report.category_id).where(*conditions)
    total = db.session.execute(
        select(func.count(Report.id)).join(Category, Category.id == Report.category_id).where(*conditions)
    ).scalar_one()
    rows = db.session.execute(base.order_by(*SORTS.get(f.sort, SORTS["newest"]))
                              .offset((max(page, 1) - 1) * per_page).limit(per_page)).scalars().all()
    return list(rows), total


def count_reports(f: ReportFilter) -> int:
    """The number of reports matching the filter: one COUNT query (the inbox's views show one each)."""
    return db.session.execute(select(func.count(Report.id)).join(Category, Category.id == Report.category_id)
                              .where(*_conditions(f))).scalar_one()


# Where the inbox starts: the reports still to be handled, of one's own department.
START_STATUSES = OPEN_STATUSES


def start_department(department_code: str | None) -> str | None:
    """The department a staff member's inbox starts on: their own when reports go to it (it handles a category
    or a report), otherwise None, meaning every department (an admin, or the communications unit)."""
    if not department_code:
        return None
    handles = db.session.execute(select(or_(exists().where(Category.department_code == department_code),
                                            exists().where(Report.department_code == department_code)))).scalar()
    return department_code if handles else None


def map_points(f: ReportFilter, limit: int = 2000) -> list[tuple]:
    """Positions of the matching reports for the inbox map (newest first, capped)."""
    return db.session.execute(
        select(Report.id, Report.reference, Report.lat, Report.lon, Report.status, Category.key)
        .join(Category, Category.id == Report.category_id)
        .where(*_conditions(f), Report.lat.is_not(None))
        .order_by(Report.created_at.desc()).limit(limit)).all()


def _claim(report: Report, expected_version: int | None) -> None:
    """Bump the version in the database only if nobody changed the report since it was loaded."""
    current = report.version
    if expected_version is not None and expected_version != current:
        raise ConflictError()
    result = db.session.execute(update(Report).where(Report.id == report.id, Report.version == current)
                                .values(version=current + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise ConflictError()
    report.version = current + 1
    report.updated_at = utcnow()


def edit_report(report: Report, actor: str, expected_version: int | None, reason: str,
                category_key: str | None = None, lat: float | None = None, lon: float | None = None) -> None:
    """Change category and/or position, with a reason, keeping district and zone right."""
    if not (reason or "").strip():
        raise ReportError("reason", _l("Say why you change the report."))
    changes = {}
    if category_key and category_key != report.category.key:
        category = reports.category_by_key(category_key)
        if category is None:
            raise ReportError("category", _l("Choose what you want to report."))
        changes["category"] = [report.category.key, category.key]
    if lat is not None and lon is not None and (lat, lon) != (report.lat, report.lon):
        if not (math.isfinite(lat) and math.isfinite(lon)) or not geo.is_in_kommun(lon, lat):
            raise ReportError("position", _l("That place is outside %(name)s kommun. "
                                             "We can only take reports about places in %(name)s.",
                                             name=current_municipality().name))
        changes["position"] = [[report.lat, report.lon], [lat, lon]]
    if not changes:
        return
    _claim(report, expected_version)
    if "category" in changes:
        report.category = category
        if category.kind != "safety":
            report.time_of_day = report.safety_rating = None
    if "position" in changes:
        report.lat, report.lon = lat, lon
        district = geo.district_locator().locate(lon, lat)
        zone = geo.zone_locator().locate(lon, lat)
        report.district_id = district.id if district else None
        report.zone_id = zone.id if zone else None
    audit.record("report", report.id, "edited", actor, reason=reason.strip(), **changes)
    db.session.commit()


def set_hidden(report: Report, hidden: bool, actor: str, expected_version: int | None, reason: str = "") -> None:
    """Hide a report from the public (e.g. personal data in it), or show it again. Hiding needs a reason."""
    if hidden and not (reason or "").strip():
        raise ReportError("reason", _l("Say why the report is hidden."))
    _claim(report, expected_version)
    report.hidden = hidden
    report.hidden_reason = reason.strip() if hidden else ""
    audit.record("report", report.id, "hidden" if hidden else "shown", actor, reason=reason.strip())
    db.session.commit()


def moderate_photo(photo: Photo, decision: str, actor: str) -> None:
    if decision not in ("approved", "rejected", "pending"):
        raise ReportError("decision", _l("Unknown decision."))
    previous = photo.moderation
    photo.moderation = decision
    audit.record("report", photo.report_id, "photo_" + decision, actor, photo=photo.id, previous=previous)
    db.session.commit()


@dataclass
class Box:
    """A rectangle as fractions (0–1) of the photo's width and height."""
    x: float
    y: float
    w: float
    h: float

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        values = [self.x, self.y, self.w, self.h]
        if not all(math.isfinite(v) for v in values) or self.w <= 0 or self.h <= 0:
            raise ReportError("box", _l("Mark the area to cover by dragging over the photo."))
        left = max(0, min(width, round(self.x * width)))
        top = max(0, min(height, round(self.y * height)))
        right = max(left + 1, min(width, round((self.x + self.w) * width)))
        bottom = max(top + 1, min(height, round((self.y + self.h) * height)))
        return left, top, right, bottom


def photo_visible_to(photo: Photo, user) -> bool:
    """Whether a staff member may see a photo's files. Published photos: everyone on staff. The others
    (pending, rejected, or of a hidden report): those who moderate; otherwise only pending photos of the
    reports one filed oneself (field reporters) or of reports in the work orders one may work on (crews).
    The roles for each part are in the permission table (webapp/auth/roles.py)."""
    from webapp.auth.roles import allowed
    from webapp.workorders import services as workorders

    if allowed(user.role, "moderate_photos") or reports.is_published(photo):
        return True
    if photo.moderation != "pending" or photo.report is None:
        return False
    if allowed(user.role, "photos_of_own_reports") and photo.report.filed_by \
            and photo.report.filed_by.lower() == (user.email or "").lower():
        return True
    return allowed(user.role, "photos_of_own_tasks") and workorders.in_tasks_of(photo.report, user)


def redact_photo(photo: Photo, boxes: list[Box], mode: str, actor: str, store: PhotoStore) -> None:
    """Blur or black out areas (faces, licence plates). New files replace the old ones, which are deleted:
    no unredacted copy remains."""
    if not boxes:
        raise ReportError("box", _l("Mark the area to cover by dragging over the photo."))
    if mode not in ("blur", "black"):
        raise ReportError("mode", _l("Unknown decision."))
    with Image.open(store.path(photo.stem)) as source:
        image = source.convert("RGB")
    for box in boxes:
        area = box.pixels(image.width, image.height)
        if mode == "black":
            ImageDraw.Draw(image).rectangle(area, fill=(0, 0, 0))
        else:
            region = image.crop(area)
            # Pixelate, then blur: a plain blur of a small face can still be recognised.
            small = region.resize((max(1, region.width // 16), max(1, region.height // 16)), Image.Resampling.BILINEAR)
            region = small.resize(region.size, Image.Resampling.NEAREST).filter(ImageFilter.GaussianBlur(8))
            image.paste(region, area[:2])
    processed = ProcessedPhoto(display=encode_jpeg(image, max(image.size)), thumbnail=encode_jpeg(image, 400),
                               width=image.width, height=image.height, gps=None)
    old_stem, new_stem = photo.stem, store.new_stem()
    store.save(new_stem, processed)
    try:
        photo.stem = new_stem
        audit.record("report", photo.report_id, "photo_redacted", actor, photo=photo.id, mode=mode,
                     boxes=len(boxes))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        store.discard(new_stem)
        raise
    store.discard(old_stem)


def merge_reports(duplicate: Report, target: Report, actor: str, expected_version: int | None = None) -> None:
    """Merge a duplicate into another report: supporters add up (the duplicate's reporter counts as one),
    the duplicate is closed as merged, and its tracking link keeps working and points to the target."""
    if duplicate.id == target.id:
        raise ReportError("target", _l("A report cannot be merged with itself."))
    if target.merged_into_id is not None or target.status == "duplicate":
        raise ReportError("target", _l("That report has itself been merged; merge into the report it went to."))
    if duplicate.status == "duplicate":
        raise ReportError("target", _l("This report has already been merged."))
    # Claim both in the order of their ids: two officers merging A into B and B into A at the same moment
    # then wait for each other instead of deadlocking, and the second finds the first one's change.
    for report in sorted((duplicate, target), key=lambda r: r.id):
        _claim(report, expected_version if report is duplicate else None)
    target.support_count = target.support_count + duplicate.support_count + 1
    duplicate.merged_into_id = target.id
    note = str(_l("Merged with report %(reference)s, which is handled instead.", reference=target.reference))
    db.session.add(StatusChange(report=duplicate, from_status=duplicate.status, to_status="duplicate",
                                actor=actor, public_note=note))
    duplicate.status = "duplicate"
    audit.record("report", duplicate.id, "merged_into", actor, target=target.reference)
    audit.record("report", target.id, "merged_from", actor, duplicate=duplicate.reference)
    db.session.commit()


def assign_report(report: Report, actor: str, expected_version: int | None, department: str | None = None,
                  external_kind: str | None = None, external_name: str = "", external_contact: str = "",
                  public_note: str = "") -> None:
    """Give the report to a department, or refer it to someone outside the city with a public explanation."""
    if external_kind:
        if external_kind not in EXTERNAL_KINDS:
            raise ReportError("external_kind", _l("Unknown decision."))
        if not public_note.strip():
            raise ReportError("public_note", _l("Explain to the resident who is responsible instead."))
        _claim(report, expected_version)
        report.external_kind = external_kind
        report.external_name = external_name.strip() or None
        report.external_contact = external_contact.strip() or None
        if external_kind == "property_owner" and external_name.strip():
            from webapp.campaigns.services import save_owner

            report.property_owner_id = save_owner(external_name, external_contact, "", actor).id
        audit.record("report", report.id, "referred", actor, to=external_kind, name=external_name.strip())
        db.session.commit()
        if report.status != "referred":
            reports.change_status(report, "referred", actor, public_note=public_note.strip())
        return
    if not department:
        raise ReportError("department", _l("Choose a department or an outside party."))
    _claim(report, expected_version)
    previous = report.department_code
    report.department_code = department
    report.external_kind = report.external_name = report.external_contact = None
    audit.record("report", report.id, "assigned", actor, department=[previous, department])
    db.session.commit()


def next_statuses(report: Report) -> list[str]:
    """The statuses staff may move a report to, in the order of the flow (webapp/reports/status.py); merging into
    another report (duplicate) is an action of its own."""
    allowed = TRANSITIONS.get(report.status, set())
    return [status for status in STATUS_LABELS if status in allowed and status != "duplicate"]


def closes(status: str) -> bool:
    """Whether moving to this status ends the case for the resident (fixed, closed, referred elsewhere)."""
    return status in CLOSED_STATUSES


def set_status(report: Report, status: str, actor: str, expected_version: int | None, public_note: str = "") -> None:
    _claim(report, expected_version)
    reports.change_status(report, status, actor, public_note=public_note.strip())


def ask_reporter(report: Report, question: str, actor: str) -> InfoRequest:
    """Ask the reporter for more information (by e-mail, and on the tracking page)."""
    if not question.strip():
        raise ReportError("question", _l("Write the question."))
    if not report.reporter_email:
        raise ReportError("question", _l("The reporter left no e-mail address, so the question would not reach them."))
    info = InfoRequest(report_id=report.id, question=question.strip(), asked_by=actor)
    db.session.add(info)
    audit.record("report", report.id, "question_asked", actor)
    db.session.commit()
    return info


def open_info_request(report: Report) -> InfoRequest | None:
    return db.session.execute(select(InfoRequest).where(InfoRequest.report_id == report.id,
                                                        InfoRequest.answer.is_(None))
                              .order_by(InfoRequest.id.desc()).limit(1)).scalar_one_or_none()


def answer_info_request(info: InfoRequest, answer: str) -> None:
    if not answer.strip():
        raise ReportError("answer", _l("Write your answer."))
    if len(answer) > 2000:
        raise ReportError("answer", _l("The description can be at most %(max)d characters.", max=2000))
    info.answer = answer.strip()
    info.answered_at = utcnow()
    audit.record("report", info.report_id, "question_answered", "reporter")
    db.session.commit()


def info_requests(report: Report) -> list[InfoRequest]:
    return list(db.session.execute(select(InfoRequest).where(InfoRequest.report_id == report.id)
                                   .order_by(InfoRequest.id)).scalars())


def open_reports_nearby(report: Report, radius_m: float = 100) -> list[tuple[Report, float]]:
    if report.lat is None:
        return []
    return reports.nearby_open_reports(report.lat, report.lon, None, radius_m=radius_m, limit=10,
                                       exclude_id=report.id)


# Saved views of the inbox

MAX_VIEWS_PER_USER = 20  # each view costs one COUNT on every inbox page


def views_for(user) -> list[SavedView]:
    """The saved views a staff member sees: their own, those shared with all staff, and those shared with their
    department; by name."""
    visible = (SavedView.owner_id == user.id) | (SavedView.scope == "all")
    if user.department_code:
        visible = visible | ((SavedView.scope == "department") & (SavedView.department_code == user.department_code))
    return list(db.session.execute(select(SavedView).where(visible)
                                   .order_by(func.lower(SavedView.name), SavedView.id)).scalars())


def save_view(owner, name: str, query: str, scope: str, actor: str) -> SavedView:
    """Keep an inbox filter under a name, for its owner alone or shared with their department or all staff.
    The query must already be the inbox's own (validated at the edge); a name is needed, and a person keeps at
    most MAX_VIEWS_PER_USER views so that the inbox's counts stay cheap."""
    name = (name or "").strip()
    if not name:
        raise ReportError("name", _l("Give the view a name."))
    if len(name) > 80:
        raise ReportError("name", _l("The name can be at most %(max)d characters.", max=80))
    if scope not in VIEW_SCOPES:
        raise ReportError("scope", _l("Unknown decision."))
    if scope == "department" and not owner.department_code:
        raise ReportError("scope", _l("You belong to no department; share the view with all staff instead."))
    if not query or len(query) > 2000:
        raise ReportError("query", _l("Choose a filter to save first."))
    owned = db.session.execute(select(func.count(SavedView.id)).where(SavedView.owner_id == owner.id)).scalar_one()
    if owned >= MAX_VIEWS_PER_USER:
        raise ReportError("name", _l("You have %(max)d saved views; delete one first.", max=MAX_VIEWS_PER_USER))
    view = SavedView(name=name, query=query, owner_id=owner.id, scope=scope,
                     department_code=owner.department_code if scope == "department" else None)
    db.session.add(view)
    db.session.flush()
    audit.record("saved_view", view.id, "created", actor, name=name, scope=scope, query=query)
    db.session.commit()
    return view


def delete_view(view: SavedView, user, actor: str) -> None:
    """Delete a saved view; only its owner may (a shared view disappears for everyone it was shared with)."""
    if view.owner_id != user.id:
        raise ReportError("view", _l("Only the person who saved a view can delete it."))
    audit.record("saved_view", view.id, "deleted", actor, name=view.name)
    db.session.delete(view)
    db.session.commit()
