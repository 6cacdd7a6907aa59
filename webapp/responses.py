"""Where to go after a form was taken: a redirect for the browser, or the same place as JSON for the page
scripts that send queued reports and completions (so that their fetch does not follow the redirect and use up
the one-time receipt or message meant for the page they open next)."""
from __future__ import annotations

from flask import jsonify, redirect, request


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def go_to(url: str, **facts):
    """`facts` go along in the JSON answer (e.g. a new report's reference, for the phone's own list)."""
    if wants_json():
        return jsonify({"location": url, **facts})
    return redirect(url)
