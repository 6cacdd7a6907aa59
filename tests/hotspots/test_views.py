"""The police's pages: what the role may see and do, the patrol sheet's public text, and the exports under the
disclosure threshold."""
import csv
import io
import json
from datetime import datetime, timezone

import pytest

from tests.factories import CENTRUM, KARLSLUND, form_token, login, make_report, make_user
from webapp.extensions import db

PERIOD = "date_from=2026-03-02&date_to=2026-03-15"
# A place 300 m east of Centrum: another 100 m square.
EAST = (CENTRUM[0] + 0.005, CENTRUM[1])


def report_at(day: int, hour: int, *, at=CENTRUM, time_of_day="evening", description="Mörkt vid busshållplatsen",
              hidden=False, email=None):
    report, _ = make_report(category="dark_unsafe", at=at, time_of_day=time_of_day, description=description,
                            email=email)
    report.created_at = datetime(2026, 3, day, hour, tzinfo=timezone.utc)
    report.hidden = hidden
    db.session.commit()
    return report


@pytest.fixture
def police(web):
    user = make_user("police")
    assert login(web, user).headers["Location"].endswith("/staff/hotspots/")
    return web


def test_the_police_see_the_hot_spots_but_no_case_work_nor_contact(police, sqlite_app):
    report = report_at(2, 19, email="anna.andersson@example.org")
    report.reporter_name, report.reporter_phone = "Anna Andersson", "0701234567"
    db.session.commit()
    for url in (f"/staff/hotspots/?{PERIOD}", f"/staff/hotspots/patrol?{PERIOD}", f"/staff/hotspots/cells.csv?{PERIOD}",
                f"/staff/hotspots/cells.geojson?{PERIOD}", "/staff/indicators"):
        response = police.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert "anna.andersson" not in body and "Anna Andersson" not in body and "0701234567" not in body
    for url in ("/staff/reports", f"/staff/reports/{report.id}", "/staff/heatmap", "/staff/admin/users"):
        assert police.get(url).status_code == 403, url
    token = form_token(police)
    for action in ("status", "hide", "assign", "edit", "merge", "ask"):
        assert police.post(f"/staff/reports/{report.id}/{action}", data={"csrf_token": token}).status_code == 403
    page = police.get(f"/staff/hotspots/?{PERIOD}").get_data(as_text=True)
    assert "Hot spots" in page or "Otrygga platser" in page


def test_other_roles(sqlite_app):
    for role, code in (("case_officer", 200), ("lighting_planner", 200), ("crew", 403), ("communications", 403)):
        client = sqlite_app.test_client()
        login(client, make_user(role, department="TS"))
        assert client.get("/staff/hotspots/").status_code == code, role
        assert client.get("/staff/hotspots/patrol").status_code == code, role


def test_the_page_counts_weekday_and_time_and_refuses_bad_input(police, sqlite_app):
    report_at(2, 19)                       # Monday evening
    report_at(3, 19, time_of_day="night")  # Tuesday night
    page = police.get(f"/staff/hotspots/?{PERIOD}&time_of_day=evening", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<td class="heat-4">1</td>' in text and "<caption>" in text and 'scope="row">Monday' in text
    assert police.get("/staff/hotspots/?date_from=2026-03-15&date_to=2026-03-01").status_code == 400
    assert police.get("/staff/hotspots/?time_of_day=noon").status_code == 400
    assert police.get("/staff/hotspots/cells.csv?date_from=2020-01-01&date_to=2026-01-01").status_code == 400
    assert police.get("/staff/hotspots/?gender=woman").status_code == 400   # no split by gender or age here


def test_the_patrol_sheet_shows_only_public_text(police, sqlite_app):
    report_at(2, 19, description="Trasig lampa i gångtunneln, mörkt och otäckt")
    report_at(3, 19, description="Någon skrek åt mig vid Karl Johans gata 4", hidden=True)
    report_at(4, 12, time_of_day="day", description="På dagen är det lugnt")
    sheet = police.get(f"/staff/hotspots/patrol?{PERIOD}").get_data(as_text=True)
    assert "Trasig lampa i gångtunneln" in sheet
    assert "Karl Johans gata" not in sheet          # hidden by staff
    assert "På dagen är det lugnt" not in sheet     # another time of day than the sheet's (the evening)
    assert "geo:" in sheet and "openstreetmap.org" in sheet
    # A small map per place (issue 27.1), with that place's square.
    assert sheet.count('class="map patrol-map"') == sheet.count('class="patrol-place"') >= 1
    assert "polygon" in sheet and "hotspots.js" in sheet
    day = police.get(f"/staff/hotspots/patrol?{PERIOD}&time_of_day=day").get_data(as_text=True)
    assert "På dagen är det lugnt" in day and "Trasig lampa" not in day


def test_exports_parse_carry_no_personal_data_and_hide_small_squares(police, sqlite_app):
    for day in range(2, 8):              # six reports in Centrum's square: four in the evening, two at night
        report_at(day, 19, time_of_day="evening" if day < 6 else "night", email=f"person{day}@example.org")
    for day in range(2, 6):              # four in another square: under the threshold of five
        report_at(day, 19, at=EAST)
    report_at(2, 19, at=KARLSLUND)
    rows = list(csv.DictReader(io.StringIO(police.get(f"/staff/hotspots/cells.csv?{PERIOD}").get_data(as_text=True))))
    assert len(rows) == 1
    assert rows[0]["reports"] == "6" and rows[0]["evening"] == "" and rows[0]["night"] == ""  # 2 < 5, and its pair
    assert rows[0]["day"] == "0"
    geojson = json.loads(police.get(f"/staff/hotspots/cells.geojson?{PERIOD}").get_data(as_text=True))
    assert [f["properties"]["reports"] for f in geojson["features"]] == [6]
    assert geojson["features"][0]["geometry"]["type"] == "Polygon"
    properties = set(geojson["features"][0]["properties"]) | set(rows[0])
    assert not properties & {"email", "name", "phone", "reference", "description", "gender", "age_group"}
    assert "example.org" not in json.dumps(geojson)
    # Narrowing the page to a time or a square's area does not narrow the file (no figure by subtraction).
    narrowed = police.get(f"/staff/hotspots/cells.csv?{PERIOD}&time_of_day=night").get_data(as_text=True)
    assert list(csv.DictReader(io.StringIO(narrowed)))[0]["reports"] == "6"


def test_the_role_is_given_by_the_cli_and_offered_on_the_admin_pages(sqlite_app):
    officer = make_user("case_officer", email="konstapel@landskrona.se")
    result = sqlite_app.test_cli_runner().invoke(args=["users", "set-role", "konstapel@landskrona.se", "police"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert officer.role == "police"
    admin = sqlite_app.test_client()
    login(admin, make_user("admin"))
    form = admin.get(f"/staff/admin/users/{officer.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'value="police"' in form and ">Police<" in form
