"""Schemathesis reads /api/openapi.json and throws generated requests at every operation: no server error, and
every response matches the schema it documents. (Its pytest plugin does not run on pytest 9 yet, so the
operations are driven through its Python API and Hypothesis directly.)"""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import image_bytes, make_report


@pytest.mark.slow  # generated requests for every operation
def test_every_api_operation_keeps_its_promises(sqlite_app):
    for category in ("littered", "dark_unsafe", "street_light"):
        make_report(category=category, photos=[image_bytes()])
    from webapp.extensions import limiter

    limiter.enabled = False  # hundreds of requests from one address; the limits are tested elsewhere
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", sqlite_app)
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def run(case):
            # A request the schema allows but the server refuses with a documented 400 (a box with its corners
            # swapped) is fine: what must never happen is a server error or an answer the schema does not describe.
            # Its WSGI transport does not decompress: ask for plain answers (compression: test_static_delivery.py).
            case.call_and_validate(headers={"Accept-Encoding": "identity"}, checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                           response_schema_conformance, response_headers_conformance])

        run()
        tested.append(f"{operation.method.upper()} {operation.path}")
    limiter.enabled = True
    assert len(tested) >= 5, tested
