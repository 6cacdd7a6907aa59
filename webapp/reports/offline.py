"""A phone in a dark park: the web app manifest, the service worker that keeps the resident pages (and the
crew's task list) on the phone, the page shown when nothing is kept, and a fresh CSRF token for reports
that were queued offline and are sent later."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from webapp.municipality import current_municipality

bp = Blueprint("offline", __name__)

# Kept on the phone when the service worker installs: the resident pages and what they need to run.
PAGES = ["/", "/karta", "/tillganglighet", "/offline", "/mina-rapporter"]
STATIC = ["css/app.css", "js/map-common.js", "js/report-form.js", "js/public-map.js", "js/report-page.js",
          "js/offline-queue.js", "js/outbox.js", "js/photo-shrink.js", "js/form-problems.js", "js/place-search.js", "js/asset-picker.js", "js/my-reports.js",
          "js/register-sw.js",
          "js/tasks.js",
          "js/task-offline.js",
          "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "vendor/leaflet/images/marker-icon.png",
          "vendor/leaflet/images/marker-icon-2x.png", "vendor/leaflet/images/marker-shadow.png",
          "vendor/leaflet.markercluster/leaflet.markercluster.js", "vendor/leaflet.markercluster/MarkerCluster.css",
          "vendor/leaflet.markercluster/MarkerCluster.Default.css", "img/app-icon-192.png"]


@lru_cache(maxsize=4)
def _version(static_folder: str) -> str:
    """Changes whenever a kept file changes, so that phones fetch the new ones."""
    digest = hashlib.sha256()
    for name in STATIC:
        path = Path(static_folder) / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:12]


@bp.get("/sw.js")
def service_worker():
    # The versioned URLs the pages ask for (…?v=<hash>), and the plain ones that scripts import each other by.
    static = [url_for("static", filename=name) for name in STATIC]
    static += [url_for("static", filename=name, v=None) for name in STATIC if name.startswith("js/")]
    body = render_template("sw.js", version=_version(current_app.static_folder),
                           precache=json.dumps(PAGES + static), offline_url=url_for("offline.offline_page"))
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    municipality = current_municipality()
    data = {
        "name": f"{_('Trygghetskartan')} – {municipality.organisation}", "short_name": _("Trygghetskartan"),
        "description": _("Report places in %(name)s that feel unsafe, are littered or poorly maintained.",
                         name=municipality.name),
        "start_url": "/", "scope": "/", "display": "standalone", "background_color": "#ffffff",
        "theme_color": "#0b4f8a", "lang": "sv",
        "icons": [{"src": url_for("static", filename=f"img/app-icon-{size}.png"), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": "any maskable"} for size in (192, 512)],
    }
    return Response(json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json")


@bp.get("/offline")
def offline_page():
    return render_template("reports/offline.html")


@bp.get("/csrf-token")
def csrf_token():
    """A fresh token for a report that waited on the phone longer than its page's token lives."""
    response = jsonify({"csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response
