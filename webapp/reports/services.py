"""The rules of reporting. Views, the CLI and the API all call these; none of them reads the request."""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo import spatial
from webapp.media import PhotoError, PhotoStore, ProcessedPhoto, process_photo
from webapp.municipality import current_municipality
from webapp.reports.models import (KIND_SAFETY, TIMES_OF_DAY, Category, Follower, Photo, Report, Satisfaction,
                                   StatusChange, Support, TrackingToken)
from webapp.reports.status import OPEN_STATUSES, can_change
from webapp.textclean import clean_line, clean_text
from webapp.timeutil import as_utc, utcnow

MAX_DESCRIPTION = 2000
MAX_LOCATION_TEXT = 300


class ReportError(ValueError):
    """Input a service refuses; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


@dataclass
class NewReport:
    category_key: str
    description: str = ""
    lat: float | None = None
    lon: float | None = None
    district_id: int | None = None
    location_text: str = ""
    time_of_day: str | None = None
    safety_rating: int | None = None
    email: str | None = None
    locale: str = "sv"
    source: str = "web"
    photos: list[bytes] = field(default_factory=list)
    created_at: datetime | None = None
    # Answers to the category's extra questions: {code: value}
    answers: dict = field(default_factory=dict)
    # Made by the phone (a report queued offline, or any form): sending it twice stores it once.
    idempotency_key: str | None = None


@dataclass
class PhotoSettings:
    store: PhotoStore
    max_bytes: int
    max_pixels: int
    max_count: int = 3
    display_size: int = 1600
    thumb_size: int = 400
    publish_immediately: bool = False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def token_for_key(key: str) -> str:
    """The private tracking token of a report sent with an idempotency key: derived from the key with the
    app's secret, so that a retry (the first answer lost on a bad connection) gets the same receipt while only
    the token's hash is stored."""
    from flask import current_app

    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), b"report-token:" + key.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:24]).decode().rstrip("=")


def replayed(data: NewReport) -> tuple[Report, str] | None:
    """The report this idempotency key already created, with its token; None for a new key."""
    if not data.idempotency_key:
        return None
    if not IDEMPOTENCY_KEY_RE.match(data.idempotency_key):
        raise ReportError("idempotency_key", _l("The form was changed on the way. Reload the page and try again."))
    existing = db.session.execute(select(Report).where(
        Report.idempotency_hash == hash_token(data.idempotency_key))).scalar_one_or_none()
    if existing is None:
        return None
    token = token_for_key(data.idempotency_key)
    if existing.token_hash != hash_token(token):  # the secret key was changed in between
        raise ReportError("idempotency_key", _l("This report was already received as %(reference)s.",
                                                reference=existing.reference))
    existing.was_replayed = True  # not a column: tells the caller not to send the receipt again
    return existing, token


def reference_for(report_id: int, created_at: datetime) -> str:
    return f"{current_municipality().reference_prefix}-{created_at.year}-{report_id:06d}"


def active_categories() -> list[Category]:
    return list(db.session.execute(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort_order, Category.id)
    ).scalars())


def all_category_names() -> dict[str, dict]:
    """Every category's names by key, the inactive ones too (old reports keep theirs)."""
    return dict(db.session.execute(select(Category.key, Category.names)).all())


def category_by_key(key: str) -> Category | None:
    return db.session.execute(
        select(Category).where(Category.key == key, Category.active.is_(True))
    ).scalar_one_or_none()


def report_problems(data: NewReport, category: Category | None,
                    allow_unplaced: bool = False) -> list[ReportError]:
    """Every problem with a new report at once, so the resident can fix them all in one go. An empty list means the report may be stored (photos are checked apart)."""
    problems: list[ReportError] = []
    if category is None:
        problems.append(ReportError("category", _l("Choose what you want to report.")))
    if len(data.description or "") > MAX_DESCRIPTION:
        problems.append(ReportError("description", _l("The description can be at most %(max)d characters.",
                                                      max=MAX_DESCRIPTION)))
    if len(data.location_text or "") > MAX_LOCATION_TEXT:
        problems.append(ReportError("location_text", _l("The place description can be at most %(max)d characters.",
                                                        max=MAX_LOCATION_TEXT)))
    has_point = data.lat is not None and data.lon is not None
    if (data.lat is None) != (data.lon is None):
        problems.append(ReportError("location", _l("The position is incomplete. Place the pin again.")))
    elif has_point:
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (data.lat, data.lon)):
            problems.append(ReportError("location", _l("The position is not valid.")))
        elif not geo.is_in_kommun(data.lon, data.lat):
            problems.append(ReportError("location", _l("That place is outside %(name)s kommun. "
                                                       "We can only take reports about places in %(name)s.",
                                                       name=current_municipality().name)))
    elif allow_unplaced and (data.location_text or "").strip():
        pass  # an address only (Open311, imports): staff place it on the map during triage
    elif not (data.district_id and (data.location_text or "").strip()):
        problems.append(ReportError("location", _l("Show where it is: put a pin on the map, use your position, "
                                                   "or choose an area and describe the place.")))
    if data.time_of_day is not None and data.time_of_day not in TIMES_OF_DAY:
        problems.append(ReportError("time_of_day", _l("Choose day, evening or night.")))
    if data.safety_rating is not None and not (isinstance(data.safety_rating, int) and 1 <= data.safety_rating <= 5):
        problems.append(ReportError("safety_rating", _l("Choose a number from 1 to 5.")))
    if category is not None:
        try:
            clean_answers(category, data.answers)
        except ReportError as exc:
            problems.append(exc)
    return problems


def _validate(data: NewReport, category: Category | None, allow_unplaced: bool = False) -> None:
    problems = report_problems(data, category, allow_unplaced)
    if problems:
        raise problems[0]


def clean_answers(category: Category, answers: dict | None) -> dict:
    """Check answers against the category's extra questions; unknown questions are dropped."""
    cleaned = {}
    for question in category.extra_questions or []:
        value = str((answers or {}).get(question["code"], "") or "").strip()
        if not value:
            if question.get("required"):
                raise ReportError("answers", _l("Answer the question: %(question)s",
                                                question=question["label"].get("sv", question["code"])))
            continue
        if question.get("values") and value not in {v["key"] for v in question["values"]}:
            raise ReportError("answers", _l("Choose one of the answers given."))
        if len(value) > 300:
            raise ReportError("answers", _l("The description can be at most %(max)d characters.", max=300))
        cleaned[question["code"]] = value
    return cleaned


def prepare_photos(uploads: list[bytes], settings: PhotoSettings) -> list[ProcessedPhoto]:
    """Run every upload through the pipeline before anything is stored."""
    if len(uploads) > settings.max_count:
        raise ReportError("photos", _l("You can attach at most %(n)d photos.", n=settings.max_count))
    processed = []
    for number, data in enumerate(uploads, start=1):
        try:
            processed.append(process_photo(data, max_bytes=settings.max_bytes, max_pixels=settings.max_pixels,
                                           display_size=settings.display_size, thumb_size=settings.thumb_size))
        except PhotoError as exc:
            raise ReportError("photos", _l("Photo %(n)d: %(reason)s", n=number, reason=exc.args[0])) from None
    return processed


def cleaned(data: NewReport) -> NewReport:
    """The report's text without control characters, whichever door it came through (the forms clean it
    already; the CLI, imports and the API may not): the description keeps its lines, the rest is one line."""
    return replace(data, description=clean_text(data.description or ""),
                   location_text=clean_line(data.location_text or ""), email=clean_line(data.email),
                   answers={clean_line(k): clean_line(v) for k, v in (data.answers or {}).items()})


def create_report(data: NewReport, photos: PhotoSettings, actor: str = "resident",
                  processed: list[ProcessedPhoto] | None = None,
                  districts: geo.AreaLocator | None = None,
                  zones: geo.AreaLocator | None = None, allow_unplaced: bool = False,
                  along=None) -> tuple[Report, str]:
    """Store a new report with its photos, all or nothing. Returns the report and its private token.

    Either the report, its history entry and every photo file exist afterwards, or none of them do. `along`,
    when given, is called with the report before the commit: what it changes is committed with the report or
    not at all (an import counts its rows so, and so never makes a report twice when it is killed and resumed).
    """
    data = cleaned(data)
    again = replayed(data)
    if again is not None:
        return again
    category = category_by_key(data.category_key)
    _validate(data, category, allow_unplaced)
    if processed is None:
        processed = prepare_photos(data.photos, photos)
    district_id = data.district_id
    zone_id = None
    if data.lat is not None:
        area = (districts or geo.district_locator()).locate(data.lon, data.lat)
        district_id = area.id if area else None
        zone = (zones or geo.zone_locator()).locate(data.lon, data.lat)
        zone_id = zone.id if zone else None
    elif district_id is not None:
        from webapp.geo.models import District
        if db.session.get(District, district_id) is None:
            raise ReportError("district", _l("Choose an area from the list."))

    token = token_for_key(data.idempotency_key) if data.idempotency_key else secrets.token_urlsafe(24)
    created = data.created_at or utcnow()
    report = Report(
        token_hash=hash_token(token), category=category, description=(data.description or "").strip(),
        lat=data.lat, lon=data.lon, location_text=(data.location_text or "").strip(),
        district_id=district_id, zone_id=zone_id,
        time_of_day=data.time_of_day if category.kind == KIND_SAFETY else None,
        safety_rating=data.safety_rating if category.kind == KIND_SAFETY else None,
        reporter_email=(data.email or "").strip().lower() or None, locale=data.locale, source=data.source,
        status="received", created_at=created, updated_at=created,
        answers=clean_answers(category, data.answers) or None,
        idempotency_hash=hash_token(data.idempotency_key) if data.idempotency_key else None,
    )
    written: list[str] = []
    try:
        # The files first (their names do not depend on the report), so that the database's write lock is held
        # only for the inserts: SQLite has one writer at a time, and a rush of reports queues on it.
        for item in processed:
            stem = photos.store.new_stem()
            photos.store.save(stem, item)
            written.append(stem)
        db.session.add(report)
        db.session.flush()
        report.reference = reference_for(report.id, created)
        db.session.add(StatusChange(report=report, from_status=None, to_status="received", actor=actor,
                                    created_at=created))
        moderation = "approved" if photos.publish_immediately else "pending"
        for stem, item in zip(written, processed):
            db.session.add(Photo(report=report, stem=stem, width=item.width, height=item.height,
                                 moderation=moderation, created_at=created))
        if along is not None:
            along(report)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        for stem in written:
            photos.store.discard(stem)
        # The same report sent twice at once: the other request stored it; answer as it did.
        again = replayed(data)
        if again is not None:
            return again
        raise
    except BaseException:
        db.session.rollback()
        for stem in written:
            photos.store.discard(stem)
        raise
    return report, token


def _degree_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def nearby_open_reports(lat: float, lon: float, category_key: str | None = None, radius_m: float | None = None,
                        limit: int = 5, exclude_id: int | None = None) -> list[tuple[Report, float]]:
    """Open, public reports near a point (nearest first), with their distance in metres."""
    category = category_by_key(category_key) if category_key else None
    if radius_m is None:
        radius_m = category.duplicate_radius_m if category else 50
    min_lon, min_lat, max_lon, max_lat = _degree_box(lat, lon, radius_m)
    query = select(Report).where(
        Report.lon.between(min_lon, max_lon), Report.lat.between(min_lat, max_lat),
        Report.status.in_(OPEN_STATUSES), Report.hidden.is_(False),
    )
    if category is not None:
        query = query.where(Report.category_id == category.id)
    if exclude_id is not None:
        query = query.where(Report.id != exclude_id)
    found = []
    for report in db.session.execute(query.limit(200)).scalars():
        distance = geo.meters_between(lon, lat, report.lon, report.lat)
        if distance <= radius_m:
            found.append((report, distance))
    found.sort(key=lambda pair: pair[1])
    return found[:limit]


# How many supporters one client address may add to one report per day (UTC): requests without the session
# cookie each look like a new browser, so the browser alone cannot be what is counted.
SUPPORTS_PER_ADDRESS_PER_DAY = 1


def _address_keys(report: Report, client_address: str) -> list[str]:
    """The keys under which one address may support one report today: HMACs with the app's secret (the
    address itself is not stored and cannot be read back from them), one per allowed support."""
    from flask import current_app

    secret = current_app.config["SECRET_KEY"].encode()
    day = utcnow().date().isoformat()
    return [hmac.new(secret, f"support-address:{report.id}:{day}:{slot}:{client_address}".encode(),
                     hashlib.sha256).hexdigest() for slot in range(SUPPORTS_PER_ADDRESS_PER_DAY)]


def support_report(report: Report, supporter_key: str, client_address: str | None = None) -> bool:
    """Add one supporter to an open report. Returns False if this supporter already supported it, or if
    `client_address` has already added SUPPORTS_PER_ADDRESS_PER_DAY supports to it today. Both are rows in
    the support table under its unique (report, key) constraint, so two requests at once cannot both count."""
    if report.hidden or report.status not in OPEN_STATUSES:
        raise ReportError("support", _l("This report is closed and cannot be supported."))
    key = hashlib.sha256(supporter_key.encode()).hexdigest()
    for address_key in _address_keys(report, client_address) if client_address else [None]:
        try:
            with db.session.begin_nested():  # only this savepoint is undone when the supporter is known
                db.session.add(Support(report_id=report.id, supporter_key=key))
                if address_key:
                    db.session.add(Support(report_id=report.id, supporter_key=address_key))
                db.session.flush()
        except IntegrityError:
            continue
        # Counted in SQL so that two supporters at once both count.
        db.session.execute(update(Report).where(Report.id == report.id)
                           .values(support_count=Report.support_count + 1))
        db.session.commit()
        db.session.refresh(report)
        return True
    db.session.commit()
    return False


def public_report(reference: str) -> Report | None:
    report = db.session.execute(select(Report).where(Report.reference == reference)).scalar_one_or_none()
    if report is None or report.hidden:
        return None
    return report


def report_by_token(token: str) -> Report | None:
    """The report a private link belongs to: the receipt's token, or one from a later mail."""
    if not token or len(token) > 100:
        return None
    hashed = hash_token(token)
    report = db.session.execute(select(Report).where(Report.token_hash == hashed)).scalar_one_or_none()
    if report is None:
        report = db.session.execute(select(Report).join(TrackingToken, TrackingToken.report_id == Report.id)
                                    .where(TrackingToken.token_hash == hashed)).scalar_one_or_none()
    return report


def record_satisfaction(report: Report, score: int, comment: str = "") -> None:
    """A resident's satisfaction after a fix, 1–5; a second answer replaces the first."""
    if report.status not in ("fixed", "closed"):
        raise ReportError("score", _l("You can say how satisfied you are once the report has been fixed."))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ReportError("score", _l("Choose a number from 1 to 5."))
    if len(comment or "") > MAX_DESCRIPTION:
        raise ReportError("comment", _l("The description can be at most %(max)d characters.", max=MAX_DESCRIPTION))
    answer = db.session.execute(select(Satisfaction).where(Satisfaction.report_id == report.id)).scalar_one_or_none()
    if answer is None:
        answer = Satisfaction(report_id=report.id, score=score)
        db.session.add(answer)
    answer.score = score
    answer.comment = (comment or "").strip()
    answer.created_at = utcnow()
    db.session.commit()


def satisfaction_for(report: Report) -> Satisfaction | None:
    return db.session.execute(select(Satisfaction).where(Satisfaction.report_id == report.id)).scalar_one_or_none()


def public_photos(report: Report) -> list[Photo]:
    return [p for p in report.photos if p.is_public]


def public_photo(stem: str) -> Photo | None:
    """The photo published under this file name, or None. The public address is the file name, so a photo
    that gets new files (a redaction) gets a new address, and caches holding the old one find nothing."""
    if not stem or len(stem) > 64:
        return None
    photo = db.session.execute(select(Photo).where(Photo.stem == stem)).scalar_one_or_none()
    return photo if photo is not None and is_published(photo) else None


def is_published(photo: Photo) -> bool:
    """Approved, and not of a hidden report: what the public site shows."""
    return photo.is_public and not (photo.report is not None and photo.report.hidden)


@dataclass
class MapRow:
    id: int
    reference: str
    lon: float
    lat: float
    status: str
    created: str          # the day it was received (UTC), ISO
    support_count: int
    category: str
    photo_stem: str | None  # the first public photo's file name, which is also its public address


def _map_filters(category: str | None, status: str | None) -> list:
    """WHERE clauses narrowing the public map to a category (the bound value `category`) and a status or group of
    statuses (fixed per statement: the prepared statement is named after it)."""
    from webapp.reports.status import MAP_STATUS_FILTERS

    clauses = []
    if category:
        clauses.append(Category.key == bindparam("category"))
    if status:
        statuses = MAP_STATUS_FILTERS[status]
        clauses.append(Report.status.in_([bindparam(f"status{i}", s) for i, s in enumerate(statuses)]))
    return clauses


def _check_map_filters(category: str | None, status: str | None) -> None:
    from webapp.reports.status import MAP_STATUS_FILTERS

    if status and status not in MAP_STATUS_FILTERS:
        raise ValueError(f"unknown status filter {status!r}")
    if category and not re.fullmatch(r"[a-z0-9_]{1,64}", category):
        raise ValueError(f"not a category key: {category!r}")


def _public_in_box_statement(dialect: str, category: str | None = None, status: str | None = None):
    first_photo = (select(Photo.stem).where(Photo.report_id == Report.id, Photo.moderation == "approved")
                   .order_by(Photo.id).limit(1).correlate(Report).scalar_subquery())
    return (select(Report.id, Report.reference, Report.lon, Report.lat, Report.status, Report.created_at,
                   Report.support_count, Category.key, first_photo)
            .join(Category, Category.id == Report.category_id)
            .where(Report.hidden.is_(False),
                   spatial.in_box(dialect), *_map_filters(category, status))
            .order_by(Report.created_at.desc(), Report.id.desc())
            .limit(bindparam("limit")))


def public_reports_in_bbox(min_lon: float, min_lat: float, max_lon: float, max_lat: float,
                           limit: int, category: str | None = None,
                           status: str | None = None) -> tuple[list[MapRow], bool]:
    """Public reports with a position inside the box (read through the spatial index), newest first, of one
    category and one status or group of statuses (MAP_STATUS_FILTERS) when asked.
    Returns (rows, truncated). Read as plain tuples: the public map asks for hundreds at a time."""
    from webapp.rawsql import prepared_rows

    _check_map_filters(category, status)
    name = f"public_reports_in_bbox:{'c' if category else ''}:{status or ''}"
    values = {"category": category} if category else {}
    rows = prepared_rows(name, lambda dialect: _public_in_box_statement(dialect, category, status),
                         min_lon=min_lon, min_lat=min_lat, max_lon=max_lon, max_lat=max_lat, limit=limit + 1,
                         **values)
    found = [MapRow(r[0], r[1], r[2], r[3], r[4],
                    r[5][:10] if isinstance(r[5], str) else as_utc(r[5]).date().isoformat(), r[6], r[7], r[8])
             for r in rows[:limit]]
    return found, len(rows) > limit


def _square_range(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> dict:
    """The 0.001° squares touching the box (webapp/geo/spatial.py), as bounds for SQL."""
    return {"x0": math.floor(min_lon * 1000 + 1e-9), "x1": math.ceil(max_lon * 1000 - 1e-9) - 1,
            "y0": math.floor(min_lat * 1000 + 1e-9), "y1": math.ceil(max_lat * 1000 - 1e-9) - 1}


def public_areas_in_bbox(min_lon: float, min_lat: float, max_lon: float, max_lat: float,
                         columns: int = 8) -> list[tuple[float, float, int]]:
    """The public reports in the box counted per area, the box cut into about `columns` × `columns` areas of
    whole squares: (lon, lat, count), placed at the count-weighted middle of the area's squares, biggest first.
    The database does the counting (a busy view of a million reports touches thousands of squares)."""
    from webapp.geo.models import MapSquare
    from webapp.rawsql import prepared_rows

    def statement(dialect):
        k = bindparam("k")
        column, row = MapSquare.sx // k, MapSquare.sy // k  # the area a square falls in
        return (select(func.sum(MapSquare.n), func.sum((MapSquare.sx + 0.5) * MapSquare.n),
                       func.sum((MapSquare.sy + 0.5) * MapSquare.n))
                .where(MapSquare.sx.between(bindparam("x0"), bindparam("x1")),
                       MapSquare.sy.between(bindparam("y0"), bindparam("y1")), MapSquare.n > 0)
                .group_by(column, row))

    squares = _square_range(min_lon, min_lat, max_lon, max_lat)
    k = max(1, math.ceil(max(squares["x1"] - squares["x0"], squares["y1"] - squares["y0"], 0) / columns))
    rows = prepared_rows("public_areas_in_bbox", statement, k=k, **squares)
    found = [(round(float(x) / n / 1000, 6), round(float(y) / n / 1000, 6), int(n)) for n, x, y in rows]
    return sorted(found, key=lambda a: -a[2])


def public_areas_in_bbox_filtered(min_lon: float, min_lat: float, max_lon: float, max_lat: float,
                                  category: str | None, status: str | None,
                                  columns: int = 8) -> list[tuple[float, float, int]]:
    """As public_areas_in_bbox, for the reports of a category and status only (MAP_STATUS_FILTERS): counted from
    the reports themselves (the kept counts per square know no category), each area at its reports' middle."""
    from sqlalchemy import Integer, cast

    from webapp.rawsql import prepared_rows

    _check_map_filters(category, status)

    def statement(dialect):
        if dialect == "postgresql":
            sx, sy = (cast(func.floor(c * 1000), Integer) for c in (Report.lon, Report.lat))
        else:  # floor() without SQLite's optional math functions, as the square triggers do
            sx, sy = (cast(c * 1000 + 1000000, Integer) - 1000000 for c in (Report.lon, Report.lat))
        k = bindparam("k", type_=Integer)
        return (select(func.count(Report.id), func.sum(Report.lon), func.sum(Report.lat))
                .join(Category, Category.id == Report.category_id)
                .where(Report.hidden.is_(False), spatial.in_box(dialect), *_map_filters(category, status))
                .group_by(sx // k, sy // k))

    squares = _square_range(min_lon, min_lat, max_lon, max_lat)
    k = max(1, math.ceil(max(squares["x1"] - squares["x0"], squares["y1"] - squares["y0"], 0) / columns))
    values = {"category": category} if category else {}
    rows = prepared_rows(f"public_areas_in_bbox:{'c' if category else ''}:{status or ''}", statement, k=k,
                         min_lon=min_lon, min_lat=min_lat, max_lon=max_lon, max_lat=max_lat, **values)
    found = [(round(float(x) / n, 6), round(float(y) / n, 6), int(n)) for n, x, y in rows]
    return sorted(found, key=lambda a: -a[2])


def change_status(report: Report, to_status: str, actor: str, public_note: str = "",
                  when: datetime | None = None) -> StatusChange:
    """Move a report to another status if the flow allows it, and record the step."""
    if not can_change(report.status, to_status):
        raise ReportError("status", _l("A report cannot go from this status to that one."))
    change = StatusChange(report=report, from_status=report.status, to_status=to_status, actor=actor,
                          public_note=public_note, created_at=when or utcnow())
    report.status = to_status
    report.updated_at = change.created_at
    db.session.add(change)
    db.session.commit()
    if not report.hidden:  # the report's followers are told (a hidden report has no public page to follow)
        from webapp.reports import notify

        notify.followers(report, change, confirmed_followers(report))
    return change


# Following a report: e-mail updates for anyone who asks and confirms (FixMyStreet's "alert me").
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def follower_token(follower: Follower, purpose: str) -> str:
    """The token in a follower's confirmation or unsubscribe link: an HMAC of the row with the app's secret, so
    that nothing needs storing and a link works only for its own row and purpose."""
    from flask import current_app

    digest = hmac.new(current_app.config["SECRET_KEY"].encode(),
                      f"follower:{purpose}:{follower.id}:{follower.email}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def follower_by_token(follower_id: int, token: str, purpose: str) -> Follower | None:
    follower = db.session.get(Follower, follower_id)
    if follower is None or not hmac.compare_digest(follower_token(follower, purpose), token):
        return None
    return follower


def follow_report(report: Report, email: str, locale: str) -> tuple[Follower, bool]:
    """Ask for e-mail updates on an open, public report. Returns the follower and whether a confirmation mail
    should go out (not for an address that already follows it: nobody is told who follows what)."""
    address = clean_line(email or "").strip().lower()
    if not EMAIL_RE.match(address) or len(address) > 254:
        raise ReportError("email", _l("That does not look like an e-mail address."))
    if report.hidden or report.status not in OPEN_STATUSES:
        raise ReportError("email", _l("This report is closed: there will be no more updates to follow."))
    existing = db.session.execute(select(Follower).where(
        Follower.report_id == report.id, Follower.email == address)).scalar_one_or_none()
    if existing is not None:
        return existing, existing.confirmed_at is None
    follower = Follower(report_id=report.id, email=address, locale=locale)
    try:
        db.session.add(follower)
        db.session.commit()
    except IntegrityError:  # the same address twice at once
        db.session.rollback()
        follower = db.session.execute(select(Follower).where(
            Follower.report_id == report.id, Follower.email == address)).scalar_one()
    return follower, follower.confirmed_at is None


def confirm_follower(follower: Follower) -> None:
    """The confirmation link was opened: updates start."""
    if follower.confirmed_at is None:
        follower.confirmed_at = utcnow()
        db.session.commit()


def unfollow(follower: Follower) -> None:
    """No more mails about this report to this address; the address is deleted."""
    db.session.delete(follower)
    db.session.commit()


def confirmed_followers(report: Report) -> list[Follower]:
    return list(db.session.execute(select(Follower).where(
        Follower.report_id == report.id, Follower.confirmed_at.is_not(None)).order_by(Follower.id)).scalars())


def current_site_message() -> str:
    """The text of the newest site message that has not expired, in the current language."""
    from webapp.i18n import localized
    from webapp.reports.models import SiteMessage

    message = db.session.execute(
        select(SiteMessage).where(SiteMessage.expires_at > utcnow()).order_by(SiteMessage.id.desc()).limit(1)
    ).scalar_one_or_none()
    return localized(message.texts) if message else ""


def set_site_message(texts: dict, expires_at: datetime, actor: str):
    from webapp import audit
    from webapp.reports.models import SiteMessage

    message = SiteMessage(texts={k: v.strip() for k, v in texts.items() if v and v.strip()},
                          expires_at=expires_at, created_by=actor)
    if not message.texts:
        raise ReportError("texts", _l("Write the message in at least one language."))
    if expires_at <= utcnow():
        raise ReportError("expires_at", _l("The end date must be in the future."))
    db.session.add(message)
    db.session.flush()
    audit.record("site_message", message.id, "created", actor, expires_at=expires_at.isoformat())
    db.session.commit()
    return message


def set_private_contact(report: Report, name: str | None, phone: str | None, actor: str) -> None:
    """The caller's name and phone, for reports taken by phone or at a visit. Never public."""
    report.reporter_name = clean_line(name or "").strip() or None
    report.reporter_phone = clean_line(phone or "").strip() or None
    report.filed_by = actor
    db.session.commit()


def parse_extra_questions(text: str) -> list[dict]:
    """One question per line: code | Swedish | English | answer;answer;… (answers optional)."""
    questions = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 3 or not parts[0] or not parts[1]:
            raise ReportError("extra_questions", _l("Line %(n)d: write code | Swedish | English.", n=number))
        code = parts[0].lower()
        if not code.replace("_", "").isalnum():
            raise ReportError("extra_questions", _l("Line %(n)d: the code may only have letters, digits and _.",
                                                    n=number))
        values = [v.strip() for v in parts[3].split(";") if v.strip()] if len(parts) > 3 else []
        questions.append({
            "code": code, "label": {"sv": parts[1], "en": parts[2] or parts[1]},
            "datatype": "singlevaluelist" if values else "string", "required": False,
            "values": [{"key": str(i), "name": {"sv": v, "en": v}} for i, v in enumerate(values, start=1)],
        })
    return questions


def update_category(category: Category, actor: str, settings: dict) -> None:
    """Admins' category settings: names, notice, department, default priority, duplicate radius, questions."""
    from webapp import audit

    category.extra_questions = parse_extra_questions(settings.pop("extra_questions_text", ""))
    for key, value in settings.items():
        setattr(category, key, value)
    audit.record("category", category.id, "updated", actor, key=category.key)
    db.session.commit()
