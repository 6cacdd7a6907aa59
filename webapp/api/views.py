"""/api/v1: GeoJSON of public reports, nearby suggestions, areas, and the photo-position helper."""
from __future__ import annotations

import math

import orjson
from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from webapp.api import health
from webapp.api.openapi import document
from webapp.assets import services as asset_services
from webapp.errors import InputRefused
from webapp.extensions import limiter
from webapp.geo import services as geo
from webapp.geo.models import District, Zone
from webapp.i18n import localized
from webapp.media import PhotoError, position_from_photo
from webapp.reports import catalogue, intake, public
from webapp.reports.status import MAP_STATUS_FILTERS, STATUS_LABELS
from webapp.reports.submission import support_limit
from webapp.timeutil import as_utc
from webapp.urls import public_base_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
limiter.limit(lambda: current_app.config["PUBLIC_API_LIMIT"])(bp)
health_bp = Blueprint("health", __name__)
docs_bp = Blueprint("api_docs", __name__, url_prefix="/api")


@docs_bp.get("/openapi.json")
def openapi_json():
    return jsonify(document(public_base_url() + "/"))


@docs_bp.get("/docs")
def openapi_page():
    """The same document as a page people can read, with curl examples."""
    from flask import render_template


    spec = document(public_base_url() + "/")
    operations = [{"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                   "parameters": [f"{p['name']} ({p['in']}{', required' if p.get('required') else ''})"
                                  for p in op.get("parameters", [])],
                   "responses": [f"{code}: {r['description']}" for code, r in op["responses"].items()]}
                  for path, item in spec["paths"].items() for method, op in item.items()]
    return render_template("api/docs.html", spec=spec, operations=operations, base=public_base_url())


def error(message: str, status: int = 400):
    return jsonify({"error": message}), status


def parse_bbox(raw: str | None) -> tuple[float, float, float, float]:
    """minLon,minLat,maxLon,maxLat as four finite numbers in range, min before max."""
    if not raw:
        raise ValueError(_("The bbox parameter is required: bbox=minLon,minLat,maxLon,maxLat."))
    parts = raw.split(",")
    if len(parts) != 4:
        raise ValueError(_("bbox needs four numbers: minLon,minLat,maxLon,maxLat."))
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError:
        raise ValueError(_("bbox needs four numbers: minLon,minLat,maxLon,maxLat.")) from None
    if not all(math.isfinite(v) for v in (min_lon, min_lat, max_lon, max_lat)):
        raise ValueError(_("bbox needs four numbers: minLon,minLat,maxLon,maxLat."))
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValueError(_("bbox is out of range or its minimum is larger than its maximum."))
    return min_lon, min_lat, max_lon, max_lat


@bp.get("/reports")
def reports_in_bbox():
    try:
        bbox = parse_bbox(request.args.get("bbox"))
    except ValueError as exc:
        return error(str(exc))
    clusters = request.args.get("clusters")
    if clusters not in (None, "auto"):
        return error(_("clusters can only be auto."))
    try:
        only = _map_filters()
    except ValueError as exc:
        return error(str(exc))
    body = None
    if clusters == "auto":  # the public map: very busy views as counts per area
        body = _clusters_json(bbox, current_app.config["MAP_CLUSTER_ABOVE"], only)
    # Answers are kept for MAP_CACHE_SECONDS in front of the application (webapp/api/mapcache.py), per query
    # string: each category and status asked for is kept apart.
    response = Response(body or _map_json(bbox, only), mimetype="application/json")
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['MAP_CACHE_SECONDS']}"
    return response


def _map_filters() -> dict:
    """The public map's category and status (a group or one status), when asked for."""
    category, status = request.args.get("category") or None, request.args.get("status") or None
    if category is not None and category not in catalogue.all_category_names():
        raise ValueError(_("There is no category %(key)s.", key=category))
    if status is not None and status not in MAP_STATUS_FILTERS:
        raise ValueError(_("status can only be one of: %(choices)s.", choices=", ".join(MAP_STATUS_FILTERS)))
    return {"category": category, "status": status}


def _clusters_json(bbox, above: int, only: dict) -> bytes | None:
    """Counts per area when the box holds more than `above` public reports (of the category and status asked
    for); None when it holds fewer."""
    areas = public.public_areas_in_bbox(*bbox)
    total = sum(area[2] for area in areas)
    if total > above and (only["category"] or only["status"]):  # the kept counts know no category: count again
        areas = public.public_areas_in_bbox_filtered(*bbox, **only)
        total = sum(area[2] for area in areas)
    if total <= above:
        return None
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                 "properties": {"count": count}} for lon, lat, count in areas]
    return orjson.dumps({"type": "FeatureCollection", "features": features, "truncated": False,
                         "clustered": True, "total": total})


def _map_json(bbox, only: dict) -> bytes:
    rows, truncated = public.public_reports_in_bbox(*bbox, limit=current_app.config["API_MAX_FEATURES"], **only)
    # Built once per request rather than once per report: the URLs' shapes and the category names.
    show_url = url_for("reports.show", reference="REF").replace("REF", "{}")
    thumb_url = url_for("reports.photo", stem="STEM", size="thumb").replace("STEM", "{}")
    names = {key: localized(value) for key, value in catalogue.all_category_names().items()}
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
        "properties": {
            "id": r.id,
            "reference": r.reference,
            "category": r.category,
            "category_name": names.get(r.category, r.category),
            "status": r.status,
            "created": r.created,
            "support_count": r.support_count,
            "thumbnail_url": thumb_url.format(r.photo_stem) if r.photo_stem else None,
            "url": show_url.format(r.reference),
        },
    } for r in rows]
    return orjson.dumps({"type": "FeatureCollection", "features": features, "truncated": truncated})





def _float_arg(name: str) -> float:
    value = float(request.args[name])
    if not math.isfinite(value):
        raise ValueError(name)
    return value


def _category(c) -> dict:
    return {"key": c.key, "kind": c.kind, "name": localized(c.names), "description": localized(c.descriptions),
            "notice": localized(c.notice) or None, "department": c.department_code,
            "icon_url": url_for("static", filename=f"img/icons/{c.icon}.svg"),
            "duplicate_radius_m": c.duplicate_radius_m}


@bp.get("/categories")
def categories():
    return jsonify({"categories": [_category(c) for c in catalogue.active_categories()]})


@bp.get("/reports/<reference>")
def report(reference: str):
    found = public.public_report(reference)
    if found is None:
        return error(_("We could not find that page. The report may have been removed or the link is wrong."), 404)
    return jsonify({
        "reference": found.reference, "category": found.category.key, "category_name": localized(found.category.names),
        "status": found.status, "status_name": str(STATUS_LABELS.get(found.status, found.status)),
        "description": found.public_description, "place": found.public_location_text or None,
        "district": found.district.name if found.district else None,
        "lat": found.lat, "lon": found.lon, "created": as_utc(found.created_at).isoformat(),
        "support_count": found.support_count,
        "history": [{"status": h.to_status, "note": h.public_note or None, "at": as_utc(h.created_at).isoformat()}
                    for h in found.history],
        "photos": [{"url": url_for("reports.photo", stem=p.stem, size="display"),
                    "thumbnail_url": url_for("reports.photo", stem=p.stem, size="thumb")}
                   for p in public.public_photos(found)],
    })


@bp.post("/reports/<reference>/support")
@support_limit()
def support(reference: str):
    """Add the caller's support (once per browser session, and at most as often per client address as
    reports.public.support_report allows). Needs the page's CSRF token in X-CSRFToken."""
    import secrets

    from flask import session

    found = public.public_report(reference)
    if found is None:
        return error(_("We could not find that page. The report may have been removed or the link is wrong."), 404)
    supporter = session.setdefault("supporter", secrets.token_urlsafe(16))
    try:
        added = public.support_report(found, supporter, client_address=get_remote_address())
    except InputRefused as exc:
        return error(str(exc.message), 409)
    return jsonify({"reference": found.reference, "support_count": found.support_count, "added": added})


@bp.get("/reports/nearby")
def nearby():
    try:
        lat, lon = _float_arg("lat"), _float_arg("lon")
    except (KeyError, ValueError):
        return error(_("lat and lon must be numbers."))
    found = intake.nearby_open_reports(lat, lon, category_key=request.args.get("category") or None)
    return jsonify({"reports": [{
        "reference": r.reference,
        "category_name": localized(r.category.names),
        "description": r.public_description[:200],
        "distance_m": round(distance),
        "support_count": r.support_count,
        "url": url_for("reports.show", reference=r.reference),
        "support_url": url_for("reports.support", reference=r.reference),
    } for r, distance in found]})


def _asset_feature(asset, distance: float | None = None) -> dict:
    properties = {"id": asset.id, "external_id": asset.external_id, "kind": asset.kind_key,
                  "name": asset_services.label(asset)}
    if distance is not None:
        properties["distance_m"] = round(distance, 1)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(asset.lon, 6), round(asset.lat, 6)]},
            "properties": properties}


def _asset_kind_arg() -> str:
    kind = request.args.get("kind") or ""
    if kind not in {k.key for k in asset_services.all_kinds()}:
        raise ValueError(_("Unknown kind of object: choose one of %(kinds)s.",
                           kinds=", ".join(k.key for k in asset_services.all_kinds())))
    return kind


@bp.get("/assets")
def assets_in_bbox():
    """The kommun's inventory of one kind in a box, as GeoJSON (at most ASSET_MAX_FEATURES)."""
    try:
        kind = _asset_kind_arg()
        bbox = parse_bbox(request.args.get("bbox"))
    except ValueError as exc:
        return error(str(exc))
    found, truncated = asset_services.assets_in_bbox(kind, *bbox, limit=current_app.config["ASSET_MAX_FEATURES"])
    return jsonify({"type": "FeatureCollection", "features": [_asset_feature(a) for a in found],
                    "truncated": truncated})


@bp.get("/assets/nearest")
def nearest_assets():
    """The kind's assets within ASSET_NEAREST_M metres of a point, nearest first (at most five)."""
    try:
        kind = _asset_kind_arg()
    except ValueError as exc:
        return error(str(exc))
    try:
        lat, lon = _float_arg("lat"), _float_arg("lon")
    except (KeyError, ValueError):
        return error(_("lat and lon must be numbers."))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return error(_("lat and lon must be numbers."))
    found = asset_services.nearest_assets(kind, lat, lon, current_app.config["ASSET_NEAREST_M"])
    return jsonify({"type": "FeatureCollection", "features": [_asset_feature(a, d) for a, d in found]})


@bp.post("/photo-position")
def photo_position():
    """Where a photo's EXIF says it was taken, so the form can offer that position. Nothing is stored."""
    upload = request.files.get("photo")
    if upload is None:
        return error(_("Send one photo in the field 'photo'."))
    limit = current_app.config["MAX_PHOTO_BYTES"]
    try:  # the EXIF only: no pixel is decoded, whatever the picture's size
        position = position_from_photo(upload.stream.read(limit + 1), max_bytes=limit)
    except PhotoError as exc:
        return error(str(exc.args[0]))
    if position is None:
        return jsonify({"position": None})
    lon, lat = position
    return jsonify({"position": {"lat": lat, "lon": lon, "in_kommun": geo.is_in_kommun(lon, lat)}})


@bp.get("/areas/districts")
def districts():
    return jsonify(geo.areas_geojson(District))


@bp.get("/areas/zones")
def zones():
    return jsonify(geo.areas_geojson(Zone))


@bp.get("/areas/kommun")
def kommun():
    return jsonify(geo.kommun_geojson())


@health_bp.get("/healthz")
def healthz():
    """Each part's state, for a load balancer and the operator: 200 while the database and the photo store
    work (jobs or mail falling behind only say "degraded"), 503 when either does not. No addresses, no
    errors' texts (they could name a host or a path): only each part's status and counts."""
    return health.answer()
