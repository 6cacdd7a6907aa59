"""What anyone may see and do with a report: its public page, its photos, the map, supporting and
following it."""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, column, delete, func, select, table, update
from sqlalchemy.exc import IntegrityError

from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo.models import MapSquare
from webapp.rawsql import prepared_rows
from webapp.reports import spatial
from webapp.reports.intake import MAX_DESCRIPTION, hash_token
from webapp.reports.models import (
    Category,
    FollowConfirmationSent,
    Follower,
    Photo,
    Report,
    Satisfaction,
    Support,
    TrackingToken,
)
from webapp.reports.status import MAP_STATUS_FILTERS, OPEN_STATUSES, Moderation, ReportStatus
from webapp.textclean import clean_line
from webapp.timeutil import as_utc, local_date, local_today, utcnow

# How many supporters one client address may add to one report per day (UTC): requests without the session
# cookie each look like a new browser, so the browser alone cannot be what is counted.
SUPPORTS_PER_ADDRESS_PER_DAY = 1


def _address_keys(report: Report, client_address: str) -> list[str]:
    """The keys under which one address may support one report today: HMACs with the app's secret (the
    address itself is not stored and cannot be read back from them), one per allowed support."""
    from flask import current_app

    secret = current_app.config["SECRET_KEY"].encode()
    day = local_today().isoformat()
    return [hmac.new(secret, f"support-address:{report.id}:{day}:{slot}:{client_address}".encode(),
                     hashlib.sha256).hexdigest() for slot in range(SUPPORTS_PER_ADDRESS_PER_DAY)]


def support_report(report: Report, supporter_key: str, client_address: str | None = None) -> bool:
    """Add one supporter to an open report. Returns False if this supporter already supported it, or if
    `client_address` has already added SUPPORTS_PER_ADDRESS_PER_DAY supports to it today. Both are rows in
    the support table under its unique (report, key) constraint, so two requests at once cannot both count."""
    if report.hidden or report.status not in OPEN_STATUSES:
        raise InputRefused("support", _l("This report is closed and cannot be supported."))
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
        db.session.flush()
        db.session.refresh(report)
        return True
    db.session.flush()
    return False


def is_public(report: Report) -> bool:
    """Whether anyone may read the report (its public page, its description): not hidden by staff."""
    return not report.hidden


def public_report(reference: str) -> Report | None:
    report = db.session.execute(select(Report).where(Report.reference == reference)).scalar_one_or_none()
    if report is None or not is_public(report):
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
    if report.status not in (ReportStatus.FIXED, ReportStatus.CLOSED):
        raise InputRefused("score", _l("You can say how satisfied you are once the report has been fixed."))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise InputRefused("score", _l("Choose a number from 1 to 5."))
    if len(comment or "") > MAX_DESCRIPTION:
        raise InputRefused("comment", _l("The description can be at most %(max)d characters.", max=MAX_DESCRIPTION))
    answer = db.session.execute(select(Satisfaction).where(Satisfaction.report_id == report.id)).scalar_one_or_none()
    if answer is None:
        answer = Satisfaction(report_id=report.id, score=score)
        db.session.add(answer)
    answer.score = score
    answer.comment = (comment or "").strip()
    answer.created_at = utcnow()
    db.session.flush()


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
    created: str          # the day it was received (Europe/Stockholm), ISO
    support_count: int
    category: str
    photo_stem: str | None  # the first public photo's file name, which is also its public address


def _map_filters(category: str | None, status: str | None) -> list:
    """WHERE clauses narrowing the public map to a category (the bound value `category`) and a status or group of
    statuses (fixed per statement: the prepared statement is named after it)."""
    clauses = []
    if category:
        clauses.append(Category.key == bindparam("category"))
    if status:
        statuses = MAP_STATUS_FILTERS[status]
        clauses.append(Report.status.in_([bindparam(f"status{i}", s) for i, s in enumerate(statuses)]))
    return clauses


def _check_map_filters(category: str | None, status: str | None) -> None:
    if status and status not in MAP_STATUS_FILTERS:
        raise ValueError(f"unknown status filter {status!r}")
    if category and not re.fullmatch(r"[a-z0-9_]{1,64}", category):
        raise ValueError(f"not a category key: {category!r}")


def _public_in_box_statement(dialect: str, category: str | None = None, status: str | None = None):
    first_photo = (select(Photo.stem).where(Photo.report_id == Report.id, Photo.moderation == Moderation.APPROVED)
                   .order_by(Photo.id).limit(1).correlate(Report).scalar_subquery())
    return (select(Report.id, Report.reference, Report.lon, Report.lat, Report.status, Report.created_at,
                   Report.support_count, Category.key, first_photo)
            .join(Category, Category.id == Report.category_id)
            .where(Report.hidden.is_(False),
                   spatial.in_box(dialect), *_map_filters(category, status))
            .order_by(Report.created_at.desc(), Report.id.desc())
            .limit(bindparam("limit")))


def public_reports_in_bbox(min_lon: float, min_lat: float, max_lon: float, max_lat: float,
                           *, limit: int, category: str | None = None,
                           status: str | None = None) -> tuple[list[MapRow], bool]:
    """Public reports with a position inside the box (read through the spatial index), newest first, of one
    category and one status or group of statuses (MAP_STATUS_FILTERS) when asked.
    Returns (rows, truncated). Read as plain tuples: the public map asks for hundreds at a time."""
    _check_map_filters(category, status)
    name = f"public_reports_in_bbox:{'c' if category else ''}:{status or ''}"
    values = {"category": category} if category else {}
    rows = prepared_rows(name, lambda dialect: _public_in_box_statement(dialect, category, status),
                         min_lon=min_lon, min_lat=min_lat, max_lon=max_lon, max_lat=max_lat, limit=limit + 1,
                         **values)
    found = [MapRow(r[0], r[1], r[2], r[3], r[4],
                    local_date(r[5]).isoformat(), r[6], r[7], r[8])
             for r in rows[:limit]]
    return found, len(rows) > limit


def _square_range(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> dict:
    """The 0.001° squares touching the box (webapp/reports/spatial.py), as bounds for SQL."""
    return {"x0": math.floor(min_lon * 1000 + 1e-9), "x1": math.ceil(max_lon * 1000 - 1e-9) - 1,
            "y0": math.floor(min_lat * 1000 + 1e-9), "y1": math.ceil(max_lat * 1000 - 1e-9) - 1}


def public_areas_in_bbox(min_lon: float, min_lat: float, max_lon: float, max_lat: float,
                         *, columns: int = 8) -> list[tuple[float, float, int]]:
    """The public reports in the box counted per area, the box cut into about `columns` × `columns` areas of
    whole squares: (lon, lat, count), placed at the count-weighted middle of the area's squares, biggest first.
    The database does the counting (a busy view of a million reports touches thousands of squares)."""
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
                                  *, category: str | None, status: str | None,
                                  columns: int = 8) -> list[tuple[float, float, int]]:
    """As public_areas_in_bbox, for the reports of a category and status only (MAP_STATUS_FILTERS): counted from
    the reports themselves (the kept counts per square know no category), each area at its reports' middle."""
    from sqlalchemy import Integer, cast


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


# Following a report: e-mail updates for anyone who asks and confirms (FixMyStreet's "alert me").
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def follower_token(follower: Follower, purpose: str) -> str:
    """The token in a follower's confirmation or unsubscribe link: an HMAC of the row with the app's secret, so
    that nothing needs storing and a link works only for its own row and purpose."""
    return link_token(f"follower:{purpose}:{follower.id}:{follower.email}")


def link_token(message: str) -> str:
    """An HMAC of `message` with the app's secret, short enough for a link (followers, area alerts)."""
    from flask import current_app

    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def follower_by_token(follower_id: int, token: str, purpose: str) -> Follower | None:
    follower = db.session.get(Follower, follower_id)
    if follower is None or not hmac.compare_digest(follower_token(follower, purpose), token):
        return None
    return follower


# A confirmation mail goes to an address at most once per report within this window (asked again, the page says
# the same "check your mail" and nothing is sent), and at most this many a day to one recipient over all reports,
# so that follow requests cannot be used to flood someone else's mailbox.
CONFIRMATION_WINDOW = timedelta(hours=24)
CONFIRMATIONS_PER_RECIPIENT = 5


def recipient_key(address: str) -> str:
    """What the per-recipient count stores: an HMAC of the address with the app's secret, never the address."""
    from flask import current_app

    return hmac.new(current_app.config["SECRET_KEY"].encode(), f"follow-recipient:{address}".encode(),
                    hashlib.sha256).hexdigest()


def _may_send_confirmation(follower: Follower, now) -> bool:
    if follower.confirmed_at is not None:
        return False
    if follower.confirmation_sent_at is not None and now - as_utc(follower.confirmation_sent_at) < CONFIRMATION_WINDOW:
        return False
    return recipient_may_get_confirmation(follower.email, now)


def recipient_may_get_confirmation(address: str, now) -> bool:
    """Fewer than CONFIRMATIONS_PER_RECIPIENT confirmation mails (report follows and area alerts together) went
    to this address within CONFIRMATION_WINDOW."""
    recipient = recipient_key(address)
    db.session.execute(delete(FollowConfirmationSent).where(FollowConfirmationSent.sent_at < now - CONFIRMATION_WINDOW))
    sent = db.session.execute(select(func.count(FollowConfirmationSent.id)).where(
        FollowConfirmationSent.recipient == recipient,
        FollowConfirmationSent.sent_at >= now - CONFIRMATION_WINDOW)).scalar_one()
    return sent < CONFIRMATIONS_PER_RECIPIENT


def count_confirmation(address: str, now) -> None:
    """Count one confirmation mail to this address (by its HMAC) against CONFIRMATIONS_PER_RECIPIENT."""
    db.session.add(FollowConfirmationSent(recipient=recipient_key(address), sent_at=now))


def reporter_follows(report: Report) -> bool:
    """The reporter gave an address "for updates": they follow their report from the start, without a
    confirmation step (the receipt goes to the same address), and each update mail can stop them. Counted like a
    confirmation mail (CONFIRMATIONS_PER_RECIPIENT a day per address), so that someone typing another person's
    address into many reports cannot sign them up for all of their updates. Returns whether it follows."""
    address = report.reporter_email
    if not address:
        return False
    now = utcnow()
    if db.session.execute(select(Follower.id).where(Follower.report_id == report.id,
                                                    Follower.email == address)).first() is not None:
        return True
    if not recipient_may_get_confirmation(address, now):
        return False
    db.session.add(Follower(report_id=report.id, email=address, locale=report.locale or "sv", created_at=now,
                            confirmed_at=now))
    count_confirmation(address, now)
    db.session.flush()
    return True


def follow_report(report: Report, email: str, locale: str) -> tuple[Follower, bool]:
    """Ask for e-mail updates on an open, public report. Returns the follower and whether a confirmation mail
    should go out now (recorded as sent when True). None for an address that already follows it (nobody is told
    who follows what), none again within CONFIRMATION_WINDOW for the same address and report, and none beyond
    CONFIRMATIONS_PER_RECIPIENT a day to one address: the caller answers the same either way."""
    address = clean_line(email or "").strip().lower()
    if not EMAIL_RE.match(address) or len(address) > 254:
        raise InputRefused("email", _l("That does not look like an e-mail address."))
    if report.hidden or report.status not in OPEN_STATUSES:
        raise InputRefused("email", _l("This report is closed: there will be no more updates to follow."))
    follower = db.session.execute(select(Follower).where(
        Follower.report_id == report.id, Follower.email == address)).scalar_one_or_none()
    if follower is None:
        follower = Follower(report_id=report.id, email=address, locale=locale)
        try:
            with db.session.begin_nested():  # only this savepoint is undone when the address is there already
                db.session.add(follower)
                db.session.flush()
        except IntegrityError:  # the same address twice at once
            follower = db.session.execute(select(Follower).where(
                Follower.report_id == report.id, Follower.email == address)).scalar_one()
    now = utcnow()
    # Claim the right to send in one conditional UPDATE, so that two requests at once send one mail.
    if not _may_send_confirmation(follower, now):
        db.session.flush()
        return follower, False
    previous = follower.confirmation_sent_at
    claimed = db.session.execute(
        update(Follower).where(Follower.id == follower.id,
                               Follower.confirmation_sent_at.is_(None) if previous is None
                               else Follower.confirmation_sent_at == previous)
        .values(confirmation_sent_at=now).execution_options(synchronize_session=False)).rowcount == 1
    if claimed:
        follower.confirmation_sent_at = now
        count_confirmation(address, now)
    db.session.flush()
    return follower, claimed


def confirm_follower(follower: Follower) -> None:
    """The confirmation link was opened: updates start."""
    if follower.confirmed_at is None:
        follower.confirmed_at = utcnow()
        db.session.flush()


def unfollow(follower: Follower) -> None:
    """No more mails about this report to this address; the address is deleted."""
    db.session.delete(follower)
    db.session.flush()


def confirmed_followers(report: Report) -> list[Follower]:
    return list(db.session.execute(select(Follower).where(
        Follower.report_id == report.id, Follower.confirmed_at.is_not(None)).order_by(Follower.id)).scalars())


# The link between work orders and reports belongs to the work orders (a higher layer); read by its table name, so
# that this layer does not import that one.
_WORK_ORDER_REPORT = table("work_order_report", column("work_order_id"), column("report_id"))


def after_photos(report: Report) -> list[Photo]:
    """The approved after-photos of the work orders that fixed this report (the crew's proof, shown publicly)."""
    orders = select(_WORK_ORDER_REPORT.c.work_order_id).where(_WORK_ORDER_REPORT.c.report_id == report.id)
    return list(db.session.execute(select(Photo).where(Photo.work_order_id.in_(orders), Photo.moderation == Moderation.APPROVED)
                                   .order_by(Photo.id)).scalars())
