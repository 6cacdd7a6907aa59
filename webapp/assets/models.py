from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.timeutil import utcnow


class AssetKind(db.Model):
    """A kind of thing in the inventory. Data, not code: seeded by the migration, more with `flask assets kinds`."""

    __tablename__ = "asset_kind"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    # {lang: name}, like a category's names: "Belysningsstolpe" / "Street light".
    names: Mapped[dict] = mapped_column(JSON)
    # The category keys whose reports may name an asset of this kind (a street light: street_light, dark_unsafe).
    category_keys: Mapped[list] = mapped_column(JSON)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Asset(db.Model):
    """One thing in the inventory, as the kommun's register gives it (its own id and attributes)."""

    __tablename__ = "asset"
    __table_args__ = (
        UniqueConstraint("kind_key", "external_id", name="uq_asset_kind_external_id"),
        Index("ix_asset_lon_lat", "lon", "lat"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind_key: Mapped[str] = mapped_column(ForeignKey("asset_kind.key"))
    external_id: Mapped[str] = mapped_column(String(80))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    # The register's own columns (height, lamp type, owner …), shown to staff and crews as given.
    attributes: Mapped[Optional[dict]] = mapped_column(JSON)
    # Where it came from: the file's name, or "INVENTED demo data".
    source: Mapped[str] = mapped_column(String(200), default="")
    # Gone from the latest import: kept for the reports that name it, not offered for new ones.
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    kind: Mapped[AssetKind] = relationship()


class ReportAsset(db.Model):
    """The asset a report names (at most one). A table of its own rather than a column on report: reports sit
    below assets and know nothing of them, and the report table keeps its heat-map triggers untouched."""

    __tablename__ = "report_asset"

    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), index=True)
