"""An Open311 client written by others (PyPI `georeport`, read-only) against a running server.

georeport cannot submit requests, so the submission is made as a plain HTTP POST with `requests`, exactly as the
specification describes it; georeport then reads it back."""
import pytest
import requests
from georeport import GeoReport

from tests.browser import live_server
from tests.factories import CENTRUM, commit, make_report
from webapp.auth.apikeys import create_key


@pytest.fixture
def server(sqlite_app):
    with live_server(sqlite_app) as url:
        yield url


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_and_requests_and_a_submission_shows_up(sqlite_app, server, fmt):
    make_report(category="graffiti", description="Taggar på muren")
    key = create_key("georeport-test", "test")[1]
    commit()
    client = GeoReport(f"{server}/open311/v2", jurisdiction="landskrona.se", api_key=key, output_format=fmt)

    services = client.get_service_list()
    assert {s["service_code"] for s in services} >= {"dark_unsafe", "graffiti"}
    definition = client.get_service_definition("dark_unsafe")
    attributes = definition["attributes"]
    codes = [a["code"] for a in attributes] if fmt == "json" else [a["code"] for a in attributes["attribute"]]
    assert codes == ["time_of_day", "safety_rating"]

    posted = requests.post(f"{server}/open311/v2/requests.{fmt}", timeout=10, data={
        "api_key": key, "jurisdiction_id": "landskrona.se", "service_code": "dark_unsafe",
        "lat": CENTRUM[1], "long": CENTRUM[0], "description": "Mörkt vid stationen",
        "attribute[time_of_day]": "night"})
    assert posted.status_code == 201
    request_id = (posted.json()[0]["service_request_id"] if fmt == "json"
                  else posted.text.split("<service_request_id>")[1].split("<")[0])

    found = client.get_service_request(request_id)
    found = found[0] if isinstance(found, list) else found
    assert found["service_request_id"] == request_id and found["status"] == "open"
    listed = client.get_service_requests(service_code="dark_unsafe")
    listed = listed if isinstance(listed, list) else [listed]
    assert request_id in [r["service_request_id"] for r in listed]
