"""Security headers on pages, the API and errors."""
from webapp.security import content_security_policy


def test_headers_on_pages_api_and_errors(web):
    for path in ("/", "/karta", "/api/v1/categories", "/no-such-page", "/staff/login"):
        response = web.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_tiles_are_allowed_as_images_only():
    csp = content_security_policy("https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: blob: https://tile.openstreetmap.org" in csp
    assert "connect-src 'self'" in csp
    sharded = content_security_policy("https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert "https://*.tile.example.org" in sharded
