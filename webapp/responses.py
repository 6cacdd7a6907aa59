"""Where to go after a form was taken: a redirect for the browser, or the same place as JSON for the page
scripts that send queued reports and completions (so that their fetch does not follow the redirect and use up
the one-time receipt or message meant for the page they open next)."""
from __future__ import annotations

from flask import Response, abort, jsonify, redirect, request


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def go_to(url: str, **facts):
    """`facts` go along in the JSON answer (e.g. a new report's reference, for the phone's own list)."""
    if wants_json():
        return jsonify({"location": url, **facts})
    return redirect(url)


# Published photos can still be rejected or redacted by staff, so caches may keep one only if they ask again
# before each use (docs/operations.md, "Photos").
PUBLIC_PHOTO_CACHE = "public, no-cache"


def photo_response(store, stem: str, size: str, cache_control: str) -> Response:
    """A photo file from the photo store (disk or S3). A stem's files never change (a redaction makes a new stem),
    so the stem is the ETag and a cache's question is answered without reading the file."""
    etag = f"{stem}-{size}"
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        content = store.read(stem, size)
        if content is None:
            abort(404)
        response = Response(content, mimetype="image/jpeg")
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
