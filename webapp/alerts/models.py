from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.timeutil import utcnow

AREA_KINDS = ("district", "campaign", "radius")
FREQUENCIES = ("immediate", "daily")


class AreaAlert(db.Model):
    """Someone (a resident without an account, a staff member) who asked for mail about new public reports in an
    area: a district, a campaign, or a circle round a point. Like a report's follower: mails go only once the
    confirmation link was opened, the links carry HMAC tokens made from the row (nothing stored), and the
    address is never shown anywhere."""

    __tablename__ = "area_alert"
    __table_args__ = (Index("ix_area_alert_email", "email"),
                      Index("ix_area_alert_frequency_confirmed", "frequency", "confirmed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5), default="sv")
    kind: Mapped[str] = mapped_column(String(10))
    district_id: Mapped[Optional[int]] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    campaign_id: Mapped[Optional[int]] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    lat: Mapped[Optional[float]] = mapped_column(Float)
    lon: Mapped[Optional[float]] = mapped_column(Float)
    radius_m: Mapped[Optional[int]] = mapped_column(Integer)
    frequency: Mapped[str] = mapped_column(String(10), default="immediate")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # When the last confirmation mail went out: asked again within a day, none is sent again.
    confirmation_sent_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # The last Europe/Stockholm day whose digest went out (or was found empty): each day is mailed once.
    last_digest_on: Mapped[Optional[date]] = mapped_column(Date)

    district: Mapped[Optional["District"]] = relationship()  # noqa: F821
    campaign: Mapped[Optional["Campaign"]] = relationship()  # noqa: F821


class AreaAlertSent(db.Model):
    """One report mailed to one alert at once: written in the same transaction as the mail, so that each report
    goes to each subscriber once, whatever happens to the worker."""

    __tablename__ = "area_alert_sent"
    __table_args__ = (UniqueConstraint("alert_id", "report_id", name="uq_area_alert_sent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("area_alert.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
