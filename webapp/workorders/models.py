from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.timeutil import utcnow
from webapp.workorders.status import WorkOrderStatus


class Priority(db.Model):
    """A priority and its response time in days; shorter inside the higher-intensity zone."""

    __tablename__ = "priority"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    names: Mapped[dict] = mapped_column(JSON)
    response_days: Mapped[int] = mapped_column(Integer)
    response_days_zone: Mapped[int] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class WorkOrderReport(db.Model):
    __tablename__ = "work_order_report"

    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)


class WorkOrder(db.Model):
    __tablename__ = "work_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[Optional[str]] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    department_code: Mapped[str] = mapped_column(ForeignKey("department.code"))
    priority_code: Mapped[str] = mapped_column(ForeignKey("priority.code"))
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=WorkOrderStatus.NEW, index=True)
    # SHA-256 of the key the crew's phone sent with "done": a completion queued offline and sent twice counts once.
    completion_key_hash: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    in_zone: Mapped[bool] = mapped_column(Boolean, default=False)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    # Where the job is (the middle of its reports), for the crew's "nearest first".
    lat: Mapped[Optional[float]] = mapped_column(Float)
    lon: Mapped[Optional[float]] = mapped_column(Float)
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_by: Mapped[str] = mapped_column(String(254))
    completion_note: Mapped[str] = mapped_column(Text, default="")
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    public_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    priority: Mapped["Priority"] = relationship()
    assignee: Mapped[Optional["User"]] = relationship()  # noqa: F821
    reports: Mapped[list["Report"]] = relationship(secondary="work_order_report",  # noqa: F821
                                                   order_by="Report.id")
    after_photos: Mapped[list["Photo"]] = relationship(order_by="Photo.id")  # noqa: F821


class ResponseTemplate(db.Model):
    """Pre-filled public updates, editable by admins. {lang: text}"""

    __tablename__ = "response_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    texts: Mapped[dict] = mapped_column(JSON)
