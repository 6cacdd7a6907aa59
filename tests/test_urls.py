"""Where the service lives: links that leave the site always start with PUBLIC_BASE_URL (whatever Host a request
carried), other hosts are refused, forwarded addresses are believed only from the configured proxies, and a
login's `next=` never leads off the site."""
import re
from pathlib import Path

import pytest

from tests.conftest import base_config, build_app, database_url
from tests.factories import CENTRUM, PASSWORD, form_token, image_bytes, login, make_user
from webapp import create_app
from webapp.mail import outbox_messages
from webapp.urls import ConfigurationError, safe_next

ROOT = Path(__file__).resolve().parent.parent
URL = re.compile(r"""https?://[^\s"'<>)]+""")


# The login's next= parameter

HOSTILE_NEXT = ["/\t/evil.example/phish", "/%09/evil.example/phish", "//evil.example", "/\\evil.example",
                "/%5Cevil.example", "\\\\evil.example", "https://evil.example/", "http:evil.example",
                "javascript:alert(1)", "/\n/evil.example", "/\r\n/evil.example", "/ /evil.example",
                "/\x00/evil.example", "/\u00a0/evil.example", "/\u2028/evil.example", "///evil.example",
                "evil.example", "", "/staff\\..\\..\\evil"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_leads_off_the_site(web, sqlite_app, target):
    from urllib.parse import quote

    user = make_user("case_officer")
    # As a link would carry it (percent-encoded), and as a raw value.
    for query in (quote(target, safe=""), target.replace("\t", "%09").replace("\n", "%0A").replace("\r", "%0D")):
        client = sqlite_app.test_client()
        client.get(f"/staff/login?next={query}")
        response = login(client, user)
        assert response.headers["Location"] == "/staff/reports", (target, query)


def test_next_keeps_a_path_on_this_site(sqlite_app):
    client = sqlite_app.test_client()
    client.get("/staff/login?next=%2Fstaff%2Finsights%2Fheatmap%3Fperiod%3D2025")
    assert login(client, make_user("case_officer")).headers["Location"] == "/staff/insights/heatmap?period=2025"


def test_safe_next_accepts_only_plain_paths():
    assert safe_next("/staff/reports?status=new#top") == "/staff/reports?status=new#top"
    assert safe_next("/r/LK-2026-00001") == "/r/LK-2026-00001"
    for target in HOSTILE_NEXT:
        from urllib.parse import unquote

        assert safe_next(target) in (None, target) and safe_next(unquote(target)) in (None, unquote(target))
        # Whatever is accepted, a browser resolving it against the site stays on the site.
        for accepted in filter(None, (safe_next(target), safe_next(unquote(target)))):
            from urllib.parse import urljoin, urlsplit

            cleaned = re.sub(r"[\t\n\r]", "", accepted).replace("\\", "/")
            assert urlsplit(urljoin("https://trygghetskartan.landskrona.se/", cleaned)).netloc == \
                "trygghetskartan.landskrona.se", accepted


# Links that leave the site

def _links_in_mails(app) -> list[str]:
    return [url for mail in outbox_messages(app.config["MAIL_OUTBOX_DIR"])
            for url in URL.findall(mail.get_body(("plain", "html")).get_content())]


PUBLIC = "https://trygghetskartan.landskrona.se"


@pytest.fixture
def published(tmp_path, request):
    """The service published at PUBLIC while requests reach it under another name it also answers to (as
    behind a proxy that passes its own Host), so that a link built from the request would show."""
    config = base_config(tmp_path, database_url("sqlite", request, tmp_path))
    app = build_app({**config, "PUBLIC_BASE_URL": PUBLIC, "TRUSTED_HOSTS": ["trygghetskartan.test"]})
    with app.app_context():
        yield app


def test_every_link_in_every_mail_starts_with_the_public_address(published):
    """Each mail the service sends on a report's way — the receipt, the officer's question, the answer back to
    the officer, 'fixed' — links only to the public address, whatever Host or forwarded headers came."""
    import io

    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.reports.models import Report
    from webapp.workorders import services as workorders

    odd = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http", "X-Forwarded-For": "203.0.113.9"}
    resident = published.test_client()
    response = resident.post("/", headers=odd, content_type="multipart/form-data", data={
        "csrf_token": form_token(resident, "/"), "category": "littered", "lat": str(CENTRUM[1]),
        "lon": str(CENTRUM[0]), "description": "Skräp", "email": "boende@example.org"})
    assert response.status_code == 302

    report = db.session.execute(select(Report)).scalar_one()
    officer = published.test_client()
    login(officer, make_user("case_officer", department="TS"))
    officer.post(f"/staff/reports/{report.id}/ask", headers=odd,
                 data={"csrf_token": form_token(officer, "/staff/reports"), "question": "Var exakt?"})
    link = re.search(r"/t/[\w-]+", outbox_messages(published.config["MAIL_OUTBOX_DIR"])[-1].get_content()).group(0)
    resident.post(f"{link}/answer", headers=odd, data={"csrf_token": form_token(resident, link),
                                                       "answer": "Vid bänken"})
    order = workorders.create_work_order([report.id], kind="cleaning", priority_code="normal", title="Städa", actor="test")
    crew = published.test_client()
    login(crew, make_user("crew", department="TS"))
    page = crew.get(f"/staff/tasks/{order.id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    done = crew.post(f"/staff/tasks/{order.id}/complete", headers=odd, content_type="multipart/form-data",
                     data={"csrf_token": form_token(crew, f"/staff/tasks/{order.id}"), "version": version,
                           "note": "Klart", "photo": (io.BytesIO(image_bytes()), "efter.jpg")})
    assert done.status_code == 302

    subjects = [m["Subject"] for m in outbox_messages(published.config["MAIL_OUTBOX_DIR"])]
    assert len(subjects) >= 4, subjects  # receipt, question, answer to the officer, fixed
    links = _links_in_mails(published)
    assert len(links) >= 4 and all(url.startswith(PUBLIC + "/") for url in links), links


def test_documents_that_name_the_site_use_the_public_address(published):
    client = published.test_client()
    for path in ("/api/openapi.json", "/api/docs", "/open311/v2/discovery.json"):
        body = client.get(path, headers={"X-Forwarded-Host": "evil.example"}).get_data(as_text=True)
        own = [url for url in URL.findall(body) if "trygghetskartan" in url or "evil" in url]
        assert own and all(url.startswith(PUBLIC) for url in own), (path, own)


def test_a_request_for_another_host_is_refused_before_anything_runs(sqlite_app):
    client = sqlite_app.test_client()
    for path in ("/", "/api/v1/reports?bbox=12.8,55.86,12.85,55.88", "/staff/login", "/open311/v2/services.json"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400, path
    token = form_token(client, "/")
    refused = client.post("/", headers={"Host": "evil.example"}, data={"csrf_token": token, "category": "littered",
                                                                       "email": "boende@example.org"})
    assert refused.status_code == 400
    assert outbox_messages(sqlite_app.config["MAIL_OUTBOX_DIR"]) == []


def test_kept_map_answers_are_not_handed_to_another_host(tmp_path, request):
    config = base_config(tmp_path, database_url("sqlite", request, tmp_path))
    app = build_app({**config, "MAP_CACHE_SECONDS": 30})
    path = "/api/v1/reports?bbox=12.8,55.86,12.85,55.88"
    with app.app_context():
        client = app.test_client()
        assert client.get(path).status_code == 200
        assert client.get(path, headers={"Host": "evil.example"}).status_code == 400


def test_no_code_takes_the_address_from_the_request():
    """Every external link goes through App.url_for or public_base_url(); new code can't read the Host."""
    reads_host = re.compile(r"request\.(host|host_url|url_root|base_url|root_url|url)\b|HTTP_HOST|X-Forwarded-Host",
                            re.IGNORECASE)
    offenders = [str(path.relative_to(ROOT)) for folder in ("webapp", "templates") for path in (ROOT / folder).rglob("*")
                 if path.suffix in (".py", ".html", ".txt") and path.name != "urls.py"
                 and reads_host.search(path.read_text())]
    assert offenders == []


# Production settings

def test_production_refuses_to_start_without_a_public_address(tmp_path, monkeypatch):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    settings = {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                "SECRET_KEY": "k" * 32}
    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL"):
        create_app(settings)
    with pytest.raises(ConfigurationError):
        create_app({**settings, "PUBLIC_BASE_URL": "trygghetskartan.landskrona.se"})  # no scheme
    app = create_app({**settings, "PUBLIC_BASE_URL": "https://trygghetskartan.landskrona.se/"})
    assert app.config["PUBLIC_BASE_URL"] == "https://trygghetskartan.landskrona.se"
    assert app.config["TRUSTED_HOSTS"] == ["trygghetskartan.landskrona.se", "localhost", "127.0.0.1"]
    with app.test_request_context("/", base_url="http://evil.example"):
        from flask import url_for

        assert url_for("reports.track", token="abc", _external=True) == \
            "https://trygghetskartan.landskrona.se/t/abc"
    with app.app_context():  # outside a request (a CLI job sending mail)
        from flask import url_for

        assert url_for("reports.track", token="abc") == "https://trygghetskartan.landskrona.se/t/abc"
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert create_app({**settings, "APP_ENV": "development"}).debug  # a development server may run without it


def test_explicit_trusted_hosts(tmp_path, request):
    config = base_config(tmp_path, database_url("sqlite", request, tmp_path))
    app = build_app({**config, "TRUSTED_HOSTS": ["trygghetskartan.test", "intern.landskrona.se"]})
    with app.app_context():
        client = app.test_client()
        assert client.get("/", headers={"Host": "intern.landskrona.se"}).status_code == 200
        assert client.get("/", headers={"Host": "localhost"}).status_code == 400


# Behind a reverse proxy: rate limits per real client

def _bad_logins(client, user, address: str, count: int) -> list[int]:
    token = form_token(client, "/staff/login")
    return [client.post("/staff/login", headers={"X-Forwarded-For": address},
                        data={"csrf_token": token, "email": user.email, "password": "fel"}).status_code
            for _ in range(count)]


def test_behind_a_proxy_each_client_has_its_own_login_limit(tmp_path, request):
    config = base_config(tmp_path, database_url("sqlite", request, tmp_path))
    app = build_app({**config, "PROXY_COUNT": 1})
    with app.app_context():
        user = make_user("case_officer")
        attacker, colleague = app.test_client(), app.test_client()
        assert _bad_logins(attacker, user, "203.0.113.7", 11)[-1] == 429
        # The colleague comes through the same proxy (same remote address) but is not locked out.
        assert _bad_logins(colleague, user, "198.51.100.20", 1) == [400]
        token = form_token(colleague, "/staff/login")
        ok = colleague.post("/staff/login", headers={"X-Forwarded-For": "198.51.100.20"},
                            data={"csrf_token": token, "email": user.email, "password": PASSWORD})
        assert ok.status_code == 302


def test_without_a_proxy_forwarded_addresses_are_not_believed(sqlite_app):
    user = make_user("case_officer")
    client = sqlite_app.test_client()
    codes = [_bad_logins(client, user, f"203.0.113.{n}", 1)[0] for n in range(11)]
    assert codes[-1] == 429  # a new X-Forwarded-For each time does not buy new attempts
