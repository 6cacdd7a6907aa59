"""Geometry rules: is a point in the kommun, which district and zone is it in, GeoJSON import."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np
import shapely
from pyproj import Transformer
from shapely import STRtree
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from sqlalchemy import select

from webapp.extensions import db
from webapp.geo.models import District, Zone
from webapp.municipality import DATA_DIR, current_municipality  # noqa: F401 - DATA_DIR: geo.DATA_DIR as before

_to_sweref = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
_to_wgs84 = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
_rt90_to_wgs84 = Transformer.from_crs("EPSG:3021", "EPSG:4326", always_xy=True)


def reproject(geometry: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    return shapely.transform(geometry, lambda x, y: transformer.transform(x, y), interleaved=False)


def to_sweref_geometry(geometry: BaseGeometry) -> BaseGeometry:
    return reproject(geometry, _to_sweref)


class GeoImportError(ValueError):
    """A GeoJSON file that cannot be imported, with a reason a person can act on."""


def to_sweref(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 lon/lat to SWEREF 99 TM easting/northing in metres."""
    return _to_sweref.transform(lon, lat)


def lon_lat(x: float, y: float) -> tuple[float, float]:
    """(lon, lat) from a position in WGS 84 or SWEREF 99 TM (metres), told apart by size: the lists a kommun
    brings (streets, street lights) come in either."""
    if abs(x) > 1000 or abs(y) > 1000:
        return to_wgs84(x, y)
    return x, y


def geojson_features(data: bytes) -> list[dict]:
    """The features of a GeoJSON FeatureCollection, each a dict with its properties' names in lower case
    (`props`); GeoImportError with a readable reason when it is not one."""
    try:
        collection = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GeoImportError(f"Not a GeoJSON file: {exc}") from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise GeoImportError("The file is not a GeoJSON FeatureCollection.")
    features = []
    for feature in collection.get("features") or []:
        feature = feature if isinstance(feature, dict) else {}
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        features.append({**feature, "props": {str(k).lower(): v for k, v in properties.items()}})
    return features


def to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    return _to_wgs84.transform(easting, northing)


def slugify(name: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})
    return re.sub(r"[^a-z0-9]+", "-", name.lower().translate(table)).strip("-") or "omrade"


def kommun_boundary() -> BaseGeometry:
    """The configured kommun (its simplified real boundary), WGS84."""
    return _boundary(current_municipality().boundary_file)


@lru_cache(maxsize=4)
def _boundary(path: Path) -> BaseGeometry:
    data = json.loads(path.read_text())
    return unary_union([shape(f["geometry"]) for f in data["features"]])


@lru_cache(maxsize=8)
def _kommun_with_margin(path: Path, margin_m: float) -> BaseGeometry:
    projected = reproject(_boundary(path), _to_sweref)
    return projected.buffer(margin_m)


def is_in_kommun(lon: float, lat: float, margin_m: float = 500) -> bool:
    """True when the point lies in the configured kommun, allowing for the simplified coastline."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return False
    return _kommun_with_margin(current_municipality().boundary_file, margin_m).contains(Point(to_sweref(lon, lat)))


def kommun_geojson() -> dict:
    return json.loads(current_municipality().boundary_file.read_text())


@dataclass(frozen=True)
class Area:
    id: int
    name: str
    geometry: BaseGeometry  # SWEREF 99 TM, so that distances are metres


class AreaLocator:
    """Finds the district or zone of a point. Build once, use for many points."""

    def __init__(self, areas: Iterable[Area], nearest_within_m: float = 0):
        self.areas = list(areas)
        self.tree = STRtree([a.geometry for a in self.areas]) if self.areas else None
        self.nearest_within_m = nearest_within_m

    def locate(self, lon: float, lat: float) -> Area | None:
        if self.tree is None:
            return None
        point = Point(to_sweref(lon, lat))
        for index in self.tree.query(point, predicate="within"):
            return self.areas[int(index)]
        if self.nearest_within_m:
            index = self.tree.nearest(point)
            if index is not None and self.areas[int(index)].geometry.distance(point) <= self.nearest_within_m:
                return self.areas[int(index)]
        return None


def _projected(geojson_text: str) -> BaseGeometry:
    return reproject(shape(json.loads(geojson_text)), _to_sweref)


def district_locator(margin_m: float = 500) -> AreaLocator:
    """Districts as stored. A point near the coast but outside every polygon gets the nearest one."""
    rows = db.session.execute(select(District.id, District.name, District.geometry)).all()
    return AreaLocator((Area(r.id, r.name, _projected(r.geometry)) for r in rows), nearest_within_m=margin_m)


def zone_locator() -> AreaLocator:
    rows = db.session.execute(select(Zone.id, Zone.name, Zone.geometry)).all()
    return AreaLocator(Area(r.id, r.name, _projected(r.geometry)) for r in rows)


def _looks_projected(geom: BaseGeometry) -> bool:
    minx, miny, maxx, maxy = geom.bounds
    return abs(minx) > 180 or abs(maxy) > 90


def _crs_name(data: dict) -> str:
    return str(((data.get("crs") or {}).get("properties") or {}).get("name", ""))


def read_feature_polygons(path: Path | str, name_property: str | None = None) -> list[tuple[str, BaseGeometry]]:
    """Read a GeoJSON FeatureCollection of polygons, converting SWEREF 99 TM (or RT90) to WGS84.

    Returns (name, WGS84 geometry) pairs. Raises GeoImportError with a readable reason.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GeoImportError(f"Cannot read {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeoImportError("The file is not a GeoJSON FeatureCollection.")
    crs = _crs_name(data)
    result = []
    for number, feature in enumerate(data.get("features") or [], start=1):
        props = feature.get("properties") or {}
        name = props.get(name_property) if name_property else None
        name = name or props.get("name") or props.get("namn") or props.get("NAMN") or props.get("Name")
        if not name:
            raise GeoImportError(f"Feature {number} has no name property (name/namn).")
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise GeoImportError(f"Feature {number} ({name}) has no valid geometry: {exc}") from exc
        if geom.geom_type not in {"Polygon", "MultiPolygon"}:
            raise GeoImportError(f"Feature {number} ({name}) is a {geom.geom_type}, not a polygon.")
        if "3021" in crs:
            geom = reproject(geom, _rt90_to_wgs84)
        elif "3006" in crs or _looks_projected(geom):
            geom = reproject(geom, _to_wgs84)
        if not geom.is_valid:
            geom = geom.buffer(0)
        if not kommun_boundary().buffer(0.05).intersects(geom):
            raise GeoImportError(f"Feature {number} ({name}) is not in {current_municipality().kommun}.")
        result.append((str(name), geom))
    if not result:
        raise GeoImportError("The file has no features.")
    return result


def import_areas(model, features: list[tuple[str, BaseGeometry]], source: str, approximate: bool = False) -> int:
    """Insert or replace districts or zones by name. Returns how many were written."""
    for name, geom in features:
        row = db.session.execute(select(model).where(model.name == name)).scalar_one_or_none()
        if row is None:
            row = model(name=name)
            if model is District:
                row.slug = slugify(name)
            db.session.add(row)
        row.geometry = json.dumps(mapping(geom))
        row.is_approximate = approximate
        row.source = source[:200]
    db.session.flush()
    return len(features)


def import_districts(path, source: str | None = None, approximate: bool = False, name_property=None) -> int:
    return import_areas(District, read_feature_polygons(path, name_property), source or Path(path).name, approximate)


def import_zones(path, source: str | None = None, approximate: bool = False, name_property=None) -> int:
    return import_areas(Zone, read_feature_polygons(path, name_property), source or Path(path).name, approximate)


def areas_geojson(model) -> dict:
    rows = db.session.execute(select(model).order_by(model.name)).scalars()
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": json.loads(r.geometry),
             "properties": {"id": r.id, "name": r.name, "approximate": r.is_approximate}}
            for r in rows
        ],
    }


def any_approximate(model) -> bool:
    return db.session.execute(select(model.id).where(model.is_approximate.is_(True)).limit(1)).first() is not None


def meters_between(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    x1, y1 = to_sweref(lon1, lat1)
    x2, y2 = to_sweref(lon2, lat2)
    return ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5


def cell_polygon(cell: dict, size_m: int) -> list[list[float]]:
    e, n = cell["e"], cell["n"]
    corners = [(e, n), (e + size_m, n), (e + size_m, n + size_m), (e, n + size_m), (e, n)]
    return [[round(v, 6) for v in to_wgs84(x, y)] for x, y in corners]


# The heat map's counts per 100 m SWEREF 99 TM cell (tables heat_cell, heat_cell_category and heat_cell_month,
# models HeatCell, HeatCellCategory and HeatCellMonth), kept by triggers from the cell stored with each report. A report counts as the heat map's own
# query (webapp.insights.services._query) does: placed, not hidden, not merged as a duplicate.
# The heat map's cell: 100 m squares of SWEREF 99 TM, stored with each report (webapp/reports/spatial.py).
CELL_M = 100


def cell_of(lon: float | None, lat: float | None) -> tuple[int | None, int | None]:
    """The 100 m SWEREF 99 TM cell (column, row) of a WGS84 position; (None, None) without one."""
    if lon is None or lat is None:
        return None, None
    east, north = to_sweref(lon, lat)
    return math.floor(east / CELL_M), math.floor(north / CELL_M)


def cells_of(lons, lats):
    """cell_of for arrays (one projection call), as two integer arrays."""
    east, north = to_sweref(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    return (np.floor(np.asarray(east) / CELL_M).astype(np.int64),
            np.floor(np.asarray(north) / CELL_M).astype(np.int64))
