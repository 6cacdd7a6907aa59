from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.timeutil import utcnow


class ExportLog(db.Model):
    """Every export: who, when, what and with which filter."""

    __tablename__ = "export_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    fmt: Mapped[str] = mapped_column(String(10))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SurveyIndicator(db.Model):
    """An external indicator for a year and area: the police safety survey or "Kritik på teknik" (percent)."""

    __tablename__ = "survey_indicator"
    __table_args__ = (UniqueConstraint("source", "indicator", "area", "year", name="uq_survey_indicator_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(30))
    indicator: Mapped[str] = mapped_column(String(40))
    area: Mapped[str] = mapped_column(String(120))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
