"""Open311 GeoReport v2 against the specification's wording, in JSON and XML, on SQLite and PostgreSQL."""
import io
import re
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

import pytest

from tests.factories import CENTRUM, image_bytes, make_report
from webapp.auth import apikeys
from webapp.extensions import db
from webapp.reports import lifecycle, moderation
from webapp.reports.models import Report

W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


@pytest.fixture
def key(app):
    return apikeys.create_key("FixMyStreet", "test")[1]


def xml(response) -> ET.Element:
    assert response.mimetype == "text/xml"
    return ET.fromstring(response.data)


def test_discovery(client):
    data = client.get("/open311/v2/discovery.json").get_json()
    assert data["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert data["endpoints"][0]["url"].endswith("/open311/v2/")
    assert "text/xml" in data["endpoints"][0]["formats"]
    root = xml(client.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery" and root.find("endpoints/endpoint/type").text == "production"


def test_services_one_per_active_category_in_both_formats(client):
    services = client.get("/open311/v2/services.json", headers={"Accept-Language": "sv"}).get_json()
    codes = {s["service_code"] for s in services}
    assert {"dark_unsafe", "littered", "graffiti", "street_light", "other"} <= codes
    dark = next(s for s in services if s["service_code"] == "dark_unsafe")
    assert dark == {"service_code": "dark_unsafe", "service_name": "Mörkt och otryggt",
                    "description": dark["description"], "metadata": True, "type": "realtime",
                    "keywords": "dark unsafe,safety", "group": "Trygghetsvandring"}
    assert next(s for s in services if s["service_code"] == "graffiti")["metadata"] is False
    english = client.get("/open311/v2/services.json?locale=en", headers={"Accept-Language": "en"}).get_json()
    assert {s["service_code"]: s["group"] for s in english}["graffiti"] == "Fault report"  # the group in words, translated
    root = xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == len(services)
    assert root.find("service/metadata").text in ("true", "false")


def test_service_definition_has_the_safety_attributes(client):
    data = client.get("/open311/v2/services/dark_unsafe.json?locale=en").get_json()
    codes = [a["code"] for a in data["attributes"]]
    assert codes == ["time_of_day", "safety_rating"]
    rating = data["attributes"][1]
    assert rating["datatype"] == "singlevaluelist" and rating["variable"] is True and rating["order"] == 2
    assert [v["key"] for v in rating["values"]] == ["1", "2", "3", "4", "5"]
    root = xml(client.get("/open311/v2/services/dark_unsafe.xml"))
    assert root.tag == "service_definition"
    assert len(root.findall("attributes/attribute")) == 2
    assert len(root.findall("attributes/attribute/values/value")) == 8


def test_unknown_service_code_is_404_in_the_error_format(client):
    response = client.get("/open311/v2/services/no_such.json")
    assert response.status_code == 404
    assert response.get_json() == [{"code": 404, "description": "service_code no_such was not found"}]
    root = xml(client.get("/open311/v2/services/no_such.xml"))
    assert root.tag == "errors" and root.find("error/code").text == "404"


def test_unknown_jurisdiction_and_format(client):
    assert client.get("/open311/v2/services.json?jurisdiction_id=malmo.se").status_code == 404
    assert client.get("/open311/v2/services.json?jurisdiction_id=landskrona.se").status_code == 200
    response = client.get("/open311/v2/services.csv")
    assert response.status_code == 400 and response.get_json()[0]["code"] == 400


def test_post_a_request_with_attributes_and_a_photo(client, key, app):
    response = client.post("/open311/v2/requests.json", content_type="multipart/form-data", data={
        "api_key": key, "service_code": "dark_unsafe", "lat": str(CENTRUM[1]), "long": str(CENTRUM[0]),
        "description": "Mörkt i parken", "attribute[time_of_day]": "night", "attribute[safety_rating]": "2",
        "email": "boende@example.org", "first_name": "Ada", "last_name": "Lund", "phone": "0418-1",
        "device_id": "abc", "media": (io.BytesIO(image_bytes(gps=CENTRUM)), "p.jpg"),
        "media_url": "https://example.org/p.jpg"})
    assert response.status_code == 201
    body = response.get_json()
    assert re.fullmatch(r"LK-\d{4}-\d{6}", body[0]["service_request_id"]) and "service_notice" in body[0]
    report = db.session.execute(db.select(Report)).scalar_one()
    assert (report.source, report.time_of_day, report.safety_rating) == ("open311", "night", 2)
    assert report.reporter_name == "Ada Lund" and report.filed_by == "open311:FixMyStreet"
    assert report.media_url == "https://example.org/p.jpg" and len(report.photos) == 1
    assert report.district.name == "Centrum/Öster"
    token = body[0]["token"]
    assert client.get(f"/open311/v2/tokens/{token}.json").get_json() == [
        {"service_request_id": report.reference, "token": token}]


def test_post_by_address_only_goes_to_triage_without_a_pin(client, key):
    response = client.post("/open311/v2/requests.xml", data={"api_key": key, "service_code": "graffiti",
                                                             "address_string": "Storgatan 12"})
    assert response.status_code == 201
    root = xml(response)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text.startswith("LK-")
    report = db.session.execute(db.select(Report)).scalar_one()
    assert report.lat is None and report.location_text == "Storgatan 12"


@pytest.mark.parametrize("data, status, words", [
    ({}, 403, "api_key"),
    ({"api_key": "wrong"}, 403, "api_key"),
    ({"service_code": "dark_unsafe", "lat": "55.87", "long": "12.83"}, 403, "api_key"),
    ({"KEY": 1, "lat": "55.87", "long": "12.83"}, 400, "service_code"),
    ({"KEY": 1, "service_code": "nope", "lat": "55.87", "long": "12.83"}, 404, "service_code"),
    ({"KEY": 1, "service_code": "littered"}, 400, "location"),
    ({"KEY": 1, "service_code": "littered", "lat": "x", "long": "12.83"}, 400, "lat"),
    ({"KEY": 1, "service_code": "littered", "lat": "55.60", "long": "13.00"}, 400, "Landskrona"),
    ({"KEY": 1, "service_code": "dark_unsafe", "lat": "55.87", "long": "12.83", "attribute[safety_rating]": "9"}, 400, "1"),
    ({"KEY": 1, "service_code": "littered", "lat": "55.87", "long": "12.83", "jurisdiction_id": "x"}, 404, "jurisdiction"),
], ids=["no-key", "bad-key", "key-missing", "no-service", "unknown-service", "no-location", "bad-lat", "outside",
        "bad-rating", "bad-jurisdiction"])
def test_post_errors_follow_the_specification_and_store_nothing(client, key, data, status, words):
    data = {("api_key" if k == "KEY" else k): (key if k == "KEY" else v) for k, v in data.items()}
    response = client.post("/open311/v2/requests.json", data=data, headers={"Accept-Language": "en"})
    assert response.status_code == status
    error = response.get_json()[0]
    assert error["code"] == status and words.lower() in error["description"].lower()
    assert db.session.execute(db.select(db.func.count(Report.id))).scalar_one() == 0


def test_address_id_counts_as_a_location_and_unknown_tokens_are_404(client, key):
    response = client.post("/open311/v2/requests.json", data={"api_key": key, "service_code": "litter_bin",
                                                              "address_id": "1282-4711"})
    assert response.status_code == 201
    assert db.session.execute(db.select(Report)).scalar_one().location_text == "address_id 1282-4711"
    missing = client.get("/open311/v2/tokens/nope.xml")
    assert missing.status_code == 404 and xml(missing).find("error/description").text == "token nope was not found"


def test_revoked_key_is_refused(client, app):
    client_row, key = apikeys.create_key("Old app", "test")
    apikeys.revoke_key(client_row, "test")
    response = client.post("/open311/v2/requests.json", data={"api_key": key, "service_code": "littered",
                                                              "lat": "55.87", "long": "12.83"})
    assert response.status_code == 403


def test_requests_list_filters_and_mapping(client):
    old, _ = make_report(category="littered", created_at=datetime(2019, 3, 1, 17, 30, tzinfo=timezone.utc),
                         email="hemlig@example.org")
    recent, _ = make_report(category="graffiti")
    hidden, _ = make_report(category="graffiti")
    moderation.set_hidden(hidden, True, actor="x", expected_version=hidden.version, reason="personuppgifter")
    lifecycle.change_status(recent, "fixed", "crew", public_note="Sanerat")

    default = client.get("/open311/v2/requests.json").get_json()
    assert [r["service_request_id"] for r in default] == [recent.reference]  # 90-day window, hidden left out
    item = default[0]
    assert item["status"] == "closed" and item["status_notes"] == "Sanerat"
    assert item["agency_responsible"] == "Teknik- och serviceförvaltningen"
    assert W3C.match(item["requested_datetime"]) and W3C.match(item["updated_datetime"])
    assert item["long"] == pytest.approx(CENTRUM[0])

    window = client.get("/open311/v2/requests.json?start_date=2019-03-01T00:00:00%2B01:00"
                        "&end_date=2019-03-02T00:00:00%2B01:00").get_json()
    assert [r["service_request_id"] for r in window] == [old.reference]
    assert window[0]["requested_datetime"] == "2019-03-01T18:30:00+01:00"  # shown in Stockholm time
    assert [r["service_request_id"] for r in client.get(
        "/open311/v2/requests.json?service_request_id=" + f"{old.reference},{recent.reference}&status=open"
    ).get_json()] == [recent.reference, old.reference]  # ids win over the other filters
    assert client.get("/open311/v2/requests.json?status=open").get_json() == []
    assert client.get("/open311/v2/requests.json?service_code=littered").get_json() == []
    assert client.get("/open311/v2/requests.json?start_date=yesterday").status_code == 400
    assert client.get("/open311/v2/requests.json?status=maybe").status_code == 400
    assert "hemlig@example.org" not in client.get(f"/open311/v2/requests/{old.reference}.json").get_data(as_text=True)
    root = xml(client.get(f"/open311/v2/requests/{old.reference}.xml"))
    assert root.tag == "service_requests" and root.find("request/status").text == "open"
    assert client.get(f"/open311/v2/requests/{hidden.reference}.json").status_code == 404
    assert client.get("/open311/v2/requests/LK-1999-000001.json").status_code == 404


def test_media_url_is_the_approved_photo_only(client):
    report, _ = make_report(photos=[image_bytes()])
    assert client.get(f"/open311/v2/requests/{report.reference}.json").get_json()[0]["media_url"] is None
    moderation.moderate_photo(report.photos[0], "approved", "x")
    url = client.get(f"/open311/v2/requests/{report.reference}.json").get_json()[0]["media_url"]
    assert url.endswith(f"/photos/{report.photos[0].stem}/display.jpg") and url.startswith("http")


def test_updates_extension_as_fixmystreet_reads_it(client):
    report, _ = make_report()
    lifecycle.change_status(report, "confirmed", "x")
    lifecycle.change_status(report, "referred", "x", public_note="Trafikverket ansvarar")
    updates = client.get("/open311/v2/servicerequestupdates.json?start_date=2000-01-01T00:00:00Z").get_json()
    assert [u["status"] for u in updates] == ["OPEN", "INVESTIGATING", "NOT_COUNCILS_RESPONSIBILITY"]
    assert updates[-1]["description"] == "Trafikverket ansvarar" and W3C.match(updates[-1]["updated_datetime"])
    root = xml(client.get("/open311/v2/servicerequestupdates.xml?start_date=2000-01-01T00:00:00Z"))
    assert root.tag == "service_request_updates" and len(root.findall("request_update")) == 3


def test_extra_questions_appear_in_the_service_definition(client, app):
    from webapp.reports.catalogue import category_by_key, update_category
    category = category_by_key("vandalism")
    update_category(category, "admin", {"extra_questions_text": "what | Vad är skadat? | What is damaged? | Fönster;Skylt"})
    data = client.get("/open311/v2/services/vandalism.json?locale=en").get_json()
    assert data["attributes"][0]["code"] == "what" and data["attributes"][0]["description"] == "What is damaged?"
    assert next(s for s in client.get("/open311/v2/services.json").get_json()
                if s["service_code"] == "vandalism")["metadata"] is True


HOSTILE = "Lampan\x01\x0b släckt\x00\nsedan\tigår\x1b\ufffe"


def xml_routes(app):
    """Every GET route that can answer in XML: Open311's, and any other whose address ends in .xml."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and ("fmt" in rule.arguments or rule.rule.endswith(".xml")):
            yield rule


def assert_every_xml_answer_parses(client, app, report):
    adapter = app.url_map.bind("localhost")
    values = {"fmt": "xml", "code": report.category.key, "request_id": report.reference,
              "token": report.client_token or "none"}
    urls = []
    for rule in xml_routes(app):
        if not rule.arguments <= set(values):
            continue
        try:
            urls.append(adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments}))
        except ValueError:  # a format argument that cannot be xml (csv, xlsx…)
            continue
    assert "/open311/v2/requests.xml" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        ET.fromstring(response.data)  # well-formed, or this raises


def test_control_characters_in_a_posted_request_are_dropped(client, key, app):
    response = client.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "dark_unsafe", "lat": str(CENTRUM[1]), "long": str(CENTRUM[0]),
        "description": HOSTILE, "address_string": "Bron\x01\nnorra", "first_name": "Ann\x0b",
        "phone": "0418\x00-123", "attribute[time_of_day]": "evening\x01"})
    assert response.status_code == 201, response.get_data(as_text=True)
    report = db.session.execute(db.select(Report)).scalar_one()
    assert report.description == "Lampan släckt\nsedan\tigår"
    assert report.location_text == "Bron norra" and report.reporter_name == "Ann"
    assert report.reporter_phone == "0418-123" and report.time_of_day == "evening"
    assert_every_xml_answer_parses(client, app, report)


def test_stored_control_characters_still_give_well_formed_xml(client, app):
    """Data stored before the cleaning (or by hand) must not break the feed for everyone."""
    report, _ = make_report(description="ok")
    report.description = HOSTILE.replace("\x00", "")  # PostgreSQL refuses NUL itself
    report.location_text = "Torget\x01"
    db.session.commit()
    lifecycle.set_status(report, "in_progress", actor="test", expected_version=None, public_note="Vi \x02 tittar\x0b på det")
    root = xml(client.get("/open311/v2/requests.xml"))
    assert root.find("request/description").text == "Lampan släckt\nsedan\tigår"
    assert_every_xml_answer_parses(client, app, report)
    start = "2000-01-01T00:00:00+01:00"
    ET.fromstring(client.get(f"/open311/v2/servicerequestupdates.xml?start_date={start}").data)
