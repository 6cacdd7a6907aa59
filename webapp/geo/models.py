from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.timeutil import utcnow


class District(db.Model):
    """A part of the kommun reports are counted by; polygons come from the city's GIS by import."""

    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    # GeoJSON geometry (Polygon or MultiPolygon), WGS84.
    geometry: Mapped[str] = mapped_column(Text)
    # True for the demo geometry drawn by the team; shown as "approximate" everywhere.
    is_approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Zone(db.Model):
    """An area with its own maintenance rules, e.g. a higher-intensity maintenance zone in the centre."""

    __tablename__ = "zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40), default="higher_intensity")
    geometry: Mapped[str] = mapped_column(Text)
    is_approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MapSquare(db.Model):
    """How many public reports lie in each 0.001° square (about 60 × 110 m in southern Sweden): the public map shows
    very busy views as counts per area instead of every pin. Kept by database triggers on `report`
    (webapp/reports/spatial.py), so every way of writing a report keeps it right."""

    __tablename__ = "map_square"

    # floor(lon * 1000) and floor(lat * 1000)
    sx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sy: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, default=0)


class HeatCell(db.Model):
    """How many public reports (placed, not hidden, not merged as duplicates) lie in each 100 m SWEREF 99 TM cell:
    the unfiltered heat map is summed from it instead of reading every report. This table and the two below are
    kept by database triggers on `report` (webapp/reports/spatial.py), so every way of writing a report keeps them."""

    __tablename__ = "heat_cell"
    __table_args__ = {"sqlite_with_rowid": False}  # on SQLite the key is the table

    ce: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)   # report.cell_e
    cn: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)   # report.cell_n
    n: Mapped[int] = mapped_column(Integer, default=0)


class HeatCellCategory(db.Model):
    """The same counts per category and time of day ("" when none was given), for the heat map of some
    categories or times of day; the category leads the key, so that one category reads one range."""

    __tablename__ = "heat_cell_category"
    __table_args__ = {"sqlite_with_rowid": False}  # on SQLite the key is the table

    category_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    time_of_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    ce: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cn: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, default=0)


class HeatCellMonth(db.Model):
    """The same counts per calendar month (UTC) of `report.created_at` as well, for heat maps over a period; the
    month leads the key so that a period reads one range of it."""

    __tablename__ = "heat_cell_month"
    __table_args__ = {"sqlite_with_rowid": False}  # on SQLite the key is the table

    month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # year * 100 + month
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    time_of_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    ce: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cn: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, default=0)


class HeatCellYear(db.Model):
    """The counts per cell and calendar year (UTC) of `report.created_at`, all categories together: a year's
    heat map reads one row per cell (~6 000) instead of its months' rows per category (~100 000 at a million
    reports). Kept by the same triggers as the tables above."""

    __tablename__ = "heat_cell_year"
    __table_args__ = {"sqlite_with_rowid": False}  # on SQLite the key is the table

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ce: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cn: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, default=0)


class StreetPlace(db.Model):
    """A street, or one address on it, that the place search finds without an outside geocoder: imported from a
    list the kommun has (an OpenStreetMap extract, Lantmäteriet's open addresses, its own register) by
    `flask geo import-streets`. `number` is empty for a street's own point (the middle of its line)."""

    __tablename__ = "street_place"

    id: Mapped[int] = mapped_column(primary_key=True)
    street: Mapped[str] = mapped_column(String(120))
    number: Mapped[str] = mapped_column(String(16), default="")
    # The street's name folded (lower case, no accents) for searching by the start of any of its words.
    folded: Mapped[str] = mapped_column(String(120), index=True)
    locality: Mapped[str] = mapped_column(String(120), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200), default="")
