"""/api/v1: GeoJSON of public reports, nearby suggestions, areas, and the photo-position helper."""
from __future__ import annotations

import math

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import text

from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.models import District, Zone
from webapp.i18n import localized
from webapp.media import PhotoError, process_photo
from webapp.reports import services
from webapp.timeutil import as_utc

bp = Blueprint("api", __name__, url_prefix="/api/v1")
health_bp = Blueprint("health", __name__)


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
    rows, truncated = services.public_reports_in_bbox(*bbox, limit=current_app.config["API_MAX_FEATURES"])
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
        "properties": {
            "id": r.id,
            "reference": r.reference,
            "category": r.category,
            "category_name": localized(r.category_names),
            "status": r.status,
            "created": as_utc(r.created_at).date().isoformat(),
            "support_count": r.support_count,
            "thumbnail_url": url_for("reports.photo", photo_id=r.photo_id, size="thumb") if r.photo_id else None,
            "url": url_for("reports.show", reference=r.reference),
        },
    } for r in rows]
    return jsonify({"type": "FeatureCollection", "features": features, "truncated": truncated})


def _float_arg(name: str) -> float:
    value = float(request.args[name])
    if not math.isfinite(value):
        raise ValueError(name)
    return value


@bp.get("/reports/nearby")
def nearby():
    try:
        lat, lon = _float_arg("lat"), _float_arg("lon")
    except (KeyError, ValueError):
        return error(_("lat and lon must be numbers."))
    found = services.nearby_open_reports(lat, lon, request.args.get("category") or None)
    return jsonify({"reports": [{
        "reference": r.reference,
        "category_name": localized(r.category.names),
        "description": r.description[:200],
        "distance_m": round(distance),
        "support_count": r.support_count,
        "url": url_for("reports.show", reference=r.reference),
        "support_url": url_for("reports.support", reference=r.reference),
    } for r, distance in found]})


@bp.post("/photo-position")
def photo_position():
    """Where a photo's EXIF says it was taken, so the form can offer that position. Nothing is stored."""
    upload = request.files.get("photo")
    if upload is None:
        return error(_("Send one photo in the field 'photo'."))
    config = current_app.config
    try:
        processed = process_photo(upload.stream.read(config["MAX_PHOTO_BYTES"] + 1),
                                  max_bytes=config["MAX_PHOTO_BYTES"], max_pixels=config["MAX_IMAGE_PIXELS"],
                                  display_size=64, thumb_size=16)
    except PhotoError as exc:
        return error(str(exc.args[0]))
    if processed.gps is None:
        return jsonify({"position": None})
    lon, lat = processed.gps
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
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy", with no detail to the world
        db.session.rollback()
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})
