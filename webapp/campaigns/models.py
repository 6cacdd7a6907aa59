from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.timeutil import utcnow


class Campaign(db.Model):
    """A time-limited collection of reports in an area, with its own public page /k/<slug>."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # The area: GeoJSON (WGS84), the union of the chosen districts or a drawn polygon.
    area: Mapped[str] = mapped_column(Text)
    district_ids: Mapped[list] = mapped_column(JSON, default=list)
    # Which categories the campaign asks about (keys); empty means all.
    category_keys: Mapped[list] = mapped_column(JSON, default=list)
    hashtag: Mapped[str] = mapped_column(String(80), default="")
    # Ask residents (optionally, anonymously) for gender and age group, for aggregate results only.
    asks_demographics: Mapped[bool] = mapped_column(default=False)
    intro: Mapped[dict] = mapped_column(JSON, default=dict)
    # A follow-up is compared with the campaign it follows up.
    follows_id: Mapped[Optional[int]] = mapped_column(ForeignKey("campaign.id"))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    follows: Mapped[Optional["Campaign"]] = relationship(remote_side="Campaign.id")


class EngagementActivity(db.Model):
    """Something done with residents: a meeting, a clean-up day, a replanting, a dialogue walk…"""

    __tablename__ = "engagement_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    district_id: Mapped[Optional[int]] = mapped_column(ForeignKey("district.id"))
    participants: Mapped[int] = mapped_column(Integer, default=0)
    campaign_id: Mapped[Optional[int]] = mapped_column(ForeignKey("campaign.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    district: Mapped[Optional["District"]] = relationship()  # noqa: F821
    campaign: Mapped[Optional[Campaign]] = relationship()


class PropertyOwner(db.Model):
    """A property owner or business responsible for places reported on private land."""

    __tablename__ = "property_owner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImportRun(db.Model):
    """One import of collected posts: who, when, which file, what came of it."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    file_name: Mapped[str] = mapped_column(String(200))
    file_hash: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    unplaced: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    # queued -> running -> done | failed; done_rows of total_rows, for the progress page.
    status: Mapped[str] = mapped_column(String(10), default="done")
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    done_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
