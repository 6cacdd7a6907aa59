"""Security headers on every response: a strict Content-Security-Policy (no inline script or style in our
markup), no sniffing, a careful referrer, no framing, and HSTS when the service is published over HTTPS."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy(tile_url: str) -> str:
    tiles = urlsplit(tile_url.replace("{s}", "a"))
    tile_origin = f"{tiles.scheme}://{tiles.netloc}" if tiles.netloc else ""
    if "{s}" in tile_url:  # subdomain-sharded tile servers (a., b., c.)
        tile_origin = f"{tiles.scheme}://*.{tiles.netloc.split('.', 1)[1]}"
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: blob: {tile_origin}".strip(),
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


# Where every answer is somebody's own: the staff side and the residents' private links (tracking, follow).
PRIVATE_PREFIXES = ("/staff", "/t/", "/r/folj/", "/avfolj/")


def register(app) -> None:
    policy = content_security_policy(app.config["TILE_URL"])
    # Browsers that have seen the site over HTTPS never try plain HTTP for a year (nor on its subdomains).
    https = (app.config.get("PUBLIC_BASE_URL") or "").startswith("https://")

    @app.after_request
    def add_headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
        if https:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.path.startswith(PRIVATE_PREFIXES):
            # Staff pages show reporters' contact data and keys shown once; a private link shows the resident's
            # own report: neither is kept by the browser's cache (the back button on a shared kommun PC) nor by
            # a proxy. Set here for the whole class, so a page added later is covered too.
            response.headers["Cache-Control"] = "private, no-store"
        return response
