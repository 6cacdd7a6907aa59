"""The kommun's inventory (issue 26): imported from its GIS, served by box and nearest, named by reports and
weighed for new lighting or repair. The lamp ids and positions here are invented for the test."""
import json

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.factories import CENTRUM, KARLSLUND, login, make_report, make_user
from webapp.assets import inventory, services
from webapp.assets.models import Asset
from webapp.extensions import db
from webapp.geo.services import to_sweref

LAMP = (12.8303, 55.8707)       # some ten metres from CENTRUM
FAR_LAMP = (12.8340, 55.8720)    # a few hundred metres away


def lamps_geojson(tmp_path, lamps=(("L-1", LAMP), ("L-2", FAR_LAMP)), name="lamps.geojson"):
    features = [{"type": "Feature", "properties": {"ID": ident, "Armatur": "LED 30 W", "Höjd": 6},
                 "geometry": {"type": "Point", "coordinates": list(at)}} for ident, at in lamps]
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def import_lamps(app, path, *extra):
    result = app.test_cli_runner().invoke(args=["assets", "import", str(path), "--kind", "street_light",
                                                "--id-field", "ID", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def lamp(external_id: str) -> Asset:
    return db.session.execute(select(Asset).where(Asset.external_id == external_id)).scalar_one()


def test_geojson_import_then_a_csv_in_sweref_updates_in_place_and_retires_what_is_gone(app, tmp_path):
    output = import_lamps(app, lamps_geojson(tmp_path))
    assert "Assets" in output and "2 added, 0 updated, 0 retired" in output
    first = lamp("L-1")
    assert first.kind_key == "street_light" and abs(first.lon - LAMP[0]) < 1e-9
    assert first.attributes == {"armatur": "LED 30 W", "höjd": 6}

    # Excel's CSV: Windows-1252, semicolons, SWEREF 99 TM; L-1 moved a little, L-2 gone, L-3 new.
    e1, n1 = to_sweref(LAMP[0], LAMP[1] + 0.0001)
    e3, n3 = to_sweref(*KARLSLUND)
    csv = f"ID;E;N;Armatur\r\nL-1;{e1:.1f};{n1:.1f};Högtryck\r\nL-3;{e3:.1f};{n3:.1f};LED\r\n".encode("cp1252")
    (tmp_path / "lamps.csv").write_bytes(csv)
    output = import_lamps(app, tmp_path / "lamps.csv")
    assert "1 added, 1 updated, 1 retired" in output
    db.session.expire_all()
    moved = lamp("L-1")
    assert moved.id == first.id and abs(moved.lat - (LAMP[1] + 0.0001)) < 1e-6
    assert moved.attributes == {"armatur": "Högtryck"} and not moved.retired
    assert lamp("L-2").retired and not lamp("L-3").retired


def test_an_unknown_kind_or_a_file_without_ids_is_refused_with_the_reason(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    result = runner.invoke(args=["assets", "import", str(lamps_geojson(tmp_path)), "--kind", "lamppost"])
    assert result.exit_code != 0 and "Unknown kind" in result.output
    result = runner.invoke(args=["assets", "import", str(lamps_geojson(tmp_path)), "--kind", "street_light",
                                 "--id-field", "nummer"])
    assert result.exit_code != 0 and "no id" in result.output


def test_kinds_are_data_seeded_and_listed(sqlite_app):
    output = sqlite_app.test_cli_runner().invoke(args=["assets", "kinds"]).output
    assert "street_light: Belysningsstolpe / Street light" in output
    assert "litter_bin: Papperskorg / Litter bin" in output and "bench: Bänk / Bench" in output
    output = sqlite_app.test_cli_runner().invoke(args=["assets", "kinds", "--add", "bollard", "--sv", "Pollare",
                                                       "--en", "Bollard", "--category", "path_damage"]).output
    assert "bollard: Pollare / Bollard (categories: path_damage)" in output
    assert [k.key for k in services.kinds_for_category("path_damage")] == ["bollard"]


def test_the_api_gives_a_box_of_assets_and_the_nearest_within_a_few_metres(sqlite_app, tmp_path):
    import_lamps(sqlite_app, lamps_geojson(tmp_path))
    client = sqlite_app.test_client()
    answer = client.get("/api/v1/assets?kind=street_light&bbox=12.82,55.86,12.84,55.88").get_json()
    assert answer["type"] == "FeatureCollection" and not answer["truncated"]
    assert {f["properties"]["external_id"] for f in answer["features"]} == {"L-1", "L-2"}
    sqlite_app.config["ASSET_MAX_FEATURES"] = 1
    assert client.get("/api/v1/assets?kind=street_light&bbox=12.82,55.86,12.84,55.88").get_json()["truncated"]

    near = client.get(f"/api/v1/assets/nearest?kind=street_light&lat={CENTRUM[1]}&lon={CENTRUM[0]}").get_json()
    assert [f["properties"]["external_id"] for f in near["features"]] == ["L-1"]
    assert near["features"][0]["properties"]["distance_m"] <= 15
    assert client.get("/api/v1/assets?kind=lamppost&bbox=12.82,55.86,12.84,55.88").status_code == 400
    assert client.get("/api/v1/assets/nearest?kind=street_light&lat=x&lon=1").status_code == 400


def post_report(client, **fields):
    data = {"csrf_token": csrf_token(client), "category": "street_light", "lat": str(CENTRUM[1]),
            "lon": str(CENTRUM[0]), "description": "Lampan är släckt", "email": "", **fields}
    return client.post("/", data=data, content_type="multipart/form-data", headers={"Accept-Language": "sv"})


def test_a_report_names_its_lamp_and_staff_see_it_with_the_inventory_attributes(sqlite_app, tmp_path):
    import_lamps(sqlite_app, lamps_geojson(tmp_path))
    client = sqlite_app.test_client()
    response = post_report(client, asset=str(lamp("L-1").id))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    staff = sqlite_app.test_client()
    login(staff, make_user("case_officer"))
    report = services.reports_of(lamp("L-1"))[0]
    html = staff.get(f"/staff/reports/{report.id}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Belysningsstolpe L-1" in html and "LED 30 W" in html
    page = staff.get(f"/staff/assets/{lamp('L-1').id}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert report.reference in page and "LED 30 W" in page
    # The inventory's own column names, made readable; and a map of where it stands (the walk of issue 24).
    assert "Armatur" in page and "armatur" not in page.replace("Armatur", "") and 'id="lighting-map"' in page
    assert services.attribute_name("stolphöjd_m") == "Stolphöjd (m)"
    assert services.attribute_name("effekt_W") == "Effekt (W)" and services.attribute_name("typ") == "Typ"
    assert sqlite_app.test_client().get(f"/staff/assets/{lamp('L-1').id}").status_code in (302, 401)


def test_a_wrong_kind_a_far_lamp_or_a_retired_one_is_refused_in_swedish(sqlite_app, tmp_path):
    import_lamps(sqlite_app, lamps_geojson(tmp_path))
    client = sqlite_app.test_client()
    wrong_kind = post_report(client, category="graffiti", asset=str(lamp("L-1").id))
    assert wrong_kind.status_code == 400
    assert "passar inte den här sortens rapport" in wrong_kind.get_data(as_text=True)
    far = post_report(client, asset=str(lamp("L-2").id))
    assert far.status_code == 400 and "mer än 50 meter från nålen" in far.get_data(as_text=True)
    import_lamps(sqlite_app, lamps_geojson(tmp_path, lamps=(("L-2", FAR_LAMP),), name="only-l2.geojson"))
    retired = post_report(client, asset=str(lamp("L-1").id))
    assert retired.status_code == 400 and "finns inte längre i registret" in retired.get_data(as_text=True)
    assert post_report(client, asset="x1").status_code == 400
    assert not services.reports_of(lamp("L-1"))


def test_a_dark_place_without_a_lamp_nearby_is_a_candidate_for_new_lighting(sqlite_app, tmp_path):
    dark_before, _ = make_report("dark_unsafe", at=CENTRUM)
    assert services.lighting_need(dark_before) is None  # no inventory: nothing to say
    import_lamps(sqlite_app, lamps_geojson(tmp_path))
    near, _ = make_report("dark_unsafe", at=CENTRUM)
    far, _ = make_report("dark_unsafe", at=KARLSLUND)
    littered, _ = make_report("littered", at=KARLSLUND)
    assert services.lighting_need(near).need == services.NEED_REPAIR
    assert services.lighting_need(near).light.external_id == "L-1"
    assert services.lighting_need(far).need == services.NEED_NEW
    assert services.lighting_need(littered) is None
    sqlite_app.config["ASSET_NEW_LIGHT_DISTANCE_M"] = 5
    assert services.lighting_need(near).need == services.NEED_NEW

    staff = sqlite_app.test_client()
    login(staff, make_user("case_officer"))
    html = staff.get(f"/staff/reports/{far.id}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Kandidat för ny belysning (SB)" in html


def test_the_same_rows_read_from_csv_with_lon_lat_columns(sqlite_app):
    rows = inventory.read_csv_rows(b"id,lon,lat,typ\nB-7,12.8303,55.8707,Betong\n")
    assert rows == [inventory.AssetRow("B-7", 12.8303, 55.8707, {"typ": "Betong"})]


def test_the_inbox_filters_by_lamp_and_the_work_order_and_the_crew_task_name_it(sqlite_app, tmp_path):
    from tests.factories import form_token
    from webapp.workorders.models import WorkOrder

    import_lamps(sqlite_app, lamps_geojson(tmp_path))
    named, _ = make_report("street_light", at=CENTRUM, asset_id=lamp("L-1").id)
    other, _ = make_report("street_light", at=CENTRUM)
    officer = sqlite_app.test_client()
    login(officer, make_user("case_officer", department="TS"))
    inbox = officer.get("/staff/reports?asset=L-1", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert named.reference in inbox and other.reference not in inbox

    response = officer.post("/staff/workorders/new", data={
        "csrf_token": form_token(officer), "reports": [named.id], "kind": "light_repair", "priority": "normal",
        "title": "Byt ljuskälla", "instructions": "", "assignee": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    order = db.session.execute(select(WorkOrder)).scalar_one()
    page = officer.get(f"/staff/workorders/{order.id}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Belysningsstolpe L-1" in page and "LED 30 W" in page
    crew = sqlite_app.test_client()
    login(crew, make_user("crew", department="TS"))
    task = crew.get(f"/staff/tasks/{order.id}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Belysningsstolpe L-1" in task and "LED 30 W" in task


def test_the_lighting_basis_counts_a_dark_place_by_a_lamp_as_a_repair_and_filters_by_need(sqlite_app, tmp_path):
    import_lamps(sqlite_app, lamps_geojson(tmp_path))
    near, _ = make_report("dark_unsafe", at=CENTRUM)
    far, _ = make_report("dark_unsafe", at=KARLSLUND)
    planner = sqlite_app.test_client()
    login(planner, make_user("lighting_planner"))
    html = planner.get("/staff/lighting?need=repair", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert near.reference in html and far.reference not in html and "Belysningsstolpe L-1" in html
    html = planner.get("/staff/lighting?need=new", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert far.reference in html and near.reference not in html
    assert planner.get("/staff/lighting?need=sometimes").status_code == 400


@pytest.mark.slow  # loads the demo: hundreds of reports and a safety walk
def test_the_demo_loads_a_few_hundred_invented_street_lights_labelled_as_invented(sqlite_app):
    result = sqlite_app.test_cli_runner().invoke(args=["demo", "load", "--reports", "40"])
    assert result.exit_code == 0, result.output
    assert "INVENTED street lights" in result.output
    lamps = db.session.execute(select(Asset).where(Asset.kind_key == "street_light")).scalars().all()
    assert 150 <= len(lamps) <= 600
    assert all(a.source.startswith("INVENTED") and a.attributes["uppgift"] == "PÅHITTAD (demo)" for a in lamps)
    from webapp.geo.services import is_in_kommun
    assert all(is_in_kommun(a.lon, a.lat) for a in lamps)


def test_the_report_form_offers_the_kinds_with_an_inventory_to_its_map_script(sqlite_app, tmp_path):
    import html as html_lib
    import re

    client = sqlite_app.test_client()
    page = client.get("/", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert 'id="asset-pick"' in page and 'data-kinds="{}"' in page and 'name="asset"' in page
    import_lamps(sqlite_app, lamps_geojson(tmp_path))
    page = client.get("/", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    kinds = json.loads(html_lib.unescape(re.search(r'data-kinds="([^"]*)"', page).group(1)))
    assert kinds == {"street_light": "street_light", "dark_unsafe": "street_light"}
    assert "Vilken är det?" in page and "/api/v1/assets/nearest" in page
