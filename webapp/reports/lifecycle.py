"""A report's life after it came in: triage edits, assignment and referral (with property owners),
status changes, merging duplicates and questions to the reporter. Each change records who made it, and
concurrent changes are refused (the version check)."""
from __future__ import annotations

import math
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from webapp import audit
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.municipality import current_municipality
from webapp.reports import catalogue, intake, notify
from webapp.reports.models import Follower, InfoRequest, PropertyOwner, Report, StatusChange
from webapp.reports.public import confirmed_followers
from webapp.reports.status import CLOSED_STATUSES, STATUS_LABELS, TRANSITIONS, ReportStatus, can_change
from webapp.textclean import clean_line
from webapp.timeutil import utcnow


def change_status(report: Report, to_status: str, actor: str, *, public_note: str = "",
                  when: datetime | None = None) -> StatusChange:
    """Move a report to another status if the flow allows it, and record the step."""
    if not can_change(report.status, to_status):
        raise InputRefused("status", _l("A report cannot go from this status to that one."))
    change = StatusChange(report=report, from_status=report.status, to_status=to_status, actor=actor,
                          public_note=public_note, created_at=when or utcnow())
    report.status = to_status
    report.updated_at = change.created_at
    db.session.add(change)
    db.session.flush()
    people = confirmed_followers(report)
    if report.hidden:  # a hidden report has no public page to follow: only its reporter is told (privately)
        people = [f for f in people if f.email == report.reporter_email]
    notify.followers(report, change, people)
    return change


def set_private_contact(report: Report, name: str | None, phone: str | None, actor: str) -> None:
    """The caller's name and phone, for reports taken by phone or at a visit. Never public."""
    report.reporter_name = clean_line(name or "").strip() or None
    report.reporter_phone = clean_line(phone or "").strip() or None
    report.filed_by = actor
    db.session.flush()


EXTERNAL_KINDS = ("trafikverket", "property_owner", "housing_company", "other_authority")


class ConflictError(InputRefused):
    """Somebody else changed the record since it was loaded."""

    def __init__(self):
        super().__init__("version", _l("Someone else changed this report while you were working on it. "
                                       "Nothing was saved: reload the page to see their change, then try again."))


def claim(report: Report, expected_version: int | None) -> None:
    """Bump the version in the database only if nobody changed the report since it was loaded."""
    current = report.version
    if expected_version is not None and expected_version != current:
        raise ConflictError()
    result = db.session.execute(update(Report).where(Report.id == report.id, Report.version == current)
                                .values(version=current + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # nothing written: the caller's transaction is rolled back with the refusal
        raise ConflictError()
    report.version = current + 1
    report.updated_at = utcnow()


def edit_report(report: Report, *, actor: str, expected_version: int | None, reason: str,
                category_key: str | None = None, lat: float | None = None, lon: float | None = None) -> None:
    """Change category and/or position, with a reason, keeping district and zone right."""
    if not (reason or "").strip():
        raise InputRefused("reason", _l("Say why you change the report."))
    changes = {}
    if category_key and category_key != report.category.key:
        category = catalogue.category_by_key(category_key)
        if category is None:
            raise InputRefused("category", _l("Choose what you want to report."))
        changes["category"] = [report.category.key, category.key]
    if lat is not None and lon is not None and (lat, lon) != (report.lat, report.lon):
        if not (math.isfinite(lat) and math.isfinite(lon)) or not geo.is_in_kommun(lon, lat):
            raise InputRefused("position", _l("That place is outside %(kommun)s. "
                                             "We can only take reports about places in %(name)s.",
                                             kommun=current_municipality().kommun, name=current_municipality().name))
        changes["position"] = [[report.lat, report.lon], [lat, lon]]
    if not changes:
        return
    claim(report, expected_version)
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
    db.session.flush()


def report_by_reference(reference: str) -> Report | None:
    """The report a person names by its reference (spaces and case forgiven)."""
    return db.session.execute(select(Report).where(Report.reference == (reference or "").strip().upper())
                              ).scalar_one_or_none()


def check_merge(duplicate: Report, target: Report) -> None:
    """Refuse a merge that cannot be made (into itself, into a merged report, of a merged report), before the
    officer is asked to confirm it and again when it is made."""
    if duplicate.id == target.id:
        raise InputRefused("target", _l("A report cannot be merged with itself."))
    if target.merged_into_id is not None or target.status == ReportStatus.DUPLICATE:
        raise InputRefused("target", _l("That report has itself been merged; merge into the report it went to."))
    if duplicate.status == ReportStatus.DUPLICATE:
        raise InputRefused("target", _l("This report has already been merged."))


def merge_reports(duplicate: Report, target: Report, actor: str, expected_version: int | None = None) -> None:
    """Merge a duplicate into another report: supporters add up (the duplicate's reporter counts as one),
    the duplicate is closed as merged, and its tracking link keeps working and points to the target."""
    check_merge(duplicate, target)
    # Claim both in the order of their ids: two officers merging A into B and B into A at the same moment
    # then wait for each other instead of deadlocking, and the second finds the first one's change.
    for report in sorted((duplicate, target), key=lambda r: r.id):
        claim(report, expected_version if report is duplicate else None)
    target.support_count = target.support_count + duplicate.support_count + 1
    duplicate.merged_into_id = target.id
    note = str(_l("Merged with report %(reference)s, which is handled instead.", reference=target.reference))
    change = StatusChange(report=duplicate, from_status=duplicate.status, to_status=ReportStatus.DUPLICATE,
                          actor=actor, public_note=note)
    db.session.add(change)
    duplicate.status = ReportStatus.DUPLICATE
    audit.record("report", duplicate.id, "merged_into", actor, target=target.reference)
    audit.record("report", target.id, "merged_from", actor, duplicate=duplicate.reference)
    db.session.flush()
    # Who followed the duplicate (its reporter first of all) is told of the merge, and from now on follows the
    # report that is handled instead, so that its "fixed" reaches them too (the fresh-user walk of issue 24).
    people = confirmed_followers(duplicate)
    notify.followers(duplicate, change, people)
    already = {f.email for f in confirmed_followers(target)}
    for follower in people:
        if follower.email not in already:
            db.session.add(Follower(report_id=target.id, email=follower.email, locale=follower.locale,
                                    confirmed_at=follower.confirmed_at))
    db.session.flush()


def undo_merge(duplicate: Report, *, actor: str, expected_version: int | None) -> Report:
    """Undo a merge made by mistake: the report gets back the status it had before, is handled on its own again
    (its tracking link shows it, not the other report), and the supporters it brought leave the report it was
    merged into. Both reports' logs say who undid it. Returns the report it had been merged into. Flushes; the
    caller commits."""
    target = duplicate.merged_into
    if duplicate.status != ReportStatus.DUPLICATE or target is None:
        raise InputRefused("merge", _l("This report is not merged with another report."))
    merged = db.session.execute(select(StatusChange).where(StatusChange.report_id == duplicate.id,
                                                           StatusChange.to_status == ReportStatus.DUPLICATE)
                                .order_by(StatusChange.id.desc()).limit(1)).scalar_one_or_none()
    previous = merged.from_status if merged and merged.from_status else ReportStatus.RECEIVED
    for report in sorted((duplicate, target), key=lambda r: r.id):
        claim(report, expected_version if report is duplicate else None)
    target.support_count = max(0, target.support_count - duplicate.support_count - 1)
    duplicate.merged_into_id = None
    db.session.add(StatusChange(report=duplicate, from_status=ReportStatus.DUPLICATE, to_status=previous, actor=actor,
                                public_note=str(_l("The merge with report %(reference)s was undone: this report "
                                                   "is handled on its own again.", reference=target.reference))))
    duplicate.status = previous
    audit.record("report", duplicate.id, "merge_undone", actor, target=target.reference)
    audit.record("report", target.id, "merge_undone", actor, duplicate=duplicate.reference)
    db.session.flush()
    return target


def assign_report(report: Report, *, actor: str, expected_version: int | None, department: str | None = None,
                  external_kind: str | None = None, external_name: str = "", external_contact: str = "",
                  public_note: str = "") -> None:
    """Give the report to a department, or refer it to someone outside the city with a public explanation."""
    if external_kind:
        if external_kind not in EXTERNAL_KINDS:
            raise InputRefused("external_kind", _l("Unknown decision."))
        if not public_note.strip():
            raise InputRefused("public_note", _l("Explain to the resident who is responsible instead."))
        claim(report, expected_version)
        report.external_kind = external_kind
        report.external_name = external_name.strip() or None
        report.external_contact = external_contact.strip() or None
        if external_kind == "property_owner" and external_name.strip():
            pass

            report.property_owner_id = save_owner(external_name, external_contact, "", actor).id
        audit.record("report", report.id, "referred", actor, to=external_kind, name=external_name.strip())
        db.session.flush()
        if report.status != ReportStatus.REFERRED:
            change_status(report, ReportStatus.REFERRED, actor, public_note=public_note.strip())
        return
    if not department:
        raise InputRefused("department", _l("Choose a department or an outside party."))
    claim(report, expected_version)
    previous = report.department_code
    report.department_code = department
    report.external_kind = report.external_name = report.external_contact = None
    audit.record("report", report.id, "assigned", actor, department=[previous, department])
    db.session.flush()


def next_statuses(report: Report) -> list[str]:
    """The statuses staff may move a report to, in the order of the flow (webapp/reports/status.py); merging into
    another report (duplicate) is an action of its own."""
    allowed = TRANSITIONS.get(report.status, set())
    return [status for status in STATUS_LABELS if status in allowed and status != ReportStatus.DUPLICATE]


def closes(status: str) -> bool:
    """Whether moving to this status ends the case for the resident (fixed, closed, referred elsewhere)."""
    return status in CLOSED_STATUSES


def set_status(report: Report, status: str, *, actor: str, expected_version: int | None, public_note: str = "") -> None:
    claim(report, expected_version)
    change_status(report, status, actor, public_note=public_note.strip())


def ask_reporter(report: Report, question: str, actor: str) -> InfoRequest:
    """Ask the reporter for more information (by e-mail, and on the tracking page)."""
    if not question.strip():
        raise InputRefused("question", _l("Write the question."))
    if not report.reporter_email:
        raise InputRefused("question", _l("The reporter left no e-mail address, so the question would not reach them."))
    info = InfoRequest(report_id=report.id, question=question.strip(), asked_by=actor)
    db.session.add(info)
    audit.record("report", report.id, "question_asked", actor)
    db.session.flush()
    return info


def open_info_request(report: Report) -> InfoRequest | None:
    return db.session.execute(select(InfoRequest).where(InfoRequest.report_id == report.id,
                                                        InfoRequest.answer.is_(None))
                              .order_by(InfoRequest.id.desc()).limit(1)).scalar_one_or_none()


def answer_info_request(info: InfoRequest, answer: str) -> None:
    if not answer.strip():
        raise InputRefused("answer", _l("Write your answer."))
    if len(answer) > 2000:
        raise InputRefused("answer", _l("The description can be at most %(max)d characters.", max=2000))
    info.answer = answer.strip()
    info.answered_at = utcnow()
    audit.record("report", info.report_id, "question_answered", "reporter")
    db.session.flush()


def info_requests(report: Report) -> list[InfoRequest]:
    return list(db.session.execute(select(InfoRequest).where(InfoRequest.report_id == report.id)
                                   .order_by(InfoRequest.id)).scalars())


def open_reports_nearby(report: Report, radius_m: float = 100) -> list[tuple[Report, float]]:
    if report.lat is None:
        return []
    return intake.nearby_open_reports(report.lat, report.lon, category_key=None, radius_m=radius_m, limit=10,
                                       exclude_id=report.id)


def merge_candidates(report: Report, radius_m: float = 100) -> tuple[list[tuple[Report, float]],
                                                                      list[tuple[Report, float]]]:
    """Open reports nearby that this one may duplicate, split in two: those of the same category (the likely
    duplicates, nearest first) and those of other categories (a report that a place feels safe is no duplicate of
    one that it feels unsafe, so these are offered only on request)."""
    nearby = open_reports_nearby(report, radius_m)
    same = [(r, d) for r, d in nearby if r.category_id == report.category_id]
    other = [(r, d) for r, d in nearby if r.category_id != report.category_id]
    return same, other


def save_owner(name: str, contact: str, address: str, actor: str) -> PropertyOwner:
    if not (name or "").strip():
        raise InputRefused("name", _l("Give the owner's name."))
    owner = db.session.execute(select(PropertyOwner).where(PropertyOwner.name == name.strip())).scalar_one_or_none()
    if owner is None:
        owner = PropertyOwner(name=name.strip())
        db.session.add(owner)
    # Blank fields keep what is known: triage often knows only the name.
    owner.contact = (contact or "").strip() or owner.contact or ""
    owner.address = (address or "").strip() or owner.address or ""
    db.session.flush()
    audit.record("property_owner", owner.id, "saved", actor)
    db.session.flush()
    return owner


def owners() -> list[PropertyOwner]:
    return list(db.session.execute(select(PropertyOwner).order_by(PropertyOwner.name)).scalars())


def owner_reports(owner: PropertyOwner, open_only: bool = True) -> list[Report]:
    query = select(Report).where(Report.property_owner_id == owner.id, Report.hidden.is_(False))
    if open_only:
        query = query.where(Report.status.not_in([s for s in CLOSED_STATUSES if s != ReportStatus.REFERRED]))
    return list(db.session.execute(query.order_by(Report.created_at)).scalars())
