"""Real requests and responses of /api/v1 checked against the served OpenAPI document; CORS and rate limits."""
import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

from tests.conftest import csrf_token
from tests.factories import CENTRUM, image_bytes, make_report
from webapp.reports import moderation


@pytest.fixture
def spec(client):
    document = client.get("/api/openapi.json").get_json()
    return OpenAPI.from_dict(document)


def checked(spec, response):
    """Validate the request and the response against the document; fails the test on any mismatch."""
    spec.validate_request(WerkzeugOpenAPIRequest(response.request))
    spec.validate_response(WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response))
    return response


def test_document_is_valid_openapi_3(client):
    from openapi_spec_validator import validate

    validate(client.get("/api/openapi.json").get_json())


def test_every_documented_read_answers_as_documented(client, spec):
    report, _ = make_report(photos=[image_bytes()], email="x@example.org")
    moderation.moderate_photo(report.photos[0], "approved", "x")
    hidden, _ = make_report()
    moderation.set_hidden(hidden, True, actor="x", expected_version=hidden.version, reason="test")
    for path, status in [
        ("/api/v1/reports?bbox=12.80,55.85,12.90,55.90", 200), ("/api/v1/reports?bbox=oops", 400),
        ("/api/v1/reports", 400),
        (f"/api/v1/reports/{report.reference}", 200), (f"/api/v1/reports/{hidden.reference}", 404),
        (f"/api/v1/reports/nearby?lat={CENTRUM[1]}&lon={CENTRUM[0]}&category=littered", 200),
        ("/api/v1/categories", 200), ("/api/v1/areas/districts", 200), ("/api/v1/areas/zones", 200),
        ("/api/v1/areas/kommun", 200), ("/healthz", 200),
    ]:
        response = client.get(path)
        assert response.status_code == status, path
        if status == 200:
            checked(spec, response)
        else:
            spec.validate_response(WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response))
        assert "x@example.org" not in response.get_data(as_text=True)


def test_support_through_the_api(client, spec):
    report, _ = make_report()
    token = csrf_token(client)
    first = checked(spec, client.post(f"/api/v1/reports/{report.reference}/support", headers={"X-CSRFToken": token}))
    second = checked(spec, client.post(f"/api/v1/reports/{report.reference}/support", headers={"X-CSRFToken": token}))
    assert (first.get_json()["added"], second.get_json()["added"]) == (True, False)
    assert second.get_json()["support_count"] == 1
    assert client.post(f"/api/v1/reports/{report.reference}/support").status_code == 400  # no CSRF token


def test_reads_are_open_to_other_sites_writes_are_not(client):
    make_report()
    read = client.get("/api/v1/reports?bbox=12.80,55.85,12.90,55.90", headers={"Origin": "https://example.org"})
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/open311/v2/services.json", headers={"Origin": "https://x.example"}).headers[
        "Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/api/v1/reports/LK-2026-000001/support", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "X-CSRFToken"})
    assert "POST" not in preflight.headers.get("Access-Control-Allow-Methods", "")
    page = client.get("/", headers={"Origin": "https://example.org"})
    assert "Access-Control-Allow-Origin" not in page.headers


def test_public_api_is_rate_limited_with_retry_after(client, app):
    app.config["PUBLIC_API_LIMIT"] = "5 per minute"
    codes = [client.get("/api/v1/categories").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    response = client.get("/api/v1/categories")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "error" in response.get_json()


def test_report_submissions_are_rate_limited(client, app):
    app.config["REPORT_SUBMIT_LIMIT"] = "2 per minute"
    token = csrf_token(client)
    data = {"csrf_token": token, "category": "littered", "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0])}
    codes = [client.post("/", data=data, headers={"Accept-Language": "sv"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


def test_docs_page_lists_every_operation(client):
    html = client.get("/api/docs").get_data(as_text=True)
    for path in client.get("/api/openapi.json").get_json()["paths"]:
        assert path in html
    assert "curl" in html
