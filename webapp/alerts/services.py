"""The rules of area alerts: subscribing (confirmed by mail, limited per address as a report's follow is),
which reports an alert covers, and the mails at once or as a daily digest. Functions change the session and
flush; the request, CLI command or job step that calls them commits (and the outbox sends after that commit).

Only public reports go out: never a hidden one, and none younger than AREA_ALERT_DELAY_MINUTES — still pending
the staff's look, who may hide it in that time. No description text is mailed or put in a feed, only the
category, the area, the day and the link to the report's public page."""
from __future__ import annotations

import hmac
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from webapp.alerts.models import AREA_KINDS, FREQUENCIES, AreaAlert, AreaAlertSent
from webapp.campaigns.models import Campaign
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo.models import District
from webapp.geo.services import is_in_kommun
from webapp.reports.models import Report
from webapp.reports.public import (
    CONFIRMATION_WINDOW,
    EMAIL_RE,
    count_confirmation,
    link_token,
    recipient_may_get_confirmation,
)
from webapp.reports.status import ReportStatus
from webapp.textclean import clean_line
from webapp.timeutil import as_utc, day_ends_utc, day_starts_utc, utcnow

# One address may watch at most this many areas (beyond it nothing new is made, and the page answers the same).
ALERTS_PER_ADDRESS = 10
RADIUS_RANGE_M = (100, 5000)
# The immediate mails look this far back for reports they have not sent yet (a worker that was down catches up).
LOOKBACK = timedelta(days=2)
FEED_SIZE = 50
# An alert whose confirmation link was never opened is deleted, address and all, after this long.
UNCONFIRMED_KEPT = timedelta(days=7)


@dataclass
class AlertRequest:
    email: str
    kind: str
    frequency: str = "immediate"
    locale: str = "sv"
    district_id: int | None = None
    campaign_slug: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_m: int | None = None


def _address(email: str) -> str:
    address = clean_line(email or "").strip().lower()
    if not EMAIL_RE.match(address) or len(address) > 254:
        raise InputRefused("email", _l("That does not look like an e-mail address."))
    return address


def _area(request: AlertRequest) -> dict:
    """The alert's area as column values; InputRefused names the field that is wrong."""
    if request.kind not in AREA_KINDS:
        raise InputRefused("kind", _l("Choose what to watch: an area, a campaign or a place."))
    if request.kind == "district":
        district = db.session.get(District, request.district_id) if request.district_id else None
        if district is None:
            raise InputRefused("district", _l("Choose an area from the list."))
        return {"district_id": district.id}
    if request.kind == "campaign":
        campaign = db.session.execute(select(Campaign).where(Campaign.slug == (request.campaign_slug or ""))) \
            .scalar_one_or_none()
        if campaign is None:
            raise InputRefused("campaign", _l("Choose a campaign from the list."))
        return {"campaign_id": campaign.id}
    lat, lon, radius = request.lat, request.lon, request.radius_m
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)) \
            or not is_in_kommun(lon, lat):
        raise InputRefused("lat", _l("Give a place in the kommun: its latitude and longitude."))
    low, high = RADIUS_RANGE_M
    if radius is None or not low <= radius <= high:
        raise InputRefused("radius_m", _l("The distance must be between %(low)d and %(high)d metres.",
                                         low=low, high=high))
    return {"lat": round(lat, 6), "lon": round(lon, 6), "radius_m": int(radius)}


def subscribe(request: AlertRequest) -> tuple[AreaAlert | None, bool]:
    """Ask for mail about new public reports in an area. Returns the alert and whether a confirmation mail should
    go out now (recorded as sent when True). As with a report's follow: no mail for an address that already
    watches this area and has confirmed, none again within a day for the same alert, none beyond the
    per-recipient limit shared with follows, and no new alert beyond ALERTS_PER_ADDRESS (None); the caller
    answers the same in every case, so nobody learns what an address watches."""
    address = _address(request.email)
    if request.frequency not in FREQUENCIES:
        raise InputRefused("frequency", _l("Choose at once or once a day."))
    area = _area(request)
    same = [getattr(AreaAlert, name) == value for name, value in area.items()]
    alert = db.session.execute(select(AreaAlert).where(AreaAlert.email == address, AreaAlert.kind == request.kind,
                                                       *same)).scalars().first()
    if alert is None:
        count = db.session.execute(select(func.count(AreaAlert.id)).where(AreaAlert.email == address)).scalar_one()
        if count >= ALERTS_PER_ADDRESS:
            return None, False
        alert = AreaAlert(email=address, kind=request.kind, frequency=request.frequency,
                          locale=request.locale if request.locale in current_app.config["LANGUAGES"] else "sv",
                          **area)
        db.session.add(alert)
        db.session.flush()
    elif alert.confirmed_at is None:
        alert.frequency = request.frequency
    now = utcnow()
    if alert.confirmed_at is not None:
        return alert, False
    previous = alert.confirmation_sent_at
    if previous is not None and now - as_utc(previous) < CONFIRMATION_WINDOW:
        return alert, False
    if not recipient_may_get_confirmation(address, now):
        return alert, False
    # Claimed in one conditional UPDATE, so that two requests at once send one mail.
    claimed = db.session.execute(
        update(AreaAlert).where(AreaAlert.id == alert.id,
                                AreaAlert.confirmation_sent_at.is_(None) if previous is None
                                else AreaAlert.confirmation_sent_at == previous)
        .values(confirmation_sent_at=now).execution_options(synchronize_session=False)).rowcount == 1
    if claimed:
        alert.confirmation_sent_at = now
        count_confirmation(address, now)
    db.session.flush()
    return alert, claimed


def alert_token(alert: AreaAlert, purpose: str) -> str:
    """The link token: the row's id and an HMAC of the row and purpose, so a link works only for its own row."""
    return f"{alert.id}-{link_token(f'area-alert:{purpose}:{alert.id}:{alert.email}')}"


def alert_by_token(token: str, purpose: str) -> AreaAlert | None:
    alert_id, _, _mac = (token or "").partition("-")
    if not alert_id.isdigit() or len(token) > 100:
        return None
    alert = db.session.get(AreaAlert, int(alert_id))
    if alert is None or not hmac.compare_digest(alert_token(alert, purpose), token):
        return None
    return alert


def confirm(alert: AreaAlert) -> None:
    """The confirmation link was opened: mails start with the reports that come from now on."""
    if alert.confirmed_at is None:
        alert.confirmed_at = utcnow()
        db.session.flush()


def unsubscribe(alert: AreaAlert) -> None:
    """No more mails for this alert; the row and its address are deleted."""
    db.session.delete(alert)
    db.session.flush()


def forget_unconfirmed(now: datetime | None = None) -> int:
    """Delete the alerts never confirmed within UNCONFIRMED_KEPT (an address someone else typed is not kept).
    Returns how many."""
    cutoff = (now or utcnow()) - UNCONFIRMED_KEPT
    stale = db.session.execute(select(AreaAlert).where(AreaAlert.confirmed_at.is_(None),
                                                       AreaAlert.created_at < cutoff)).scalars().all()
    for alert in stale:
        db.session.delete(alert)
    db.session.flush()
    return len(stale)


def _public(start: datetime, end: datetime) -> list:
    """Reports that are public: not hidden, not merged into another, received in [start, end)."""
    return [Report.hidden.is_(False), Report.status != ReportStatus.DUPLICATE, Report.reference.is_not(None),
            Report.created_at >= start, Report.created_at < end]


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (metres); good to a few metres at a kommun's scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(a)))


def covered_reports(alert: AreaAlert, start: datetime, end: datetime) -> list[Report]:
    """The public reports in the alert's area received in [start, end), oldest first."""
    query = select(Report).where(*_public(start, end)).order_by(Report.created_at, Report.id)
    if alert.kind == "district":
        return list(db.session.execute(query.where(Report.district_id == alert.district_id)).scalars())
    if alert.kind == "campaign":
        return list(db.session.execute(query.where(Report.campaign_id == alert.campaign_id)).scalars())
    # A box round the circle in SQL (the position index), the circle itself here.
    dlat = alert.radius_m / 111_320
    dlon = alert.radius_m / (111_320 * max(math.cos(math.radians(alert.lat)), 0.01))
    near = db.session.execute(query.where(Report.lat.between(alert.lat - dlat, alert.lat + dlat),
                                          Report.lon.between(alert.lon - dlon, alert.lon + dlon))).scalars()
    return [r for r in near if _distance_m(alert.lat, alert.lon, r.lat, r.lon) <= alert.radius_m]


def _settled_before(now: datetime) -> datetime:
    return now - timedelta(minutes=current_app.config["AREA_ALERT_DELAY_MINUTES"])


def due_immediate(now: datetime | None = None) -> list[tuple[AreaAlert, Report]]:
    """Each confirmed immediate alert with each public report in its area that it has not been sent: received
    after the alert was confirmed, at least AREA_ALERT_DELAY_MINUTES ago (pending reports wait), within LOOKBACK."""
    now = now or utcnow()
    end = _settled_before(now)
    alerts = db.session.execute(select(AreaAlert).where(AreaAlert.frequency == "immediate",
                                                        AreaAlert.confirmed_at.is_not(None))
                                .order_by(AreaAlert.id)).scalars().all()
    due = []
    for alert in alerts:
        start = max(as_utc(alert.confirmed_at), now - LOOKBACK)
        if start >= end:
            continue
        sent = set(db.session.execute(select(AreaAlertSent.report_id)
                                      .where(AreaAlertSent.alert_id == alert.id)).scalars())
        due += [(alert, report) for report in covered_reports(alert, start, end) if report.id not in sent]
    return due


def mark_sent(alert: AreaAlert, report: Report) -> bool:
    """Record that this report went to this alert; False (nothing recorded) when it already had."""
    try:
        with db.session.begin_nested():
            db.session.add(AreaAlertSent(alert_id=alert.id, report_id=report.id))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def due_digests(day: date, now: datetime | None = None) -> list[tuple[AreaAlert, list[Report]]]:
    """Each confirmed daily alert whose digest for `day` (Europe/Stockholm) has not gone out, with the day's
    public reports in its area received after it was confirmed (possibly none)."""
    now = now or utcnow()
    start, end = day_starts_utc(day), min(day_ends_utc(day), _settled_before(now))
    alerts = db.session.execute(select(AreaAlert).where(
        AreaAlert.frequency == "daily", AreaAlert.confirmed_at.is_not(None), AreaAlert.confirmed_at < end,
        (AreaAlert.last_digest_on.is_(None)) | (AreaAlert.last_digest_on < day)).order_by(AreaAlert.id)).scalars()
    return [(alert, covered_reports(alert, max(start, as_utc(alert.confirmed_at)), end)) for alert in alerts]


def mark_digest(alert: AreaAlert, day: date) -> bool:
    """Record that the digest for `day` went to this alert: one conditional UPDATE, so that two workers at once
    mail it once. False when another already did."""
    previous = alert.last_digest_on
    done = db.session.execute(
        update(AreaAlert).where(AreaAlert.id == alert.id,
                                AreaAlert.last_digest_on.is_(None) if previous is None
                                else AreaAlert.last_digest_on == previous)
        .values(last_digest_on=day).execution_options(synchronize_session=False)).rowcount == 1
    if done:
        alert.last_digest_on = day
    return done


def district_by_slug(slug: str) -> District | None:
    if not slug or len(slug) > 120:
        return None
    return db.session.execute(select(District).where(District.slug == slug)).scalar_one_or_none()


def campaign_by_slug(slug: str) -> Campaign | None:
    if not slug or len(slug) > 80:
        return None
    return db.session.execute(select(Campaign).where(Campaign.slug == slug)).scalar_one_or_none()


def feed_reports(*, district: District | None = None, campaign: Campaign | None = None,
                 now: datetime | None = None) -> list[Report]:
    """The newest public reports of a district or campaign for its feed (none younger than the alert delay)."""
    query = select(Report).where(*_public(datetime(2000, 1, 1, tzinfo=timezone.utc), _settled_before(now or utcnow())))
    if district is not None:
        query = query.where(Report.district_id == district.id)
    if campaign is not None:
        query = query.where(Report.campaign_id == campaign.id)
    return list(db.session.execute(query.order_by(Report.created_at.desc(), Report.id.desc())
                                   .limit(FEED_SIZE)).scalars())


def districts() -> list[District]:
    return list(db.session.execute(select(District).order_by(District.name)).scalars())


def campaigns() -> list[Campaign]:
    return list(db.session.execute(select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.name)).scalars())
