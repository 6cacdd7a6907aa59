"""A second kommun is configuration, not code: the app configured for the invented Testby kommun
(tests/fixtures/testby) takes reports inside Testby only, names Testby on its pages, mails and exports, and
Landskrona nowhere; and no module or template under webapp/ spells the name of the default kommun."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from devdata.demo import ensure_demo_areas
from tests.conftest import base_config, build_app, csrf_token
from tests.factories import CENTRUM, form_token, login, make_user
from webapp import create_app
from webapp.auth import services as accounts
from webapp.extensions import db
from webapp.mail import outbox_messages
from webapp.municipality import LANDSKRONA, current_municipality, load_municipality
from webapp.reports.models import Report
from webapp.workorders import services as workorders
from webapp.workorders.models import WorkOrder

ROOT = Path(__file__).resolve().parent.parent
TESTBY = ROOT / "tests" / "fixtures" / "testby" / "municipality.toml"
INSIDE = (14.03, 57.04)  # lon, lat in Norra Testby
SOUTH = (14.07, 57.01)  # in Södra Testby
SV = {"Accept-Language": "sv"}


def config_for_testby(tmp_path: Path, url: str) -> dict:
    return {**base_config(tmp_path, url), "MUNICIPALITY": str(TESTBY)}


@pytest.fixture(scope="module")
def testby_database(tmp_path_factory):
    """One migrated SQLite file holding Testby's districts (read from the municipality's districts file)."""
    folder = tmp_path_factory.mktemp("testby-template")
    path = folder / "template.sqlite"
    app = create_app(config_for_testby(folder, f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        ensure_demo_areas()
        # The standard replies are the kommun's own words, kept in the database and edited under Settings;
        # migration 0003 seeded Landskrona's, so Testby's administrator words the one that names the town.
        fixed = next(t for t in workorders.templates() if t.key == "fixed")
        workorders.update_template(fixed, {"sv": "Nu är det åtgärdat. Tack för att du hjälper Testby!",
                                           "en": "It has now been fixed. Thank you for helping Testby!"}, "admin")
        db.session.commit()  # services flush; the fixture commits as a command would
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture
def testby(testby_database, tmp_path):
    target = tmp_path / "test.sqlite"
    shutil.copy(testby_database, target)
    app = build_app(config_for_testby(tmp_path, f"sqlite:///{target}"))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def report_form(client, at, **fields) -> dict:
    lon, lat = at
    return {"csrf_token": csrf_token(client), "category": "littered", "lat": str(lat), "lon": str(lon),
            "description": "Skräp vid dammen", "email": "", **fields}


def assert_testby(text: str) -> None:
    assert "Testby" in text
    assert "Landskrona" not in text and "landskrona" not in text


def test_the_settings_file_is_the_municipality(testby):
    municipality = current_municipality()
    assert (municipality.name, municipality.kommun_code, municipality.center) == ("Testby", "9999", (57.025, 14.05))
    assert testby.config["MAP_CENTER"] == (57.025, 14.05) and testby.config["OPEN311_JURISDICTION"] == "testby.example"
    assert testby.config["MAIL_SENDER"] == "Trygghetskartan Testby <noreply@testby.example>"
    assert load_municipality("landskrona") is LANDSKRONA
    with pytest.raises(ValueError):
        load_municipality(str(TESTBY.parent / "missing.toml"))


def test_a_resident_reports_inside_testby_and_is_refused_outside(testby):
    resident = testby.test_client()
    form = resident.get("/", headers=SV).get_data(as_text=True)
    assert "Rapportera en plats i Testby" in form and "Testby kommun" in form
    assert "Norra Testby" in form and "Södra Testby" in form
    assert_testby(form)

    outside = resident.post("/", data=report_form(resident, CENTRUM), headers=SV)  # Landskrona's town square
    assert outside.status_code == 400
    assert "Platsen ligger utanför Testbys kommun" in outside.get_data(as_text=True)
    assert db.session.execute(select(Report)).first() is None

    sent = resident.post("/", data=report_form(resident, INSIDE, email="boende@example.org"), headers=SV)
    assert sent.status_code == 302
    report = db.session.execute(select(Report)).scalar_one()
    assert report.district.name == "Norra Testby" and report.reference.startswith("TB-")
    assert_testby(resident.get(sent.headers["Location"], headers=SV).get_data(as_text=True))
    public = resident.get(f"/r/{report.reference}", headers=SV).get_data(as_text=True)
    assert report.reference in public
    assert_testby(public)

    mail = outbox_messages(testby.config["MAIL_OUTBOX_DIR"])[0]
    assert mail["From"] == "Trygghetskartan Testby <noreply@testby.example>"
    assert "testby.example" in mail["Message-ID"]
    assert "Tack för din rapport till Testby kommun" in mail.get_content()
    assert_testby(mail.as_string())

    assert "Rapporter i Testby" in resident.get("/karta", headers=SV).get_data(as_text=True)
    accessibility = resident.get("/tillganglighet", headers=SV).get_data(as_text=True)
    assert "Testby kommun står bakom den här tjänsten" in accessibility and "tillganglighet@testby.example" in accessibility
    for path in ("/manifest.webmanifest", "/api/openapi.json", "/api/v1/areas/kommun"):
        response = resident.get(path, headers=SV)
        assert response.status_code == 200, path
        assert "Landskrona" not in response.get_data(as_text=True), path
    assert "bbox=14.00,57.00,14.10,57.05" in resident.get("/api/docs").get_data(as_text=True)  # around Testby
    boundary = resident.get("/api/v1/areas/kommun").get_json()
    assert boundary["features"][0]["properties"]["kommunkod"] == "9999"
    # Arabic pages name the kommun in Arabic script (local_names in the settings file).
    arabic = resident.get("/?lang=ar").get_data(as_text=True)
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", arabic, re.S).group(1)
    assert "تستبي" in heading and "Testby" not in heading


def test_staff_log_in_find_the_report_and_order_the_work(testby):
    resident = testby.test_client()
    resident.post("/", data=report_form(resident, SOUTH), headers=SV)
    report = db.session.execute(select(Report)).scalar_one()
    assert report.district.name == "Södra Testby"

    officer = testby.test_client()
    assert login(officer, make_user("case_officer", email="handlaggare@testby.example", department="TS")).status_code == 302
    inbox = officer.get("/staff/reports", headers=SV).get_data(as_text=True)
    assert report.reference in inbox
    assert_testby(inbox)
    page = officer.get(f"/staff/reports/{report.id}", headers=SV)
    assert page.status_code == 200 and "Landskrona" not in page.get_data(as_text=True)

    response = officer.post("/staff/workorders/new", data={
        "csrf_token": form_token(officer), "reports": [report.id], "kind": "cleaning", "priority": "normal",
        "title": "Städa vid dammen", "instructions": "", "assignee": ""})
    assert response.status_code == 302
    order = db.session.execute(select(WorkOrder)).scalar_one()
    assert report in order.reports
    assert "Landskrona" not in officer.get(response.headers["Location"], headers=SV).get_data(as_text=True)

    admin = make_user("admin", email="admin@testby.example")
    assert "issuer=Trygghetskartan%20Testby" in accounts.provisioning_uri(admin, accounts.new_secret())
    survey = officer.get("/staff/indicators", headers=SV).get_data(as_text=True)
    assert "Södra Testby" in survey and "Landskrona" not in survey  # the survey's areas are Testby's

    # The letter to a property owner comes from Testby's department, with Testby's telephone.
    from webapp.reports import lifecycle

    lifecycle.assign_report(report, actor="test", expected_version=report.version, external_kind="property_owner",
                            external_name="Dammens fastigheter AB", public_note="Marken är privat.")
    owner = lifecycle.owners()[0]
    letter = officer.get(f"/staff/owners/{owner.id}/letter", headers=SV).get_data(as_text=True)
    assert "Samhällsbyggnadsförvaltningen, 0999-12 34 56" in letter and report.reference in letter
    assert "Teknik- och service" not in letter and "Landskrona" not in letter


def test_exports_and_open311_name_testby(testby):
    resident = testby.test_client()
    for at in (INSIDE, SOUTH):
        assert resident.post("/", data=report_form(resident, at), headers=SV).status_code == 302
    planner = testby.test_client()
    login(planner, make_user("lighting_planner", email="planerare@testby.example", department="SB"))
    rows = list(csv.DictReader(io.StringIO(planner.get("/staff/exports/points.csv").get_data(as_text=True))))
    assert {(float(r["lon"]), float(r["lat"])) for r in rows} == {INSIDE, SOUTH}
    assert_testby("Testby " + "".join(",".join(r.values()) for r in rows))
    points = planner.get("/staff/exports/points.geojson").get_json(force=True)
    assert sorted(tuple(f["geometry"]["coordinates"]) for f in points["features"]) == sorted([INSIDE, SOUTH])
    assert "Landskrona" not in json.dumps(points, ensure_ascii=False)
    png = planner.get("/staff/exports/heatmap.png")
    assert png.status_code == 200 and png.mimetype == "image/png"

    discovery = resident.get("/open311/v2/discovery.json").get_json()
    assert discovery["contact"].startswith("Testby kommun")
    services = resident.get("/open311/v2/services.json?jurisdiction_id=testby.example", headers=SV)
    assert services.status_code == 200 and services.get_json()
    assert "Landskrona" not in services.get_data(as_text=True)
    assert resident.get("/open311/v2/services.json?jurisdiction_id=landskrona.se").status_code == 404


# Where the default kommun's values may be written: its settings, its data, the catalogs (the demo generators
# are in devdata/, outside the runtime package).
ALLOWED = {"webapp/municipality.py"}
ALLOWED_FOLDERS = ("webapp/data/", "webapp/translations/")


def default_kommun_values() -> list[str]:
    """Every value the default municipality holds that could be copied into code: names, organisation, reference
    prefix (as it starts a reference), programme and its area, survey areas, department codes (as quoted
    strings), addresses, telephone, local names."""
    m = LANDSKRONA
    values = {m.name, m.organisation, m.kommun, m.programme, m.programme_area, m.owner_department, m.phone,
              m.mail_domain, m.open311_jurisdiction, m.totp_issuer, f"{m.reference_prefix}-20",
              *m.survey_areas, *m.rural_districts, *(n for _code, *names in m.local_names for n in names)}
    codes = {m.default_department, *(code for _kind, code in m.work_kind_departments)}
    values |= {f'"{c}"' for c in codes if c} | {f"'{c}'" for c in codes if c}
    return sorted(v for v in values if v)


def test_no_module_or_template_holds_a_value_of_the_default_kommun():
    values = default_kommun_values()
    assert "Centrum/Öster" in values and '"TS"' in values and "LK-20" in values  # the walk covers these
    pattern = re.compile("|".join(re.escape(v) for v in values), re.IGNORECASE)
    found = []
    for path in sorted([*ROOT.joinpath("webapp").rglob("*"), *ROOT.joinpath("templates").rglob("*"),
                        *ROOT.joinpath("static", "js").rglob("*")]):
        relative = path.relative_to(ROOT).as_posix()
        if not path.is_file() or path.suffix not in {".py", ".html", ".txt", ".js", ".xml", ".toml", ".json"}:
            continue
        if relative in ALLOWED or relative.startswith(ALLOWED_FOLDERS):
            continue
        found += [f"{relative}:{number}: {m.group(0)}"
                  for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                  for m in [pattern.search(line)] if m]
    assert found == [], "use current_municipality() / {{ municipality.… }} instead: " + ", ".join(found)


def test_a_kommun_names_itself_and_may_replace_a_page_with_its_own(testby):
    resident = testby.test_client()
    form = resident.get("/", headers=SV).get_data(as_text=True)
    assert "Din bild är tagen utanför Testbys kommun." in form  # its own genitive, not "Testby kommun"
    page = resident.get("/mina-rapporter", headers=SV).get_data(as_text=True)
    assert "Mina rapporter i Testbys kommun" in page  # tests/fixtures/testby/templates/reports/mine.html
    assert "<footer" in page  # the shipped base page around it
    default = build_app(base_config(Path(testby.instance_path), "sqlite://"))
    assert default.jinja_loader is not testby.jinja_loader


def test_the_municipality_is_a_base_layer_module():
    """webapp/municipality.py may be imported by every package, so it imports none of them."""
    import ast

    tree = ast.parse((ROOT / "webapp" / "municipality.py").read_text(encoding="utf-8"))
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert [name for name in imported if name and name.startswith("webapp")] == []


def test_testby_loads_its_own_categories_and_departments_and_work_goes_to_them(testby):
    """Testby's set (tests/fixtures/testby/categories.toml) is loaded with `flask categories load`: residents
    report in it, and work orders go to the department of its category (Testby names none per kind of work)."""
    result = testby.test_cli_runner().invoke(args=["categories", "load", str(TESTBY.parent / "categories.toml")])
    assert result.exit_code == 0 and "categories: 4 created" in result.output, result.output
    resident = testby.test_client()
    assert "Potthål" in resident.get("/", headers=SV).get_data(as_text=True)
    assert "حفرة في الطريق" in resident.get("/?lang=ar").get_data(as_text=True)
    assert resident.post("/", data=report_form(resident, SOUTH, category="testby_pothole"), headers=SV).status_code == 302
    report = db.session.execute(select(Report)).scalar_one()
    assert report.category.department_code == "GATA"

    order = workorders.create_work_order([report.id], kind="maintenance", priority_code="high", title="Laga hålet",
                                         actor="test")
    assert order.department_code == "GATA"
    crew = make_user("crew", email="gata@testby.example", department="GATA")
    assert [o.id for o in workorders.tasks_for(crew)] == [order.id]
    # Testby names no default department: an account given none has none (Landskrona's TS is not assumed).
    assert make_user("case_officer", email="utan@testby.example").department_code is None
