"""Triage rules: finding reports, and every change staff make to one (each recorded with who did it)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select

from webapp import audit
from webapp.assets.models import Asset, ReportAsset
from webapp.auth.roles import Role, allowed
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.reports import public
from webapp.reports.models import Category, Photo, Report
from webapp.reports.status import OPEN_STATUSES, Moderation, Source
from webapp.staff.models import VIEW_SCOPES, SavedView
from webapp.timeutil import check_period, day_ends_utc, day_starts_utc
from webapp.workorders import services as workorders

SORTS = {
    "newest": (Report.created_at.desc(), Report.id.desc()),
    "oldest": (Report.created_at.asc(), Report.id.asc()),
    "support": (Report.support_count.desc(), Report.created_at.desc()),
}


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
    asset: str | None = None  # an asset's external id: the reports that name it
    include_hidden: bool = True
    sort: str = "newest"


def _conditions(f: ReportFilter) -> list:
    check_period(f.date_from, f.date_to)
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
        conditions.append(Report.created_at >= day_starts_utc(f.date_from))  # Stockholm's calendar days
    if f.date_to:
        conditions.append(Report.created_at < day_ends_utc(f.date_to))
    if f.has_photo:
        conditions.append(exists().where(Photo.report_id == Report.id))
    if f.text:
        like = f"%{f.text.strip()}%"
        conditions.append(or_(Report.reference.ilike(like), Report.description.ilike(like),
                              Report.location_text.ilike(like)))
    if f.asset:
        conditions.append(exists().where(ReportAsset.report_id == Report.id, ReportAsset.asset_id == Asset.id,
                                         Asset.external_id == f.asset))
    if not f.include_hidden:
        conditions.append(Report.hidden.is_(False))
    return conditions


# Where a report filed by staff may say it came from, by the filer's role: police, contractors and cleaning staff
# file what they saw; crews what they found; the case officers what was phoned or handed in, or passed on.
SOURCES_FOR = {
    Role.FIELD_REPORTER: [Source.POLICE, Source.CONTRACTOR, Source.CLEANING],
    Role.CREW: [Source.CLEANING, Source.FIELD],
}
CASE_OFFICE_SOURCES = [Source.PHONE, Source.VISIT, Source.POLICE, Source.CONTRACTOR, Source.CLEANING]


def sources_for(role: str) -> list[str]:
    return SOURCES_FOR.get(role, CASE_OFFICE_SOURCES)


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


def photo_visible_to(photo: Photo, user) -> bool:
    """Whether a staff member may see a photo's files. Published photos: everyone on staff. The others
    (pending, rejected, or of a hidden report): those who moderate; otherwise only pending photos of the
    reports one filed oneself (field reporters), of reports in the work orders one may work on (crews), or of
    posts imported from Instagram (communications, who place them; webapp/campaigns/presenters.py queue_photo).
    The roles for each part are in the permission table (webapp/auth/roles.py)."""
    if allowed(user.role, "moderate_photos") or public.is_published(photo):
        return True
    if photo.moderation != Moderation.PENDING or photo.report is None:
        return False
    if allowed(user.role, "photos_of_imported_posts") and photo.report.import_key is not None:
        return True
    if allowed(user.role, "photos_of_own_reports") and photo.report.filed_by \
            and photo.report.filed_by.lower() == (user.email or "").lower():
        return True
    return allowed(user.role, "photos_of_own_tasks") and workorders.in_tasks_of(photo.report, user)


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


def save_view(owner, *, name: str, query: str, scope: str, actor: str) -> SavedView:
    """Keep an inbox filter under a name, for its owner alone or shared with their department or all staff.
    The query must already be the inbox's own (validated at the edge); a name is needed, and a person keeps at
    most MAX_VIEWS_PER_USER views so that the inbox's counts stay cheap."""
    name = (name or "").strip()
    if not name:
        raise InputRefused("name", _l("Give the view a name."))
    if len(name) > 80:
        raise InputRefused("name", _l("The name can be at most %(max)d characters.", max=80))
    if scope not in VIEW_SCOPES:
        raise InputRefused("scope", _l("Unknown decision."))
    if scope == "department" and not owner.department_code:
        raise InputRefused("scope", _l("You belong to no department; share the view with all staff instead."))
    if not query or len(query) > 2000:
        raise InputRefused("query", _l("Choose a filter to save first."))
    owned = db.session.execute(select(func.count(SavedView.id)).where(SavedView.owner_id == owner.id)).scalar_one()
    if owned >= MAX_VIEWS_PER_USER:
        raise InputRefused("name", _l("You have %(max)d saved views; delete one first.", max=MAX_VIEWS_PER_USER))
    view = SavedView(name=name, query=query, owner_id=owner.id, scope=scope,
                     department_code=owner.department_code if scope == "department" else None)
    db.session.add(view)
    db.session.flush()
    audit.record("saved_view", view.id, "created", actor, name=name, scope=scope, query=query)
    db.session.flush()
    return view


def may_delete_view(view: SavedView, user) -> bool:
    """Its owner may delete a view; an administrator may delete any shared view too (one that no longer works,
    or should not be shared, must not stay on everyone's inbox until its owner comes back)."""
    return view.owner_id == user.id or (view.scope != "personal" and allowed(user.role, "admin"))


def delete_view(view: SavedView, user, actor: str) -> None:
    """Delete a saved view; its owner or, for a shared view, an administrator (a shared view disappears for
    everyone it was shared with)."""
    if not may_delete_view(view, user):
        raise InputRefused("view", _l("Only the person who saved a view can delete it."))
    audit.record("saved_view", view.id, "deleted", actor, name=view.name)
    db.session.delete(view)
    db.session.flush()
