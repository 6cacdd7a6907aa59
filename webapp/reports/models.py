from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.geo.services import cell_of
from webapp.reports.status import Moderation, ReportStatus, Source
from webapp.textclean import mask_contact_details
from webapp.timeutil import utcnow

# The two kinds of category: the four questions of the safety walk, and fault reports.
KIND_SAFETY = "safety"
KIND_FAULT = "fault"

TIMES_OF_DAY = ("day", "evening", "night")

# The kinds of work a work order can be (their names and departments: webapp/workorders, the municipality).
WORK_KINDS = ("cleaning", "graffiti", "maintenance", "light_repair", "light_new")


class Department(db.Model):
    __tablename__ = "department"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    names: Mapped[dict] = mapped_column(JSON)
    # A retired department keeps its reports and work orders but is no longer offered for new ones.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Category(db.Model):
    """What a resident reports. Data, not code: seeded, editable by admins."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    names: Mapped[dict] = mapped_column(JSON)
    descriptions: Mapped[dict] = mapped_column(JSON)
    icon: Mapped[str] = mapped_column(String(40))
    department_code: Mapped[Optional[str]] = mapped_column(ForeignKey("department.code"))
    duplicate_radius_m: Mapped[int] = mapped_column(Integer, default=50)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Shown to residents before they report in this category, e.g. "emergencies: call 112". {lang: text}
    notice: Mapped[Optional[dict]] = mapped_column(JSON)
    # Extra questions: [{"code", "label": {lang: text}, "datatype": "string"|"singlevaluelist", "required",
    # "values": [{"key", "name": {lang: text}}]}]
    extra_questions: Mapped[Optional[list]] = mapped_column(JSON)
    default_priority: Mapped[str] = mapped_column(String(20), default="normal")
    # A positive report ("here it feels safe") tells the programme what works; it is never a job.
    positive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The kind of work its reports usually need: the work order form's suggestion (none: maintenance). Deferred:
    # only the work order form and the catalogue read it, so loading a category does not need it (nor a schema
    # below 0022, as in the migration tests' downgrades).
    work_kind: Mapped[Optional[str]] = mapped_column(String(30), deferred=True)

    department: Mapped[Optional[Department]] = relationship()

    @property
    def is_safety(self) -> bool:
        return self.kind == KIND_SAFETY


class Report(db.Model):
    __tablename__ = "report"
    __table_args__ = (
        CheckConstraint("safety_rating IS NULL OR (safety_rating BETWEEN 1 AND 5)", name="safety_rating_range"),
        CheckConstraint("(lat IS NULL) = (lon IS NULL)", name="position_pair"),
        Index("ix_report_lon_lat", "lon", "lat"),
        Index("ix_report_created_at", "created_at"),
        # Covers the follow-up counts per period, so that they read the index alone.
        Index("ix_report_period_counts", "created_at", "status", "category_id", "district_id", "source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[Optional[str]] = mapped_column(String(20), unique=True)
    # SHA-256 of the private tracking token; the token itself is only in the receipt and the e-mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[Optional[float]] = mapped_column(Float)
    lon: Mapped[Optional[float]] = mapped_column(Float)
    # The 100 m SWEREF 99 TM cell the position falls in (floor(easting / 100), floor(northing / 100)), set from
    # lon/lat on every ORM write (webapp/reports/spatial.py): the heat-map counts (heat_cell) are kept per cell by
    # database triggers, which cannot project coordinates themselves.
    cell_e: Mapped[Optional[int]] = mapped_column(Integer)
    cell_n: Mapped[Optional[int]] = mapped_column(Integer)
    location_text: Mapped[str] = mapped_column(String(300), default="")
    district_id: Mapped[Optional[int]] = mapped_column(ForeignKey("district.id"), index=True)
    zone_id: Mapped[Optional[int]] = mapped_column(ForeignKey("zone.id"), index=True)
    time_of_day: Mapped[Optional[str]] = mapped_column(String(10))
    safety_rating: Mapped[Optional[int]] = mapped_column(Integer)
    # Private: never in a public page or API response.
    reporter_email: Mapped[Optional[str]] = mapped_column(String(254))
    reporter_name: Mapped[Optional[str]] = mapped_column(String(120))
    reporter_phone: Mapped[Optional[str]] = mapped_column(String(40))
    # The staff member who filed it on someone's behalf or from the field.
    filed_by: Mapped[Optional[str]] = mapped_column(String(254))
    answers: Mapped[Optional[dict]] = mapped_column(JSON)
    # Open311: the client system that sent it, its token, and a photo link it gave (never fetched).
    api_client_id: Mapped[Optional[int]] = mapped_column(ForeignKey("api_client.id"))
    client_token: Mapped[Optional[str]] = mapped_column(String(40), unique=True)
    media_url: Mapped[Optional[str]] = mapped_column(String(500))
    campaign_id: Mapped[Optional[int]] = mapped_column(ForeignKey("campaign.id"), index=True)
    property_owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("property_owner.id"), index=True)
    # Optional, anonymous answers a safety-walk campaign may ask for; only ever shown in aggregate.
    gender: Mapped[Optional[str]] = mapped_column(String(12))
    age_group: Mapped[Optional[str]] = mapped_column(String(12))
    # A group walking together (a school class…) that reported through its own campaign link.
    group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("walk_group.id"), index=True)
    # Imported posts: a key per post, so that importing the same file twice creates nothing twice.
    import_key: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    # SHA-256 of the idempotency key the phone sent with the report: a retry finds it instead of a duplicate.
    idempotency_hash: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    locale: Mapped[str] = mapped_column(String(8), default="sv")
    source: Mapped[str] = mapped_column(String(20), default=Source.WEB)
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.RECEIVED, index=True)
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    # The department that handles it (default: the category's); or an outside party it was referred to.
    department_code: Mapped[Optional[str]] = mapped_column(ForeignKey("department.code"))
    external_kind: Mapped[Optional[str]] = mapped_column(String(30))
    external_name: Mapped[Optional[str]] = mapped_column(String(200))
    external_contact: Mapped[Optional[str]] = mapped_column(String(200))
    merged_into_id: Mapped[Optional[int]] = mapped_column(ForeignKey("report.id"))
    # Bumped by every staff change, so that two officers cannot overwrite each other unknowingly.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship()
    department: Mapped[Optional[Department]] = relationship()
    merged_into: Mapped[Optional["Report"]] = relationship(remote_side="Report.id")
    # `campaign` (the campaign an imported or walk report belongs to) is declared in webapp/campaigns/models.py:
    # campaigns sit above reports and name them, never the other way round.
    property_owner: Mapped[Optional["PropertyOwner"]] = relationship()  # noqa: F821
    district: Mapped[Optional["District"]] = relationship()  # noqa: F821
    zone: Mapped[Optional["Zone"]] = relationship()  # noqa: F821
    photos: Mapped[list["Photo"]] = relationship(back_populates="report", order_by="Photo.id",
                                                 cascade="all, delete-orphan")
    history: Mapped[list["StatusChange"]] = relationship(back_populates="report", order_by="StatusChange.id",
                                                         cascade="all, delete-orphan")

    # What the public reads of the resident's own words: e-mail addresses, telephone numbers and personal
    # identity numbers written into them are masked (webapp/textclean.py); staff read the stored text.
    @property
    def public_description(self) -> str:
        return mask_contact_details(self.description) or ""

    @property
    def public_location_text(self) -> str:
        return mask_contact_details(self.location_text) or ""


@event.listens_for(Report, "before_insert")
@event.listens_for(Report, "before_update")
def _place_in_cell(mapper, connection, report: Report) -> None:
    """Keep cell_e/cell_n in step with the position on every ORM write (bulk loaders set them themselves)."""
    from sqlalchemy import inspect


    state = inspect(report)
    if report.cell_e is None or state.attrs.lon.history.has_changes() or state.attrs.lat.history.has_changes():
        report.cell_e, report.cell_n = cell_of(report.lon, report.lat)


class Photo(db.Model):
    """A re-encoded photo without metadata; the files are <stem>.jpg and <stem>_t.jpg in the photo store
    (MEDIA_DIR or an S3 bucket, webapp/photostore.py)."""

    __tablename__ = "photo"
    __table_args__ = (CheckConstraint("(report_id IS NULL) <> (work_order_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[Optional[int]] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    # An after-photo belongs to the work order that fixed the place.
    work_order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"),
                                                        index=True)
    kind: Mapped[str] = mapped_column(String(10), default="report")
    stem: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # pending -> approved | rejected; only approved photos are public.
    moderation: Mapped[str] = mapped_column(String(10), default=Moderation.PENDING)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    report: Mapped[Optional[Report]] = relationship(back_populates="photos")

    @property
    def is_public(self) -> bool:
        return self.moderation == Moderation.APPROVED


class Support(db.Model):
    """"Me too": one per supporter and report, so that a count cannot be pumped from one browser."""

    __tablename__ = "support"
    __table_args__ = (UniqueConstraint("report_id", "supporter_key", name="uq_support_report_supporter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    supporter_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StatusChange(db.Model):
    """One step in a report's public history."""

    __tablename__ = "status_change"
    # The follow-up counts fixes by when they happened.
    __table_args__ = (Index("ix_status_change_to_status_created_at", "to_status", "created_at", "report_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[Optional[str]] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    public_note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    report: Mapped[Report] = relationship(back_populates="history")


class TrackingToken(db.Model):
    """A further private link to a report (each update mail carries a fresh one; all keep working)."""

    __tablename__ = "tracking_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Satisfaction(db.Model):
    """A resident's answer after a fix: how satisfied, 1–5. One per report; the latest answer counts."""

    __tablename__ = "satisfaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)


class InfoRequest(db.Model):
    """A question staff asked the reporter, and the reporter's answer."""

    __tablename__ = "info_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[str] = mapped_column(String(254))
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answer: Mapped[Optional[str]] = mapped_column(Text)
    answered_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))


class SiteMessage(db.Model):
    """A notice shown on every resident page until it expires, e.g. about snow clearing."""

    __tablename__ = "site_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    texts: Mapped[dict] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Follower(db.Model):
    """Someone (a supporter, anyone) who asked for e-mail updates on a report, like FixMyStreet's "alert me".
    Updates go only to confirmed addresses (the confirmation link was opened and its button pressed), so nobody can be signed up by
    someone else; the links in the mails carry HMAC tokens made from the row, so no token is stored."""

    __tablename__ = "report_follower"
    __table_args__ = (UniqueConstraint("report_id", "email", name="uq_report_follower_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5), default="sv")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # When the last confirmation mail went out: asked again within a day, none is sent again.
    confirmation_sent_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    report: Mapped[Report] = relationship()


class FollowConfirmationSent(db.Model):
    """One confirmation mail sent, counted per recipient so that many follow requests (for many reports) cannot
    flood someone's mailbox. The recipient is an HMAC of the address with the app's secret: enough to count,
    never the address itself. Rows older than the counting window are deleted as new ones are written."""

    __tablename__ = "follow_confirmation_sent"
    __table_args__ = (Index("ix_follow_confirmation_sent_recipient_sent_at", "recipient", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PropertyOwner(db.Model):
    """A property owner or business responsible for places reported on private land."""

    __tablename__ = "property_owner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
