"""Hostile input: a corpus of malicious files sent as photos, and property-based (Hypothesis) fuzzing of the
report form and the Open311 and JSON APIs: never a server error, never a stored report or file from a refusal."""
import io
import struct
import zipfile
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import CENTRUM, image_bytes, media_files
from webapp.extensions import db
from webapp.reports.models import Photo, Report


def jpeg_with_huge_exif() -> bytes:
    """A real JPEG carrying a 60 KB APP1 segment (EXIF) full of junk."""
    body = image_bytes(size=(300, 200))
    junk = b"Exif\x00\x00" + b"A" * 60000
    return body[:2] + b"\xff\xe1" + struct.pack(">H", len(junk) + 2) + junk + body[2:]


def polyglot() -> bytes:
    """A JPEG with a zip archive (holding an HTML page with a script) glued to its end."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("index.html", "<script>alert(1)</script>")
    return image_bytes(size=(300, 200)) + archive.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb() -> bytes:
    """A small PNG that claims 50 000 × 50 000 pixels (2.5 gigapixels) when decoded: a valid 1-bit greyscale PNG
    of zeros, what Pillow writes for Image.new("1", (50000, 50000)), deflated row by row here (a quarter of the
    time Pillow takes to build and save the image)."""
    side = 50000
    deflate = zlib.compressobj(9)
    row = bytes(1 + side // 8)  # the filter byte, then 8 pixels a byte
    data = b"".join(deflate.compress(row) for _ in range(side)) + deflate.flush()
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
            + _png_chunk(b"IDAT", data) + _png_chunk(b"IEND", b""))


CORPUS = {
    "bomb.png": (bomb, False),
    "truncated.jpg": (lambda: image_bytes()[:2000], False),
    "script.svg": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', False),
    "svg-as.jpg": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', False),
    "html.jpg": (lambda: b"<html><script>alert(1)</script></html>", False),
    "empty.jpg": (lambda: b"", False),
    "zeros.jpg": (lambda: b"\x00" * 100000, False),
    "exe.jpg": (lambda: b"MZ\x90\x00" + b"\x00" * 5000, False),
    "huge-exif.jpg": (jpeg_with_huge_exif, True),   # a real photo: taken, its metadata thrown away
    "polyglot.jpg": (polyglot, True),                # a real photo too: re-encoded, the tail is gone
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_malicious_files_are_refused_or_cleaned_never_stored_as_sent(client, name):
    make, acceptable = CORPUS[name]
    data = make()
    token = csrf_token(client)
    response = client.post("/", data={"csrf_token": token, "category": "littered", "lat": str(CENTRUM[1]),
                                      "lon": str(CENTRUM[0]), "photos": [(io.BytesIO(data), name)]},
                           headers={"Accept-Language": "en"}, content_type="multipart/form-data")
    assert response.status_code < 500
    reports = db.session.execute(select(func.count(Report.id))).scalar_one()
    if acceptable:
        assert response.status_code == 302 and reports == 1
        photo = db.session.execute(select(Photo)).scalar_one()
        stored = [p.read_bytes() for p in media_files()]
        assert len(stored) == 2 and all(s[:2] == b"\xff\xd8" for s in stored)  # our own re-encoded JPEGs
        assert all(b"<script>" not in s and b"AAAAAAAAAAAAAAAA" not in s for s in stored)
        assert photo.width <= 1600
    else:
        assert response.status_code == 400 and reports == 0 and media_files() == []
        assert "photo" in response.get_data(as_text=True).lower()


def test_a_100_mb_body_is_refused_before_it_is_read(client):
    response = client.post("/", data=b"x" * (100 * 1024 * 1024), content_type="application/octet-stream")
    assert response.status_code == 413
    assert db.session.execute(select(func.count(Report.id))).scalar_one() == 0


@pytest.fixture
def unlimited(sqlite_app):
    """Fuzzing sends hundreds of requests from one address: the rate limits (tested elsewhere) step aside."""
    from webapp.extensions import limiter

    limiter.enabled = False
    yield sqlite_app
    limiter.enabled = True


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)
coordinate = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(str), text, st.just(""))


@pytest.mark.slow  # hypothesis: many requests
@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(category=st.one_of(st.sampled_from(["littered", "dark_unsafe", "graffiti", ""]), text), lat=coordinate,
       lon=coordinate, description=text, location=text, email=text, key=text, district=text,
       time_of_day=st.one_of(st.sampled_from(["day", "night", ""]), text), rating=text)
def test_report_form_never_fails_and_a_refusal_stores_nothing(unlimited, category, lat, lon, description, location,
                                                             email, key, district, time_of_day, rating):
    client = unlimited.test_client()
    before = db.session.execute(select(func.count(Report.id))).scalar_one()
    response = client.post("/", data={"csrf_token": csrf_token(client), "category": category, "lat": lat,
                                      "lon": lon, "description": description, "location_text": location,
                                      "email": email, "idempotency_key": key, "district": district,
                                      "time_of_day": time_of_day, "safety_rating": rating})
    assert response.status_code in (302, 400), response.status_code
    after = db.session.execute(select(func.count(Report.id))).scalar_one()
    # Taken: one report more (or none, when a key already used came back: the same report again). Refused: none.
    assert after - before in ((0, 1) if response.status_code == 302 else (0,))


@pytest.mark.slow  # hypothesis: many requests
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(params=st.dictionaries(st.sampled_from(["bbox", "lat", "lon", "radius", "category", "status", "start_date",
                                               "end_date", "service_code", "page", "limit", "reference"]),
                              text, max_size=5),
       path=st.sampled_from(["/api/v1/reports", "/api/v1/reports/nearby", "/open311/v2/requests.json",
                             "/open311/v2/requests.xml", "/open311/v2/services.json", "/api/v1/categories"]))
def test_public_apis_never_fail_on_odd_parameters(unlimited, params, path):
    response = unlimited.test_client().get(path, query_string=params)
    assert response.status_code < 500, (path, params, response.get_data(as_text=True)[:300])


@pytest.mark.slow  # hypothesis: many requests
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(fields=st.dictionaries(st.sampled_from(["service_code", "lat", "long", "address_string", "description",
                                               "email", "first_name", "last_name", "phone", "media_url",
                                               "attribute[time_of_day]", "api_key"]), text, max_size=8))
def test_open311_post_never_fails_on_odd_fields(unlimited, fields):
    from webapp.auth.apikeys import create_key

    sqlite_app = unlimited
    if "key" not in sqlite_app.config:
        sqlite_app.config["key"] = create_key("Fuzz", "test")[1]
    before = db.session.execute(select(func.count(Report.id))).scalar_one()
    response = sqlite_app.test_client().post("/open311/v2/requests.json",
                                              data={**fields, "api_key": sqlite_app.config["key"]})
    assert response.status_code < 500, (fields, response.get_data(as_text=True)[:300])
    if response.status_code >= 400:
        assert db.session.execute(select(func.count(Report.id))).scalar_one() == before
