"""Security headers on pages, the API and errors."""
from tests.conftest import base_config, build_app, database_url
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


def test_cookies_are_secure_when_the_service_is_published_over_https(monkeypatch, tmp_path):
    from webapp import create_app

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://trygghetskartan.landskrona.se")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    settings = {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                "SECRET_KEY": "k" * 32}
    app = create_app(settings)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    local = create_app(settings)
    assert not local.config["SESSION_COOKIE_SECURE"]  # `make run` on plain HTTP keeps working


def test_hsts_on_every_answer_when_published_over_https(tmp_path, request):
    config = base_config(tmp_path, database_url("sqlite", request, tmp_path))
    secure = build_app({**config, "PUBLIC_BASE_URL": "https://trygghetskartan.test"})
    with secure.app_context():
        client = secure.test_client()
        for path in ("/", "/karta", "/api/v1/categories", "/no-such-page", "/staff/login", "/healthz"):
            assert client.get(path).headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    plain = build_app(config)  # http://trygghetskartan.test: a browser would ignore it, and it would pin nothing
    with plain.app_context():
        assert "Strict-Transport-Security" not in plain.test_client().get("/").headers


def test_no_staff_page_or_private_link_is_kept_by_a_cache(sqlite_app):
    """Every staff answer (walked from the URL map, as the administrator) and a resident's private tracking
    page are `private, no-store`: a shared kommun PC's back button or a proxy keeps no reporter's address."""
    from tests.factories import login, make_report, make_user

    admin = sqlite_app.test_client()
    login(admin, make_user("admin", email="cache-admin@example.se"))
    report, token = make_report(email="anna@example.se")
    checked = []
    for rule in sqlite_app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith("/staff") or rule.arguments or "logout" in rule.rule:
            continue
        response = admin.get(rule.rule)
        if response.status_code == 200:
            assert response.headers["Cache-Control"] == "private, no-store", rule.rule
            checked.append(rule.rule)
    assert len(checked) > 20, checked
    assert admin.get(f"/staff/reports/{report.id}").headers["Cache-Control"] == "private, no-store"
    tracking = sqlite_app.test_client().get(f"/t/{token}")
    assert tracking.status_code == 200 and tracking.headers["Cache-Control"] == "private, no-store"
    assert "no-store" not in sqlite_app.test_client().get("/karta").headers.get("Cache-Control", "")
