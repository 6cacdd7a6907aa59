"""Reporters' contact data never leaves through a public door: every public GET route (pages, JSON API,
Open311 in JSON and XML, campaign and protocol pages, the private tracking page itself) is fetched and its
body searched for the e-mail, name and phone given with the reports; and text fields cannot inject markup or
SQL."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import CENTRUM, image_bytes, make_report
from webapp.campaigns import services as campaigns
from webapp.campaigns import walks
from webapp.extensions import db
from webapp.geo.models import District
from webapp.reports.models import Report

SECRETS = ["hemlig.person@example.org", "Hemliga Hildur", "070-999 88 77", "0709998877", "hemliga hildur"]


@pytest.fixture
def world(sqlite_app):
    report, token = make_report(email=SECRETS[0], photos=[image_bytes()], description="Trasig lampa")
    report.reporter_name, report.reporter_phone = SECRETS[1], SECRETS[2]
    report.photos[0].moderation = "approved"
    report.client_token = "opaque-client-token-1"
    other, _ = make_report(email="annan.person@example.org")
    db.session.commit()
    from webapp.reports.lifecycle import ask_reporter, merge_reports

    ask_reporter(report, "Vilken lampa?", "handlaggare@landskrona.se")
    merge_reports(other, report, "handlaggare@landskrona.se")
    centrum = db.session.execute(select(District.id).where(District.name == "Centrum/Öster")).scalar_one()
    campaign = campaigns.save_campaign(campaigns.CampaignInput(
        name="Vandring", slug="vandring", kind="safety_walk", starts_on=date.today() - timedelta(days=1),
        ends_on=date.today() + timedelta(days=5), district_ids=[centrum], asks_demographics=True, uses_audit=True),
        "kom")
    group = walks.add_group(campaign, "Klass 8A", kind="school_class", size=20, actor="kom")
    report.campaign_id, report.group_id = campaign.id, group.id
    db.session.commit()
    walk = walks.plan_walk(campaign, "Vandring", planned_on=date.today(), report_ids=[report.id], actor="kom")
    walks.record_walk(walk, walked_on=date.today(), participants=5, participant_note="Boende", summary="", points=[walks.PointRecord(report.id, "", "work_order")], actor="kom")
    walks.publish(walk, "kom")
    from webapp.reports.public import follow_report

    follower, _ = follow_report(report, "foljare@example.org", "sv")  # its links need its own secret tokens
    return {"reference": report.reference, "follower_id": follower.id, "token": token, "photo_id": report.photos[0].id,
            "stem": report.photos[0].stem, "size": "display",
            "slug": "vandring", "code": group.code, "walk_id": walk.id, "filename": "css/app.css",
            "request_id": report.reference, "open311_token": "opaque-client-token-1", "service": "street_light"}


def public_urls(app, world):
    bbox = f"?bbox={CENTRUM[0] - 0.05},{CENTRUM[1] - 0.05},{CENTRUM[0] + 0.05},{CENTRUM[1] + 0.05}"
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/staff") or "GET" not in rule.methods:
            continue
        formats = ["svg", "png"] if "qr" in rule.rule else ["json", "xml"]
        for fmt in formats if "fmt" in rule.arguments else [None]:
            values = {name: world[name] for name in rule.arguments if name not in ("fmt", "token", "code")}
            if "fmt" in rule.arguments:
                values["fmt"] = fmt
            if "token" in rule.arguments:
                values["token"] = world["open311_token"] if rule.rule.startswith("/open311") else world["token"]
            if "code" in rule.arguments:
                values["code"] = world["service"] if rule.rule.startswith("/open311") else world["code"]
            url = adapter.build(rule.endpoint, values)
            yield url
            if rule.endpoint in ("api.reports", "open311.requests"):
                yield url + bbox if rule.endpoint == "api.reports" else url + "?status=open,closed"
            if rule.endpoint == "api.nearby":
                yield f"{url}?lat={CENTRUM[1]}&lon={CENTRUM[0]}&radius=200"


def test_contact_data_is_in_no_public_response(sqlite_app, world):
    client = sqlite_app.test_client()
    seen = 0
    for url in public_urls(sqlite_app, world):
        for lang in ("sv", "en", "ar"):
            response = client.get(url, headers={"Accept-Language": lang})
            assert response.status_code < 500, url
            body = response.get_data().decode("utf-8", "replace")
            leaked = [secret for secret in SECRETS if secret.lower() in body.lower()]
            assert leaked == [], f"{url} ({lang}) shows {leaked}"
            seen += response.status_code == 200
    assert seen > 60  # the routes really answered, in three languages


PROBES = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "'; DROP TABLE report; --",
          "1' OR '1'='1", "{{ 7*7 }}", "javascript:alert(1)"]


@pytest.mark.parametrize("probe", PROBES)
def test_hostile_text_is_stored_as_text_and_shown_escaped(sqlite_app, probe):
    client = sqlite_app.test_client()
    response = client.post("/", data={"csrf_token": csrf_token(client), "category": "littered",
                                      "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0]), "description": probe,
                                      "location_text": probe, "email": ""})
    assert response.status_code == 302
    report = db.session.execute(select(Report)).scalar_one()
    assert report.description == probe and report.location_text == probe  # stored exactly, as text
    assert db.session.execute(select(func.count(Report.id))).scalar_one() == 1  # and the table is still there
    for url in (response.headers["Location"], f"/r/{report.reference}", f"/open311/v2/requests/{report.reference}.xml"):
        body = client.get(url).get_data(as_text=True)  # HTML and XML: escaped
        assert "<script>alert" not in body and "<img src=x" not in body
        if probe == "{{ 7*7 }}":
            assert "{{ 7*7 }}" in body  # shown as typed, never evaluated as a template
    # JSON carries the text as it is, typed as JSON so that no browser renders it.
    api = client.get(f"/api/v1/reports/{report.reference}")
    assert api.json["description"] == probe and api.mimetype == "application/json"
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    # Searching staff filters with the same text is a plain comparison, not SQL.
    from tests.factories import login, make_user

    officer = sqlite_app.test_client()
    login(officer, make_user("case_officer"))
    listing = officer.get("/staff/reports", query_string={"text": probe})
    assert listing.status_code == 200 and report.reference in listing.get_data(as_text=True)
    assert "<script>alert" not in listing.get_data(as_text=True)
