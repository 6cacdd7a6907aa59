"""The JSON the pages use: reports in a box as GeoJSON, nearby suggestions, health, photo position."""
import io

import pytest

from tests.conftest import csrf_token
from tests.factories import CENTRUM, KARLSLUND, image_bytes, make_report
from webapp.extensions import db

BOX = "12.80,55.85,12.90,55.90"


def test_reports_in_a_box_as_geojson(client):
    report, _ = make_report(category="graffiti", at=CENTRUM, photos=[image_bytes()], email="x@example.org")
    report.photos[0].moderation = "approved"
    db.session.commit()

    response = client.get(f"/api/v1/reports?bbox={BOX}", headers={"Accept-Language": "sv"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["type"] == "FeatureCollection" and data["truncated"] is False
    feature = data["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [CENTRUM[0], CENTRUM[1]]}
    props = feature["properties"]
    assert props["reference"] == report.reference
    assert props["category"] == "graffiti" and props["category_name"] == "Klotter"
    assert props["status"] == "received" and props["support_count"] == 0
    assert props["thumbnail_url"] == f"/photos/{report.photos[0].stem}/thumb.jpg"
    assert "x@example.org" not in response.get_data(as_text=True)


def test_box_excludes_outside_hidden_and_unplaced_reports(client):
    inside, _ = make_report(at=CENTRUM)
    hidden, _ = make_report(at=CENTRUM)
    hidden.hidden = True
    db.session.commit()
    make_report(at=KARLSLUND)
    refs = [f["properties"]["reference"] for f in
            client.get("/api/v1/reports?bbox=12.82,55.86,12.84,55.88").get_json()["features"]]
    assert refs == [inside.reference]


def test_pending_photo_is_not_in_the_api(client):
    make_report(photos=[image_bytes()])
    feature = client.get(f"/api/v1/reports?bbox={BOX}").get_json()["features"][0]
    assert feature["properties"]["thumbnail_url"] is None


def test_feature_cap_is_reported(client, app):
    app.config["API_MAX_FEATURES"] = 2
    for _ in range(3):
        make_report()
    data = client.get(f"/api/v1/reports?bbox={BOX}").get_json()
    assert len(data["features"]) == 2 and data["truncated"] is True


@pytest.mark.parametrize("query", ["", "?bbox=", "?bbox=1,2,3", "?bbox=a,b,c,d", "?bbox=12.9,55.8,12.8,55.9",
                                   "?bbox=0,0,0,nan", "?bbox=-200,0,0,0", "?bbox=1,2,3,4,5"])
def test_bad_bbox_is_a_400_with_a_json_error(client, query):
    response = client.get(f"/api/v1/reports{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "bbox" in response.get_json()["error"]


def test_nearby_lists_open_reports_of_the_category(client):
    report, _ = make_report(category="littered", email="hidden@example.org")
    data = client.get(f"/api/v1/reports/nearby?lat={CENTRUM[1]}&lon={CENTRUM[0]}&category=littered").get_json()
    assert [r["reference"] for r in data["reports"]] == [report.reference]
    assert data["reports"][0]["support_url"] == f"/r/{report.reference}/support"
    assert "hidden@example.org" not in str(data)
    assert client.get("/api/v1/reports/nearby?lat=x&lon=1").status_code == 400


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and "error" in response.get_json()


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok", "database": {"status": "ok"}, "photo_store": {"status": "ok"},
        "jobs": {"status": "ok", "queued": 0, "mail_due": 0, "last_beat_seconds": None},
        "mail": {"status": "ok", "waiting": 0, "oldest_seconds": None, "given_up": 0}}


def test_health_check_reports_an_unreachable_database(app, tmp_path):
    from webapp import create_app

    broken = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite",
                         "TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "instance")})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.get_json()["status"] == "fail" and response.get_json()["database"] == {"status": "fail"}


def test_photo_position_reads_exif_gps_and_stores_nothing(client, app):
    token = csrf_token(client)
    response = client.post("/api/v1/photo-position", headers={"X-CSRFToken": token},
                           data={"photo": (io.BytesIO(image_bytes(gps=CENTRUM)), "p.jpg")})
    position = response.get_json()["position"]
    assert position["lat"] == pytest.approx(CENTRUM[1], abs=1e-4) and position["in_kommun"] is True
    without = client.post("/api/v1/photo-position", headers={"X-CSRFToken": token},
                          data={"photo": (io.BytesIO(image_bytes()), "p.jpg")})
    assert without.get_json() == {"position": None}
    fake = client.post("/api/v1/photo-position", headers={"X-CSRFToken": token},
                       data={"photo": (io.BytesIO(b"nope"), "p.jpg")})
    assert fake.status_code == 400 and "error" in fake.get_json()


def test_photo_position_needs_the_csrf_token(client):
    response = client.post("/api/v1/photo-position", data={"photo": (io.BytesIO(image_bytes()), "p.jpg")})
    assert response.status_code == 400


def test_areas_are_geojson_and_say_they_are_approximate(client):
    districts = client.get("/api/v1/areas/districts").get_json()
    assert len(districts["features"]) == 5
    assert all(f["properties"]["approximate"] for f in districts["features"])
    kommun = client.get("/api/v1/areas/kommun").get_json()
    assert kommun["features"][0]["properties"]["kommunkod"] == "1282"


def test_public_map_answers_are_kept_briefly_per_box_and_language(sqlite_app):
    """Phones in the same part of town ask for the same box: the answer is kept MAP_CACHE_SECONDS, then renewed."""
    from tests.factories import CENTRUM, make_report

    sqlite_app.config["MAP_CACHE_SECONDS"] = 1
    cache = sqlite_app.extensions["map_cache"]
    cache.clear()
    now = [1000.0]
    cache.clock = lambda: now[0]  # the cache's own clock, moved by hand: no waiting, no dependence on load
    client = sqlite_app.test_client()
    url = f"/api/v1/reports?bbox={CENTRUM[0] - 0.01},{CENTRUM[1] - 0.01},{CENTRUM[0] + 0.01},{CENTRUM[1] + 0.01}"
    first = client.get(url, headers={"Accept-Language": "sv"})
    assert first.json["features"] == [] and first.headers["Cache-Control"] == "public, max-age=1"
    make_report()
    assert client.get(url, headers={"Accept-Language": "sv"}).json["features"] == []  # kept
    english = client.get(url, headers={"Accept-Language": "en"}).json  # another language, its own answer
    assert len(english["features"]) == 1
    now[0] += 0.99
    assert client.get(url, headers={"Accept-Language": "sv"}).json["features"] == []  # still kept
    now[0] += 0.02
    assert len(client.get(url, headers={"Accept-Language": "sv"}).json["features"]) == 1  # renewed
    cache.clear()


def test_busy_boxes_come_as_counts_per_area_when_the_map_asks(client, app):
    app.config["MAP_CLUSTER_ABOVE"] = 2
    for n in range(3):
        make_report(at=(CENTRUM[0] + n * 0.0003, CENTRUM[1]), email=f"boende{n}@example.org")
    make_report(at=KARLSLUND)
    hidden, _ = make_report(at=CENTRUM)
    hidden.hidden = True
    db.session.commit()

    data = client.get(f"/api/v1/reports?bbox={BOX}&clusters=auto").get_json()
    assert data["clustered"] is True and data["total"] == 4  # the hidden one is not counted
    assert sum(f["properties"]["count"] for f in data["features"]) == 4
    assert all(set(f["properties"]) == {"count"} for f in data["features"])  # no report shows through
    biggest = data["features"][0]
    assert biggest["properties"]["count"] == 3
    assert biggest["geometry"]["coordinates"][0] == pytest.approx(CENTRUM[0], abs=0.002)

    quiet = client.get(f"/api/v1/reports?bbox={KARLSLUND[0] - 0.001},{KARLSLUND[1] - 0.001},{KARLSLUND[0] + 0.001},"
                       f"{KARLSLUND[1] + 0.001}&clusters=auto").get_json()
    assert "clustered" not in quiet and quiet["features"][0]["properties"]["reference"]  # few: pin by pin
    plain = client.get(f"/api/v1/reports?bbox={BOX}").get_json()  # without asking: reports, as always
    assert len(plain["features"]) == 4 and "clustered" not in plain
    refused = client.get(f"/api/v1/reports?bbox={BOX}&clusters=yes", headers={"Accept-Language": "sv"})
    assert refused.status_code == 400 and refused.get_json()["error"] == "clusters kan bara vara auto."


def test_the_map_can_ask_for_one_category_and_status(client, app):
    """The public map's filters: category and status (open, handled or one status) narrow the reports, and the
    counts per area of a busy view; an unknown one is a 400 in the asker's language."""
    from webapp.reports.lifecycle import change_status

    open_litter, _ = make_report(category="littered", at=CENTRUM)
    fixed_litter, _ = make_report(category="littered", at=(CENTRUM[0] + 0.0003, CENTRUM[1]))
    change_status(fixed_litter, "fixed", "test")
    graffiti, _ = make_report(category="graffiti", at=(CENTRUM[0] + 0.0006, CENTRUM[1]))

    def references(query):
        data = client.get(f"/api/v1/reports?bbox={BOX}{query}").get_json()
        return {f["properties"]["reference"] for f in data["features"]}

    assert references("&category=littered") == {open_litter.reference, fixed_litter.reference}
    assert references("&status=open") == {open_litter.reference, graffiti.reference}
    assert references("&status=handled") == {fixed_litter.reference}
    assert references("&category=littered&status=fixed") == {fixed_litter.reference}
    assert references("&category=graffiti&status=handled") == set()

    app.config["MAP_CLUSTER_ABOVE"] = 1  # busy: counts per area, of the asked-for reports only
    areas = client.get(f"/api/v1/reports?bbox={BOX}&clusters=auto&category=littered").get_json()
    assert areas["clustered"] is True and areas["total"] == 2
    assert areas["features"][0]["geometry"]["coordinates"][0] == pytest.approx(CENTRUM[0] + 0.00015, abs=0.0001)
    few = client.get(f"/api/v1/reports?bbox={BOX}&clusters=auto&category=littered&status=open").get_json()
    assert "clustered" not in few and [f["properties"]["reference"] for f in few["features"]] == [open_litter.reference]

    for query, word in (("&category=nothing", "nothing"), ("&status=lost", "status")):
        refused = client.get(f"/api/v1/reports?bbox={BOX}{query}", headers={"Accept-Language": "sv"})
        assert refused.status_code == 400 and word in refused.get_json()["error"]
