"""Where reports are handed off to (targets), which reports go where (routes), and each report's hand-off."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.timeutil import utcnow

METHODS = ("email", "open311")
STATES = ("waiting", "sent", "failed")


class HandoffTarget(db.Model):
    """A system that takes reports: an e-mail address (a structured mail per report) or an Open311 GeoReport v2
    endpoint with its API key, jurisdiction and a service code per category key (a category not in the
    mapping is sent with its own key as the code). The kommun's data, set by an administrator or the CLI."""

    __tablename__ = "handoff_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    method: Mapped[str] = mapped_column(String(10))
    email: Mapped[str] = mapped_column(String(254), default="")
    endpoint: Mapped[str] = mapped_column(String(500), default="")
    # The other system's key for us: it must be sent, so it is kept as given (never shown again in full).
    api_key: Mapped[str] = mapped_column(String(200), default="")
    jurisdiction_id: Mapped[str] = mapped_column(String(100), default="")
    service_codes: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Updates back: the newest `updated_datetime` seen, asked for as updated_after next time.
    polled_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HandoffRoute(db.Model):
    """Reports of a department, or of one category (which wins over its department), go to a target; a route
    without a target says "handled here" (none) and so overrides the department's. Only reports that come in
    after the route was set (`since`) are handed off on their own; older ones staff send by hand."""

    __tablename__ = "handoff_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_code: Mapped[Optional[str]] = mapped_column(ForeignKey("department.code"), unique=True)
    category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("category.id"), unique=True)
    target_id: Mapped[Optional[int]] = mapped_column(ForeignKey("handoff_target.id"))
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    target: Mapped[Optional[HandoffTarget]] = relationship()


class ReportHandoff(db.Model):
    """One report's hand-off: waiting (with the next attempt's time) -> sent (with the other system's id) |
    failed (with the reason). Failed attempts that may pass later (the endpoint down, a 5xx) wait longer each
    time; a refusal (wrong key, unknown service code) fails at once. Staff can send it again."""

    __tablename__ = "report_handoff"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), unique=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("handoff_target.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="waiting", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    external_id: Mapped[str] = mapped_column(String(100), default="", index=True)
    # A GeoReport server may answer a POST with a token only (its id comes later, from tokens/<token>).
    external_token: Mapped[str] = mapped_column(String(100), default="")
    # Why the last attempt did not go: a kind (refused, unreachable, bad_answer) and the other side's words.
    error_kind: Mapped[str] = mapped_column(String(20), default="")
    error_detail: Mapped[str] = mapped_column(Text, default="")
    external_status: Mapped[str] = mapped_column(String(20), default="")
    external_note: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    target: Mapped[HandoffTarget] = relationship()
