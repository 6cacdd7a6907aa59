"""What the staff, work order and crew pages show of a report's asset and of an asset's history."""
from __future__ import annotations

import json

from flask import url_for
from flask_babel import format_date

from webapp.assets import services
from webapp.assets.models import Asset
from webapp.i18n import localized
from webapp.reports.models import Report
from webapp.reports.status import STATUS_LABELS
from webapp.timeutil import local_date


def asset_summary(asset: Asset | None) -> dict | None:
    if asset is None:
        return None
    return {"label": services.label(asset), "url": url_for("assets.show", asset_id=asset.id),
            "retired": asset.retired, "attributes": services.attribute_rows(asset),
            "lat": round(asset.lat, 6), "lon": round(asset.lon, 6)}


def report_asset(report: Report) -> dict | None:
    """The report's asset as staff and crews see it: "Belysningsstolpe 1234", its attributes, its page."""
    return asset_summary(services.asset_of(report))


def lighting(report: Report) -> dict | None:
    """New lighting or a repair, for a dark and unsafe report (none for other reports or without an inventory)."""
    need = services.lighting_need(report)
    if need is None:
        return None
    return {"need": need.need, "label": need.label,
            "light": services.label(need.light) if need.light else None,
            "distance": round(need.distance_m) if need.distance_m is not None else None}


def asset_page(asset: Asset) -> dict:
    return {"asset": asset_summary(asset), "kind": localized(asset.kind.names), "external_id": asset.external_id,
            "source": asset.source,
            "map_places": [{"lat": asset.lat, "lon": asset.lon, "number": asset.external_id, "group": "repair",
                            "count": ""}],
            "reports": [{"reference": r.reference, "url": url_for("staff.report", report_id=r.id),
                         "category": localized(r.category.names), "status": STATUS_LABELS.get(r.status, r.status),
                         "date": format_date(local_date(r.created_at))} for r in services.reports_of(asset)]}


def picker() -> dict:
    """The report form's asset picker: {category key: kind} for the kinds with assets in use, and the API."""
    by_category = {}
    for kind in services.all_kinds():
        if services.has_inventory(kind.key):
            for key in kind.category_keys or []:
                by_category.setdefault(key, kind.key)
    return {"kinds_json": json.dumps(by_category), "assets_url": url_for("api.assets_in_bbox"),
            "nearest_url": url_for("api.nearest_assets")}
