"""Reading the kommun's inventory (`flask assets import FILE --kind street_light --id-field ID`): GeoJSON points
or CSV as Excel saves it, positions in WGS 84 or SWEREF 99 TM. A new import of a kind updates each asset in place
by its external id (reports keep naming it), adds the new ones and retires the ones the file no longer holds."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from shapely.geometry import shape
from sqlalchemy import select

from webapp.assets.models import Asset, AssetKind
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.services import GeoImportError
from webapp.spreadsheets import read_csv_text
from webapp.timeutil import utcnow

ID_COLUMNS = ("id", "external_id", "objektid", "objekt_id", "nummer", "number", "ref")
LON_COLUMNS = ("lon", "lng", "longitude", "long")
LAT_COLUMNS = ("lat", "latitude")
EAST_COLUMNS = ("e", "east", "easting", "x", "ost", "öst", "sweref99tm_e")
NORTH_COLUMNS = ("n", "north", "northing", "y", "nord", "sweref99tm_n")
POSITION_COLUMNS = set(LON_COLUMNS + LAT_COLUMNS + EAST_COLUMNS + NORTH_COLUMNS)


@dataclass(frozen=True)
class AssetRow:
    external_id: str
    lon: float
    lat: float
    attributes: dict


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    retired: int


def _external_id(row: dict, id_field: str | None) -> str:
    if id_field:
        return str(row.get(id_field.lower()) if row.get(id_field.lower()) is not None else "").strip()
    for name in ID_COLUMNS:
        if row.get(name) not in (None, ""):
            return str(row[name]).strip()
    return ""


def _number(row: dict, names: Iterable[str]) -> float:
    for name in names:
        if row.get(name) not in (None, ""):
            return float(str(row[name]).replace(",", ".").replace(" ", ""))
    raise ValueError


def _attributes(row: dict, id_field: str | None) -> dict:
    skip = POSITION_COLUMNS | {(id_field or "").lower()} | (set() if id_field else set(ID_COLUMNS))
    return {k: v for k, v in row.items() if k and k not in skip and v not in (None, "")}


def read_csv_rows(data: bytes, id_field: str | None = None) -> list[AssetRow]:
    try:
        found = read_csv_text(data)
    except InputRefused as exc:
        raise GeoImportError(str(exc)) from None
    rows = []
    for line, raw in enumerate(found.rows(), start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        external_id = _external_id(row, id_field)
        if not external_id:
            raise GeoImportError(f"Row {line}: no id (a column named {id_field or 'id'}).")
        try:
            try:
                lon, lat = geo.lon_lat(_number(row, LON_COLUMNS), _number(row, LAT_COLUMNS))
            except ValueError:
                lon, lat = geo.lon_lat(_number(row, EAST_COLUMNS), _number(row, NORTH_COLUMNS))
        except ValueError:
            raise GeoImportError(f"Row {line} ({external_id}): no position (lon and lat, or E and N in "
                                 "SWEREF 99 TM).") from None
        rows.append(AssetRow(external_id[:80], lon, lat, _attributes(row, id_field)))
    return rows


def read_geojson_rows(data: bytes, id_field: str | None = None) -> list[AssetRow]:
    rows = []
    for index, feature in enumerate(geo.geojson_features(data), start=1):
        props = feature["props"]
        external_id = _external_id(props, id_field) or (str(feature["id"]) if not id_field and feature.get("id")
                                                        not in (None, "") else "")
        if not external_id:
            raise GeoImportError(f"Feature {index}: no id (a property named {id_field or 'id'}).")
        try:
            point = shape(feature["geometry"]).representative_point()
        except (KeyError, TypeError, ValueError, AttributeError):
            raise GeoImportError(f"Feature {index} ({external_id}) has no valid geometry.") from None
        lon, lat = geo.lon_lat(point.x, point.y)
        rows.append(AssetRow(external_id[:80], lon, lat, _attributes(props, id_field)))
    return rows


def read_asset_file(path: Path | str, id_field: str | None = None) -> list[AssetRow]:
    """The assets of a GeoJSON or CSV file inside the kommun; GeoImportError with the reason."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GeoImportError(f"Cannot read {path}: {exc.strerror}") from None
    rows = read_geojson_rows(data, id_field) if path.suffix.lower() in (".geojson", ".json") \
        else read_csv_rows(data, id_field)
    ids = [r.external_id for r in rows]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})[:5]
        raise GeoImportError(f"The same id is given twice: {', '.join(twice)}.")
    inside = [r for r in rows if geo.is_in_kommun(r.lon, r.lat)]
    if not inside:
        raise GeoImportError("No asset in the file lies in the kommun.")
    return inside


def import_assets(kind_key: str, rows: list[AssetRow], source: str,
                  progress: Callable[[int], None] | None = None) -> ImportResult:
    """Make the inventory of `kind_key` what `rows` say: the same external id is updated in place (position,
    attributes, source; a retired one comes back), a new one is added, one the rows no longer hold is retired
    (kept for the reports that name it). Flushes; the command commits."""
    if db.session.get(AssetKind, kind_key) is None:
        raise GeoImportError(f"Unknown kind {kind_key!r}: see `flask assets kinds`.")
    existing = {a.external_id: a for a in db.session.execute(
        select(Asset).where(Asset.kind_key == kind_key)).scalars()}
    now = utcnow()
    added = updated = 0
    for row in rows:
        asset = existing.pop(row.external_id, None)
        if asset is None:
            db.session.add(Asset(kind_key=kind_key, external_id=row.external_id, lon=row.lon, lat=row.lat,
                                 attributes=row.attributes or None, source=source[:200], updated_at=now))
            added += 1
        else:
            asset.lon, asset.lat, asset.attributes = row.lon, row.lat, row.attributes or None
            asset.source, asset.retired, asset.updated_at = source[:200], False, now
            updated += 1
        if progress:
            progress(1)
    retired = 0
    for asset in existing.values():
        if not asset.retired:
            asset.retired, asset.updated_at = True, now
            retired += 1
    db.session.flush()
    return ImportResult(added, updated, retired)


def set_kind(key: str, names: dict, category_keys: list[str]) -> AssetKind:
    """Add a kind or change its names and categories. Flushes."""
    kind = db.session.get(AssetKind, key)
    if kind is None:
        kind = AssetKind(key=key, names={}, category_keys=[], sort_order=100)
        db.session.add(kind)
    kind.names = {**(kind.names or {}), **{k: v for k, v in names.items() if v}}
    if category_keys:
        kind.category_keys = list(category_keys)
    db.session.flush()
    return kind
