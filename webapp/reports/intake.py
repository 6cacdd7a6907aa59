"""Taking a report in: checking it, its photos, storing it once, and the open reports near a place. Views, the CLI
and the API all call these; none of them reads the request."""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp import unitofwork
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.models import District
from webapp.media import PhotoError, PhotoSettings, ProcessedPhoto, process_photo
from webapp.municipality import current_municipality
from webapp.reports.catalogue import category_by_key
from webapp.reports.models import (
    KIND_SAFETY,
    TIMES_OF_DAY,
    Category,
    Photo,
    Report,
    StatusChange,
    TrackingToken,
)
from webapp.reports.status import OPEN_STATUSES, Moderation, ReportStatus, Source
from webapp.textclean import clean_line, clean_text
from webapp.timeutil import utcnow

MAX_DESCRIPTION = 2000
MAX_LOCATION_TEXT = 300


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
    source: str = Source.WEB
    photos: list[bytes] = field(default_factory=list)
    created_at: datetime | None = None
    # Answers to the category's extra questions: {code: value}
    answers: dict = field(default_factory=dict)
    # Made by the phone (a report queued offline, or any form): sending it twice stores it once.
    idempotency_key: str | None = None
    # The inventory's asset it is about (a street light), checked by the assets package's hook.
    asset_id: int | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_tracking_token(report: Report) -> str:
    """A fresh private link for a mail; earlier links keep working."""
    token = secrets.token_urlsafe(24)
    db.session.add(TrackingToken(report_id=report.id, token_hash=hash_token(token)))
    db.session.flush()
    return token


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
        raise InputRefused("idempotency_key", _l("The form was changed on the way. Reload the page and try again."))
    existing = db.session.execute(select(Report).where(
        Report.idempotency_hash == hash_token(data.idempotency_key))).scalar_one_or_none()
    if existing is None:
        return None
    token = token_for_key(data.idempotency_key)
    if existing.token_hash != hash_token(token):  # the secret key was changed in between
        raise InputRefused("idempotency_key", _l("This report was already received as %(reference)s.",
                                                reference=existing.reference))
    existing.was_replayed = True  # not a column: tells the caller not to send the receipt again
    return existing, token


def reference_for(report_id: int, created_at: datetime) -> str:
    return f"{current_municipality().reference_prefix}-{created_at.year}-{report_id:06d}"


def report_problems(data: NewReport, category: Category | None,
                    allow_unplaced: bool = False) -> list[InputRefused]:
    """Every problem with a new report at once, so the resident can fix them all in one go. An empty list means the report may be stored (photos are checked apart)."""
    problems: list[InputRefused] = []
    if category is None:
        problems.append(InputRefused("category", _l("Choose what you want to report.")))
    if len(data.description or "") > MAX_DESCRIPTION:
        problems.append(InputRefused("description", _l("The description can be at most %(max)d characters.",
                                                      max=MAX_DESCRIPTION)))
    if len(data.location_text or "") > MAX_LOCATION_TEXT:
        problems.append(InputRefused("location_text", _l("The place description can be at most %(max)d characters.",
                                                        max=MAX_LOCATION_TEXT)))
    has_point = data.lat is not None and data.lon is not None
    if (data.lat is None) != (data.lon is None):
        problems.append(InputRefused("location", _l("The position is incomplete. Place the pin again.")))
    elif has_point:
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (data.lat, data.lon)):
            problems.append(InputRefused("location", _l("The position is not valid.")))
        elif not geo.is_in_kommun(data.lon, data.lat):
            problems.append(InputRefused("location", _l("That place is outside %(kommun)s. "
                                                       "We can only take reports about places in %(name)s.",
                                                       kommun=current_municipality().kommun,
                                                       name=current_municipality().name)))
    elif allow_unplaced and (data.location_text or "").strip():
        pass  # an address only (Open311, imports): staff place it on the map during triage
    elif not (data.district_id and (data.location_text or "").strip()):
        problems.append(InputRefused("location", _l("Show where it is: put a pin on the map, use your position, "
                                                   "or choose an area and describe the place.")))
    if data.time_of_day is not None and data.time_of_day not in TIMES_OF_DAY:
        problems.append(InputRefused("time_of_day", _l("Choose day, evening or night.")))
    if data.safety_rating is not None and not (isinstance(data.safety_rating, int) and 1 <= data.safety_rating <= 5):
        problems.append(InputRefused("safety_rating", _l("Choose a number from 1 to 5.")))
    if data.asset_id is not None:
        # The assets package registers the check (it sits above reports); without it no asset is accepted.
        check = current_app.extensions.get("report_asset_check")
        problem = check(data.asset_id, category.key if category else None, data.lat, data.lon) if check else \
            InputRefused("location", _l("The chosen object is not in the inventory any more. "
                                       "Choose it again on the map, or send the report without it."))
        if problem is not None:
            problems.append(problem)
    if category is not None:
        try:
            clean_answers(category, data.answers)
        except InputRefused as exc:
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
                raise InputRefused("answers", _l("Answer the question: %(question)s",
                                                question=question["label"].get("sv", question["code"])))
            continue
        if question.get("values") and value not in {v["key"] for v in question["values"]}:
            raise InputRefused("answers", _l("Choose one of the answers given."))
        if len(value) > 300:
            raise InputRefused("answers", _l("The description can be at most %(max)d characters.", max=300))
        cleaned[question["code"]] = value
    return cleaned


def prepare_photos(uploads: list[bytes], settings: PhotoSettings) -> list[ProcessedPhoto]:
    """Run every upload through the pipeline before anything is stored."""
    if len(uploads) > settings.max_count:
        raise InputRefused("photos", _l("You can attach at most %(n)d photos.", n=settings.max_count))
    processed = []
    for number, data in enumerate(uploads, start=1):
        try:
            processed.append(process_photo(data, max_bytes=settings.max_bytes, max_pixels=settings.max_pixels,
                                           display_size=settings.display_size, thumb_size=settings.thumb_size))
        except PhotoError as exc:
            raise InputRefused("photos", _l("Photo %(n)d: %(reason)s", n=number, reason=exc.args[0])) from None
    return processed


def cleaned(data: NewReport) -> NewReport:
    """The report's text without control characters, whichever door it came through (the forms clean it
    already; the CLI, imports and the API may not): the description keeps its lines, the rest is one line."""
    return replace(data, description=clean_text(data.description or ""),
                   location_text=clean_line(data.location_text or ""), email=clean_line(data.email),
                   answers={clean_line(k): clean_line(v) for k, v in (data.answers or {}).items()})


def create_report(data: NewReport, photos: PhotoSettings, *, actor: str = "resident",
                  processed: list[ProcessedPhoto] | None = None,
                  districts: geo.AreaLocator | None = None,
                  zones: geo.AreaLocator | None = None, allow_unplaced: bool = False,
                  along=None) -> tuple[Report, str]:
    """Store a new report with its photos, all or nothing. Returns the report and its private token.

    Either the report, its history entry and every photo file exist once the caller's transaction commits, or
    none of them do: the rows are flushed in a savepoint of their own, and the files are removed again if that
    savepoint or the caller's transaction rolls back. `along`, when given, is called with the report inside
    the savepoint: what it changes is committed with the report or not at all (an import counts its rows so,
    and so never makes a report twice when it is killed and resumed).
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
        if db.session.get(District, district_id) is None:
            raise InputRefused("district", _l("Choose an area from the list."))

    token = token_for_key(data.idempotency_key) if data.idempotency_key else secrets.token_urlsafe(24)
    created = data.created_at or utcnow()
    report = Report(
        token_hash=hash_token(token), category=category, description=(data.description or "").strip(),
        lat=data.lat, lon=data.lon, location_text=(data.location_text or "").strip(),
        district_id=district_id, zone_id=zone_id,
        time_of_day=data.time_of_day if category.kind == KIND_SAFETY else None,
        safety_rating=data.safety_rating if category.kind == KIND_SAFETY else None,
        reporter_email=(data.email or "").strip().lower() or None, locale=data.locale, source=data.source,
        status=ReportStatus.RECEIVED, created_at=created, updated_at=created,
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
        with db.session.begin_nested():
            db.session.add(report)
            db.session.flush()
            report.reference = reference_for(report.id, created)
            if data.asset_id is not None:  # checked above by the same hook's owner (webapp/assets)
                current_app.extensions["report_asset_link"](report, data.asset_id)
            db.session.add(StatusChange(report=report, from_status=None, to_status=ReportStatus.RECEIVED,
                                        actor=actor, created_at=created))
            moderation = Moderation.APPROVED if photos.publish_immediately else Moderation.PENDING
            for stem, item in zip(written, processed):
                db.session.add(Photo(report=report, stem=stem, width=item.width, height=item.height,
                                     moderation=moderation, created_at=created))
            if along is not None:
                along(report)
    except IntegrityError:
        for stem in written:
            photos.store.discard(stem)
        # The same report sent twice at once: the other request stored it; answer as it did.
        again = replayed(data)
        if again is not None:
            return again
        raise
    except BaseException:
        for stem in written:
            photos.store.discard(stem)
        raise
    # Stored, not yet committed: a later step of the request that fails takes the files with it.
    unitofwork.on_rollback(lambda: [photos.store.discard(stem) for stem in written])
    return report, token


def _degree_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def nearby_open_reports(lat: float, lon: float, *, category_key: str | None = None, radius_m: float | None = None,
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


