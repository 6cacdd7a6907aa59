from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.reports.models import Report
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
    # Ask the structured safety audit (eight parameters, 1-5) on each report: for organised walks.
    uses_audit: Mapped[bool] = mapped_column(default=False)
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
    # The background job that carries the import out (webapp.jobs); none for imports run from the CLI.
    job_id: Mapped[Optional[int]] = mapped_column(ForeignKey("job.id"))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WalkGroup(db.Model):
    """A group walking together (a school class, a pre-school, a senior home, an association) with its own
    campaign link, so that its reports are tagged without typing and participants, not only reports, count."""

    __tablename__ = "walk_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    # The group's part of the link /k/<slug>/g/<code>: short, unguessable enough not to be typed by accident.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    campaign: Mapped[Campaign] = relationship()


class SafetyAudit(db.Model):
    """A structured audit of one reported point (after Safetipin's parameters), each 1-5 or not answered."""

    __tablename__ = "safety_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), unique=True)
    lighting: Mapped[Optional[int]] = mapped_column(Integer)
    openness: Mapped[Optional[int]] = mapped_column(Integer)
    visibility: Mapped[Optional[int]] = mapped_column(Integer)
    people: Mapped[Optional[int]] = mapped_column(Integer)
    walk_path: Mapped[Optional[int]] = mapped_column(Integer)
    transport: Mapped[Optional[int]] = mapped_column(Integer)
    security: Mapped[Optional[int]] = mapped_column(Integer)
    feeling: Mapped[Optional[int]] = mapped_column(Integer)


class Walk(db.Model):
    """The walk after a campaign: a route through chosen reports, the day it was walked, and its protocol."""

    __tablename__ = "walk"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    planned_on: Mapped[Optional[date]] = mapped_column(Date)
    walked_on: Mapped[Optional[date]] = mapped_column(Date)
    # GeoJSON LineString (WGS84) through the points in order; drawn on the map or made from the points.
    route: Mapped[str] = mapped_column(Text, default="")
    route_drawn: Mapped[bool] = mapped_column(default=False)
    participants: Mapped[int] = mapped_column(Integer, default=0)
    # Who walked, by role, never by name: "residents, two politicians, TS, SB, the police".
    participant_note: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    points: Mapped[list["WalkPoint"]] = relationship(back_populates="walk", order_by="WalkPoint.position",
                                                     cascade="all, delete-orphan")


class WalkPoint(db.Model):
    """One stop of a walk: a report, what was seen there, and what was decided."""

    __tablename__ = "walk_point"
    __table_args__ = (UniqueConstraint("walk_id", "report_id", name="one_stop_per_report"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walk.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    position: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[Optional[str]] = mapped_column(String(20))
    decision_note: Mapped[str] = mapped_column(Text, default="")

    walk: Mapped[Walk] = relationship(back_populates="points")
    report: Mapped["Report"] = relationship()  # noqa: F821


# A report's campaign, declared from this side: campaigns sit above reports in the layers, so reports/models.py
# does not name Campaign (not even as a string). Many-to-one over report.campaign_id, as before; no schema change.
Report.campaign = relationship(Campaign)


class DialogueQuestion(db.Model):
    """A question of a citizen dialogue (a campaign of kind "dialogue"), its text and choices in sv/en/ar as staff
    entered them."""

    __tablename__ = "dialogue_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # text | one | several | scale | place (webapp/campaigns/dialogue.py QUESTION_KINDS)
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[dict] = mapped_column(JSON, default=dict)
    # The choices of a "one" or "several" question, each {lang: text}; answers store their index.
    options: Mapped[list] = mapped_column(JSON, default=list)


class DialogueResponse(db.Model):
    """One person's answers to a dialogue: anonymous; gender, age group and housing form only if given."""

    __tablename__ = "dialogue_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    gender: Mapped[Optional[str]] = mapped_column(String(20))
    age_group: Mapped[Optional[str]] = mapped_column(String(20))
    housing: Mapped[Optional[str]] = mapped_column(String(20))
    # web: answered on the public page; meeting: collected at a physical meeting and entered by staff.
    channel: Mapped[str] = mapped_column(String(10), default="web")
    entered_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    answers: Mapped[list["DialogueAnswer"]] = relationship(back_populates="response", cascade="all, delete-orphan")


class DialogueAnswer(db.Model):
    """The answer to one question: a text, the chosen options' indexes, a scale value or a place."""

    __tablename__ = "dialogue_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("dialogue_response.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("dialogue_question.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    choices: Mapped[list] = mapped_column(JSON, default=list)
    scale: Mapped[Optional[int]] = mapped_column(Integer)
    lat: Mapped[Optional[float]] = mapped_column(Float)
    lon: Mapped[Optional[float]] = mapped_column(Float)
    # Themes staff tagged the text with ("lighting", "youth centre" …), as staff typed them.
    themes: Mapped[list] = mapped_column(JSON, default=list)

    response: Mapped[DialogueResponse] = relationship(back_populates="answers")
    question: Mapped[DialogueQuestion] = relationship()


class CitizenPromise(db.Model):
    """The medborgarlöfte: what the kommun and the police promise for a year, decided by BRÅ, from a dialogue."""

    __tablename__ = "citizen_promise"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    text: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[Optional[date]] = mapped_column(Date)
    campaign_id: Mapped[Optional[int]] = mapped_column(ForeignKey("campaign.id"))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    campaign: Mapped[Optional[Campaign]] = relationship()
    actions: Mapped[list["PromiseAction"]] = relationship(back_populates="promise", order_by="PromiseAction.id",
                                                          cascade="all, delete-orphan")


class PromiseAction(db.Model):
    """An action a promise names, with the department responsible and how far it has come."""

    __tablename__ = "promise_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(ForeignKey("citizen_promise.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    department_code: Mapped[Optional[str]] = mapped_column(ForeignKey("department.code"))
    # planned | in_progress | done (webapp/campaigns/dialogue.py ACTION_STATUSES)
    status: Mapped[str] = mapped_column(String(20), default="planned")

    promise: Mapped[CitizenPromise] = relationship(back_populates="actions")
