"""The planner downloads the heat map's selection in every format and opens each in a standard reader."""
import csv
import io
import json

from openpyxl import load_workbook
from PIL import Image

from tests.factories import CENTRUM, KARLSLUND, login, make_report, make_user
from webapp.insights.services import export_log


def planner(app):
    client = app.test_client()
    login(client, make_user("lighting_planner", department="SB"))
    return client


def test_heat_map_and_every_export(sqlite_app):
    make_report(category="dark_unsafe", time_of_day="night", email="hemlig@example.org")
    make_report(category="dark_unsafe", time_of_day="evening", at=KARLSLUND)
    make_report(category="littered")
    client = planner(sqlite_app)
    assert client.get("/staff/heatmap", headers={"Accept-Language": "sv"}).status_code == 200
    query = "categories=dark_unsafe&times_of_day=night&cell=100"
    cells = client.get(f"/staff/heatmap/cells.json?{query}").get_json()
    assert cells["total"] == 1 and [c[2] for c in cells["cells"]] == [1]

    points = json.loads(client.get(f"/staff/exports/points.geojson?{query}").get_data(as_text=True))
    assert points["type"] == "FeatureCollection" and len(points["features"]) == 1
    assert points["features"][0]["geometry"]["coordinates"] == [CENTRUM[0], CENTRUM[1]]
    rows = list(csv.DictReader(io.StringIO(client.get("/staff/exports/points.csv").get_data(as_text=True))))
    assert len(rows) == 3 and {"lon", "lat", "sweref99tm_e", "sweref99tm_n"} <= set(rows[0])
    book = load_workbook(io.BytesIO(client.get("/staff/exports/points.xlsx").data))
    assert book["Rapporter"].max_row == 4
    grid = json.loads(client.get("/staff/exports/cells.geojson?cell=250").get_data(as_text=True))
    assert sum(f["properties"]["count"] for f in grid["features"]) == 3
    png = client.get("/staff/exports/heatmap.png")
    assert png.mimetype == "image/png" and Image.open(io.BytesIO(png.data)).format == "PNG"
    for path in ("/staff/exports/points.csv", "/staff/exports/points.geojson"):
        assert "hemlig@example.org" not in client.get(path).get_data(as_text=True)
    assert sorted(e.kind for e in export_log()) == ["cells", "heatmap"] + ["points"] * 5
    assert all(e.actor.startswith("lighting_planner") for e in export_log())


def test_map_cells_are_the_geojson_export_cells_compactly_and_compressed(sqlite_app):
    """The map's compact answer ([column, row, count] on the SWEREF 99 TM grid) holds the same cells and counts
    as the GeoJSON cells a GIS user downloads, for the same selection; gzip-compressed when the browser accepts
    it, plain JSON when it does not."""
    import gzip
    from datetime import datetime, timezone

    from webapp.geo.services import to_wgs84

    def near(dx, dy):
        return to_wgs84(364200.0 + dx, 6193800.0 + dy)

    for dx, dy, category, night in [(10, 10, "dark_unsafe", True), (50, 90, "dark_unsafe", True),
                                    (150, 50, "dark_unsafe", False), (120, 20, "graffiti", False),
                                    (530, 430, "littered", False), (-70, 260, "dark_unsafe", True)]:
        make_report(at=near(dx, dy), category=category, time_of_day=("night" if night else "day")
                    if category == "dark_unsafe" else None, created_at=datetime(2019, 5, 3, tzinfo=timezone.utc))
    client = planner(sqlite_app)
    for query in ("", "cell=100", "cell=200", "cell=150", "categories=dark_unsafe&times_of_day=night",
                  "date_from=2019-05-01&date_to=2019-05-31", "kinds=fault&cell=500"):
        response = client.get(f"/staff/heatmap/cells.json?{query}", headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200 and response.mimetype == "application/json"
        body = gzip.decompress(response.data) if response.content_encoding == "gzip" else response.data
        compact = json.loads(body)
        size = compact["size"]
        e0, n0 = compact["origin"]
        drawn = {(e0 + column * size, n0 + row * size): count for column, row, count in compact["cells"]}
        export = json.loads(client.get(f"/staff/exports/cells.geojson?{query}").data)
        exported = {(f["properties"]["sweref99tm_e"], f["properties"]["sweref99tm_n"]): f["properties"]["count"]
                    for f in export["features"]}
        assert drawn == exported and drawn, query
        assert size == export["cell_size_m"] and compact["total"] == export["total"] == sum(drawn.values())
    everything = client.get("/staff/heatmap/cells.json", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert everything.content_encoding == "gzip" and "Accept-Encoding" in everything.vary
    plain = client.get("/staff/heatmap/cells.json", headers={"Accept-Encoding": "identity"})
    assert plain.content_encoding is None and json.loads(plain.data)["total"] == 6


def test_bad_selection_and_unknown_export(sqlite_app):
    client = planner(sqlite_app)
    assert client.get("/staff/heatmap/cells.json?cell=3").status_code == 400
    assert client.get("/staff/heatmap/cells.json?date_from=2019-02-01&date_to=2019-01-01").status_code == 400
    assert client.get("/staff/exports/points.pdf").status_code == 404
    assert client.get("/staff/heatmap?date_from=nonsense").status_code == 400


def test_communications_and_crew_cannot_export(sqlite_app):
    for role in ("communications", "crew"):
        client = sqlite_app.test_client()
        login(client, make_user(role))
        assert client.get("/staff/exports/points.csv").status_code == 403


def test_case_export_lighting_basis_and_admin_only_contacts(sqlite_app):
    make_report(category="dark_unsafe", time_of_day="night", email="hemlig@example.org")
    client = planner(sqlite_app)
    rows = list(csv.reader(io.StringIO(client.get("/staff/exports/cases.csv").get_data(as_text=True))))
    assert rows[0][:3] == ["reference", "category", "kind"] and len(rows) == 2
    assert "hemlig@example.org" not in str(rows)
    book = load_workbook(io.BytesIO(client.get("/staff/exports/cases.xlsx").data))
    assert book["Ärenden"].max_row == 2
    assert client.get("/staff/lighting", headers={"Accept-Language": "sv"}).status_code == 200
    geojson = json.loads(client.get("/staff/lighting.geojson").get_data(as_text=True))
    assert geojson["features"][0]["properties"]["group"] == "no_lighting"
    lighting_rows = list(csv.DictReader(io.StringIO(client.get("/staff/lighting.csv").get_data(as_text=True))))
    assert lighting_rows[0]["group"] == "no_lighting" and lighting_rows[0]["night"] == "1"
    assert client.get("/staff/exports/contacts.csv").status_code == 403

    admin = sqlite_app.test_client()
    login(admin, make_user("admin"))
    contacts = admin.get("/staff/exports/contacts.csv").get_data(as_text=True)
    assert "hemlig@example.org" in contacts
    from webapp.audit import AuditEvent
    from webapp.extensions import db
    assert db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "contacts")).scalar_one()


def test_indicator_dashboard_page_xlsx_and_survey_entry(sqlite_app):
    from datetime import datetime, timezone

    make_report(category="graffiti", created_at=datetime(2019, 3, 1, tzinfo=timezone.utc))
    make_report(category="graffiti", created_at=datetime(2018, 3, 1, tzinfo=timezone.utc))
    comms = sqlite_app.test_client()
    login(comms, make_user("communications"))
    page = comms.get("/staff/indicators?period=2019", headers={"Accept-Language": "sv"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "2019 jämfört med 2018" in html and "<svg" in html
    assert "report-print.css" in html
    assert comms.get("/staff/indicators?period=nonsense").status_code == 400
    from tests.factories import form_token
    token = form_token(comms, "/staff/indicators?period=2019")
    comms.post("/staff/indicators/survey", data={"csrf_token": token, "indicator": "trygghetsmatning:safe_evening",
                                                 "area": "Centrum/Öster", "year": "2019", "value": "64.5"})
    html = comms.get("/staff/indicators?period=2019", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "64.5" in html and "Rapporter bredvid trygghetsmätningen" in html  # the survey beside the reports
    assert "påhittade demovärden" not in html  # entered by staff, not the demo
    book = load_workbook(io.BytesIO(comms.get("/staff/indicators.xlsx?period=2019").data))
    sheet = book["Uppföljning"]
    assert sheet["B1"].value == "2019" and sheet["C1"].value.startswith("2018")
    assert book.worksheets[-1].max_row == 2  # the survey value
    crew = sqlite_app.test_client()
    login(crew, make_user("crew"))
    assert crew.get("/staff/indicators").status_code == 403


def test_very_large_xlsx_becomes_a_job_with_a_download_link_instead_of_hanging(sqlite_app):
    """Above XLSX_WEB_LIMIT the workbook is written by a worker; its page links to the file when it is whole."""
    from webapp.jobs import services as jobs

    sqlite_app.config.update(XLSX_WEB_LIMIT=1, JOBS_IN_WEB_PROCESS=False)
    make_report()
    make_report()
    client = planner(sqlite_app)
    response = client.get("/staff/exports/points.xlsx")
    page = response.headers["Location"]
    assert "/staff/exports/jobs/" in page
    html = client.get(page, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "skriver arbetsboken med 2 rapporter" in html and "data-busy" in html
    assert client.get(page + "/file").status_code == 404  # not there before it is written

    assert jobs.work(once=True, stale_seconds=60) == 1  # what `flask jobs work` does
    html = client.get(page, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Arbetsboken är klar: 2 rapporter" in html
    book = load_workbook(io.BytesIO(client.get(page + "/file").data))
    assert book["Rapporter"].max_row == 3
    assert export_log(1)[0].rows == 2  # logged when written
    colleague = planner(sqlite_app)  # another planner with the job's number finds nothing
    assert colleague.get(page).status_code == 404 and colleague.get(page + "/file").status_code == 404


def test_full_geojson_above_the_limit_becomes_a_job_for_its_maker_and_administrators(sqlite_app):
    """Above the same limit as the workbook, the full GeoJSON points export is written by a worker too: the
    planner gets a page that links to the file when it is whole; another planner finds nothing, an
    administrator finds it. Below the limit it still streams at once."""
    from webapp.jobs import services as jobs

    sqlite_app.config.update(XLSX_WEB_LIMIT=2, JOBS_IN_WEB_PROCESS=False)
    make_report(category="dark_unsafe", time_of_day="night")
    make_report(at=KARLSLUND)
    client = planner(sqlite_app)
    streamed = json.loads(client.get("/staff/exports/points.geojson").get_data(as_text=True))
    assert len(streamed["features"]) == 2  # at the limit: no job
    make_report(category="graffiti")
    response = client.get("/staff/exports/points.geojson")
    page = response.headers["Location"]
    assert response.status_code == 302 and "/staff/exports/jobs/" in page
    html = client.get(page, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "skriver GeoJSON-filen med 3 rapporter" in html and "data-busy" in html
    assert client.get(page + "/file").status_code == 404  # not there before it is written

    assert jobs.work(once=True, stale_seconds=60) == 1  # what `flask jobs work` does
    html = client.get(page, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "GeoJSON-filen är klar: 3 rapporter" in html and "Ladda ner filen (GeoJSON)" in html
    download = client.get(page + "/file")
    assert download.mimetype == "application/geo+json"
    assert download.headers["Content-Disposition"].endswith(".geojson")
    written = json.loads(download.data)
    assert written["type"] == "FeatureCollection" and len(written["features"]) == 3
    assert written["features"][:2] == streamed["features"]  # the same features as the streamed export
    assert export_log(1)[0].fmt == "geojson" and export_log(1)[0].rows == 3  # logged when written

    colleague = planner(sqlite_app)
    assert colleague.get(page).status_code == 404 and colleague.get(page + "/file").status_code == 404
    admin = sqlite_app.test_client()
    login(admin, make_user("admin"))
    assert admin.get(page).status_code == 200 and json.loads(admin.get(page + "/file").data) == written


def test_an_invalid_period_is_said_and_the_xlsx_keeps_the_demo_note(sqlite_app):
    """Issue 24.16: `2018-H3` or `abc` is refused at the period field with what was typed kept, and the page says
    which period it shows instead; the XLSX of demo survey values says they are invented."""
    import re

    from webapp.insights import indicators
    from webapp.timeutil import local_today

    comms = sqlite_app.test_client()
    login(comms, make_user("communications"))
    shown = str(local_today().year - 1)
    for typed in ("2018-H3", "abc"):
        page = comms.get(f"/staff/indicators?period={typed}", headers={"Accept-Language": "sv"})
        html = page.get_data(as_text=True)
        assert page.status_code == 400 and f'name="period" value="{typed}"' in html
        assert 'aria-invalid="true"' in html and "Välj ett år, halvår eller kvartal" in html
        assert f"Sidan visar {shown} i stället." in html
        assert re.search(rf'href="/staff/indicators.xlsx\?period={shown}"', html)
    assert comms.get("/staff/indicators.xlsx?period=abc").status_code == 302
    indicators.save_survey_value(source="trygghetsmatning", indicator="safe_evening", area="Centrum/Öster",
                                 year=2019, value=61.0, actor=indicators.DEMO_ACTOR)
    book = load_workbook(io.BytesIO(comms.get("/staff/indicators.xlsx?period=2019",
                                              headers={"Accept-Language": "sv"}).data))
    summary = " ".join(str(c.value) for row in book["Uppföljning"].iter_rows() for c in row if c.value)
    assert "påhittade demovärden" in summary
    survey = [[c.value for c in row] for row in book.worksheets[-1].iter_rows()]
    assert survey[1][-1] and "påhitta" in survey[1][-1]


def test_the_heat_maps_case_export_links_carry_the_selection_and_csv_for_excel_is_offered(sqlite_app):
    """Issue 24.14: "Ärendeexport" exports what the map shows, not every report; each CSV has a Swedish-Excel
    twin (BOM, semicolons, decimal commas)."""
    import html as html_lib
    import re

    graffiti, _ = make_report(category="graffiti")
    litter, _ = make_report(category="littered")
    planner = sqlite_app.test_client()
    login(planner, make_user("lighting_planner"))
    page = planner.get("/staff/heatmap?categories=graffiti", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    links = {html_lib.unescape(text): html_lib.unescape(url)
             for url, text in re.findall(r'<a (?:class="[^"]*" )?href="([^"]*)">([^<]*)</a>', page)}
    assert links["Ärendeexport (CSV)"] == "/staff/exports/cases.csv?categories=graffiti"
    assert links["Ärendeexport (XLSX)"] == "/staff/exports/cases.xlsx?categories=graffiti"
    excel_url = links["Ärendeexport (CSV för Excel)"]
    assert excel_url == "/staff/exports/cases.csv?categories=graffiti&excel=1"
    assert links["CSV för Excel"] == "/staff/exports/points.csv?categories=graffiti&excel=1"
    response = planner.get(excel_url)
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff") and ";" in text.splitlines()[0] and "-excel.csv" in response.headers[
        "Content-Disposition"]
    assert graffiti.reference in text and litter.reference not in text
    assert re.search(r";55,\d+;", text)  # a coordinate with a decimal comma
    points = planner.get(links["CSV för Excel"]).get_data(as_text=True)
    assert points.startswith("\ufeff") and graffiti.reference in points and litter.reference not in points


def test_case_and_point_workbooks_hold_real_dates_in_stockholm_time(sqlite_app):
    """Issue 24.14: a report at 23:30 UTC on 6 December was received at 00:30 on the 7th in Landskrona: the
    XLSX says so as a date, and the CSV with its offset."""
    from datetime import datetime, timezone

    from webapp.insights.services import CASE_COLUMNS, SHEET_COLUMNS

    report, _ = make_report(category="graffiti", created_at=datetime(2026, 12, 6, 23, 30, tzinfo=timezone.utc))
    client = sqlite_app.test_client()
    login(client, make_user("lighting_planner"))
    book = load_workbook(io.BytesIO(client.get("/staff/exports/cases.xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    received = rows[1][CASE_COLUMNS.index("received")]
    assert received == datetime(2026, 12, 7, 0, 30)
    book = load_workbook(io.BytesIO(client.get("/staff/exports/points.xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][SHEET_COLUMNS.index("created")] == datetime(2026, 12, 7, 0, 30)
    text = client.get("/staff/exports/cases.csv").get_data(as_text=True)
    assert report.reference in text and "2026-12-07T00:30:00+01:00" in text


def test_the_lighting_basis_is_chosen_by_period_and_names_each_place_by_address_area_and_sweref(sqlite_app, tmp_path):
    """24.14: the lighting basis had no period filter, no SWEREF 99 TM and no address or area per place, and the
    planner could not open a place's reports from it."""
    from datetime import datetime, timezone

    from tests.geo.test_streets import osm_extract
    from webapp.extensions import db

    result = sqlite_app.test_cli_runner().invoke(args=["geo", "import-streets", str(osm_extract(tmp_path))])
    assert result.exit_code == 0, result.output
    old, _ = make_report(category="dark_unsafe", time_of_day="night", created_at=datetime(2025, 3, 1, tzinfo=timezone.utc))
    new, _ = make_report(category="dark_unsafe", time_of_day="evening", at=KARLSLUND,
                         created_at=datetime(2026, 3, 1, tzinfo=timezone.utc))
    db.session.commit()
    client = planner(sqlite_app)
    page = client.get("/staff/lighting?date_from=2025-01-01&date_to=2025-12-31", headers={"Accept-Language": "sv"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="date_from"' in html and "Rapporter från 2025-01-01 till 2025-12-31." in html
    assert old.reference in html and new.reference not in html  # the period chooses
    assert f'href="/staff/reports/{old.id}"' in html  # the place's reports open from the list
    assert "Storgatan" in html and "Centrum/Öster" in html  # the nearest street from the kommun's list; the area
    assert 'id="lighting-map"' in html and "E 3" in html  # a map, and SWEREF 99 TM
    rows = list(csv.DictReader(io.StringIO(
        client.get("/staff/lighting.csv?date_from=2025-01-01&date_to=2025-12-31").get_data(as_text=True))))
    assert [(r["address"], r["area"]) for r in rows] == [("Storgatan", "Centrum/Öster")]
    assert float(rows[0]["sweref99tm_n"]) > 6_100_000
    everything = client.get("/staff/lighting", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert old.reference in everything and new.reference in everything and "Alla rapporter" in everything
    assert client.get("/staff/lighting?date_from=2025-13-01").status_code == 400


def test_spreadsheets_people_open_name_their_columns_in_words_and_plain_csv_keeps_the_codes(sqlite_app):
    """24.9 for headers: "CSV för Excel" and XLSX are opened by people, so their columns are named in the reader's
    language; plain CSV keeps the stable codes that programs read (docs/data.md)."""
    make_report(category="dark_unsafe", time_of_day="night")
    client = planner(sqlite_app)
    sv = {"Accept-Language": "sv"}
    plain = client.get("/staff/exports/cases.csv", headers=sv).get_data(as_text=True)
    assert plain.splitlines()[0].startswith("reference,category,kind")
    excel = client.get("/staff/exports/cases.csv?excel=1", headers=sv).get_data(as_text=True)
    assert excel.lstrip("\ufeff").splitlines()[0].startswith("Ärendenummer;Kategori;Slag")
    book = load_workbook(io.BytesIO(client.get("/staff/exports/cases.xlsx", headers=sv).data))
    assert [c.value for c in next(book["Ärenden"].iter_rows(max_row=1))][:3] == ["Ärendenummer", "Kategori", "Slag"]
    lighting = client.get("/staff/lighting.csv?excel=1", headers=sv).get_data(as_text=True).lstrip("\ufeff")
    header, first = lighting.splitlines()[:2]
    assert header.startswith("Grupp;Rapporter") and first.startswith("Ingen belysning här (SB)")
