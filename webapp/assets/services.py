"""The rules about assets: which are near a point, which a report may name, and whether a dark place needs a
light repaired or a new one."""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.assets.models import Asset, AssetKind, ReportAsset
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.i18n import localized
from webapp.reports.models import Report

# The category whose reports are weighed for new lighting or repair, and the kind that lights a place.
DARK_CATEGORY = "dark_unsafe"
LIGHT_KIND = "street_light"
NEED_NEW = "new"
NEED_REPAIR = "repair"
NEED_LABELS = {NEED_NEW: _l("Candidate for new lighting (SB)"),
               NEED_REPAIR: _l("Likely repair of an existing light (TS)")}


def all_kinds() -> list[AssetKind]:
    return list(db.session.execute(select(AssetKind).order_by(AssetKind.sort_order, AssetKind.key)).scalars())


def kinds_for_category(category_key: str) -> list[AssetKind]:
    """The kinds a report of this category may name (a dark place: a street light)."""
    return [k for k in all_kinds() if category_key in (k.category_keys or [])]


def kind_name(kind: AssetKind) -> str:
    return localized(kind.names)


def label(asset: Asset) -> str:
    """What staff call it: "Belysningsstolpe 1234"."""
    return f"{localized(asset.kind.names)} {asset.external_id}"


def _degree_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def assets_in_bbox(kind_key: str, min_lon: float, min_lat: float, max_lon: float, max_lat: float,
                   limit: int) -> tuple[list[Asset], bool]:
    """The kind's current assets in the box (ix_asset_lon_lat), at most `limit`; True when there were more."""
    found = list(db.session.execute(
        select(Asset).where(Asset.kind_key == kind_key, Asset.retired.is_(False),
                            Asset.lon.between(min_lon, max_lon), Asset.lat.between(min_lat, max_lat))
        .order_by(Asset.id).limit(limit + 1)).scalars())
    return found[:limit], len(found) > limit


def nearest_assets(kind_key: str, lat: float, lon: float, within_m: float, limit: int = 5) -> list[tuple[Asset, float]]:
    """The kind's current assets within `within_m` metres of the point, nearest first, with their distance."""
    min_lon, min_lat, max_lon, max_lat = _degree_box(lat, lon, within_m)
    candidates, _ = assets_in_bbox(kind_key, min_lon, min_lat, max_lon, max_lat, limit=2000)
    near = [(a, geo.meters_between(lon, lat, a.lon, a.lat)) for a in candidates]
    return sorted([(a, d) for a, d in near if d <= within_m], key=lambda pair: pair[1])[:limit]


def asset_problem(asset_id: int, category_key: str | None, lat: float | None,
                  lon: float | None) -> InputRefused | None:
    """Why a new report may not name this asset (None: it may): it must exist, be in use, be of a kind tied to
    the report's category and stand within ASSET_MAX_REPORT_DISTANCE_M of the pin. Called by the report intake
    through the hook `report_asset_check` (reports do not import assets)."""
    asset = db.session.get(Asset, asset_id) if isinstance(asset_id, int) else None
    if asset is None or asset.retired:
        return InputRefused("location", _l("The chosen object is not in the inventory any more. "
                                          "Choose it again on the map, or send the report without it."))
    if category_key is not None and category_key not in (asset.kind.category_keys or []):
        return InputRefused("location", _l("The chosen object (%(kind)s) does not fit this kind of report. "
                                          "Choose another object, or send the report without it.",
                                          kind=localized(asset.kind.names).lower()))
    limit = current_app.config["ASSET_MAX_REPORT_DISTANCE_M"]
    if lat is None or lon is None or geo.meters_between(lon, lat, asset.lon, asset.lat) > limit:
        return InputRefused("location", _l("The chosen object is more than %(m)d metres from the pin. "
                                          "Move the pin to it, or send the report without it.", m=limit))
    return None


@dataclass(frozen=True)
class LightingNeed:
    need: str           # NEED_NEW or NEED_REPAIR
    light: Asset | None  # the nearest street light (repair)
    distance_m: float | None

    @property
    def label(self) -> str:
        return str(NEED_LABELS[self.need])


def lighting_need(report: Report) -> LightingNeed | None:
    """For a dark and unsafe report with a position, in a kommun with street lights in its inventory: a likely
    repair (TS) when a street light stands within ASSET_NEW_LIGHT_DISTANCE_M, or the one it names; otherwise a
    candidate for new lighting (SB). None when it does not apply."""
    if report.category.key != DARK_CATEGORY or report.lat is None or not has_inventory(LIGHT_KIND):
        return None
    named = asset_of(report)
    if named is not None and named.kind_key == LIGHT_KIND:
        return LightingNeed(NEED_REPAIR, named, geo.meters_between(report.lon, report.lat, named.lon, named.lat))
    near = nearest_assets(LIGHT_KIND, report.lat, report.lon, current_app.config["ASSET_NEW_LIGHT_DISTANCE_M"], 1)
    if near:
        return LightingNeed(NEED_REPAIR, near[0][0], near[0][1])
    return LightingNeed(NEED_NEW, None, None)


def has_inventory(kind_key: str) -> bool:
    return db.session.execute(select(Asset.id).where(Asset.kind_key == kind_key, Asset.retired.is_(False))
                              .limit(1)).first() is not None


def asset_of(report: Report) -> Asset | None:
    return db.session.execute(select(Asset).join(ReportAsset, ReportAsset.asset_id == Asset.id)
                              .where(ReportAsset.report_id == report.id)).scalar_one_or_none()


def link_report(report: Report, asset_id: int) -> None:
    """Record that a new report names the asset (checked by asset_problem first). Flushes with the report."""
    db.session.add(ReportAsset(report_id=report.id, asset_id=asset_id))


def asset_by_external_id(external_id: str) -> list[Asset]:
    return list(db.session.execute(select(Asset).where(Asset.external_id == external_id)).scalars())


def reports_of(asset: Asset) -> list[Report]:
    """The reports that name the asset, newest first: its history of faults."""
    return list(db.session.execute(select(Report).join(ReportAsset, ReportAsset.report_id == Report.id)
                                   .where(ReportAsset.asset_id == asset.id)
                                   .order_by(Report.created_at.desc())).scalars())


def attribute_name(key: str) -> str:
    """An inventory's column name as a person reads it: its own words, without the file's underscores, and a
    unit suffix in brackets ("stolphöjd_m" → "Stolphöjd (m)")."""
    words = str(key).replace("_", " ").strip()
    for unit in UNIT_SUFFIXES:
        if words.lower().endswith(" " + unit):
            words = f"{words[:-len(unit) - 1]} ({words[-len(unit):]})"
            break
    return words[:1].upper() + words[1:]


UNIT_SUFFIXES = ("mm", "cm", "km", "m", "w", "kw", "v", "lm", "k")


def attribute_rows(asset: Asset) -> list[tuple[str, str]]:
    """The inventory's own attributes (its own words, made readable: attribute_name), for staff and crews."""
    return sorted((attribute_name(k), str(v)) for k, v in (asset.attributes or {}).items())
