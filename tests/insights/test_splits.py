"""Split by gender or age, no staff download or page gives a single report or a group under five (issue 14.1),
answers a small selection differently for one split value than for another, or shows a figure that gives a hidden
one away (issue 23.1 and 23.2: the disclosure rule, webapp/disclosure.py).

The routes are read from the app's URL map, so that a heat-map, export, lighting, indicator or campaign-result
route added later is walked too."""
import csv
import io
import itertools
import json
import re

from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.routing.converters import AnyConverter

from tests.campaigns.test_walks import at, walk_campaign
from tests.factories import backdate_reports, login, make_user
from webapp.campaigns import services as campaigns
from webapp.disclosure import DEFAULT_THRESHOLD as MIN_CELL
from webapp.extensions import db
from webapp.insights import services as insights
from webapp.insights.services import EXPORT_FORMATS
from webapp.media import photo_settings
from webapp.reports.intake import NewReport
from webapp.reports.models import Report

SPLIT = "gender=woman&age_group=u16"
# The downloads and pages a split could reach: the heat map and its exports, the lighting basis, the follow-up
# dashboard and a campaign's results.
SPLIT_ROUTES = re.compile(r"^/staff/(exports|heatmap|lighting|indicators|campaigns/<int:campaign_id>/"
                          r"(results|compare|scores))")
COUNT_COLUMNS = {"count", "reports", "total"}
SMALL_CELL_COLUMNS = COUNT_COLUMNS | {"day", "evening", "night"}


def answered(campaign, place, key="dark_unsafe", time_of_day="night", **answers):
    lon, lat = place
    return campaigns.submit(campaign, NewReport(category_key=key, lat=lat, lon=lon, description="Mörkt här",
                                                time_of_day=time_of_day), photo_settings(), **answers)[0]


def seed():
    """Women under 16 in groups of 6, 3 and 1 (one of the six at another time of day), and two older men."""
    made = walk_campaign()
    woman = {"gender": "woman", "age_group": "u16"}
    for i in range(6):
        answered(made, at(30, 30), time_of_day="evening" if i == 0 else "night", **woman)
    for _ in range(3):
        answered(made, at(530, 30), **woman)
    answered(made, at(1030, 30), key="street_light", **woman)
    for _ in range(2):
        answered(made, at(30, 530), gender="man", age_group="65+")
    backdate_reports()   # split figures count up to the day before (webapp/disclosure.py)
    return made


def split_urls(app, values: dict) -> list[str]:
    adapter = app.url_map.bind("trygghetskartan.test")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not SPLIT_ROUTES.match(rule.rule):
            continue
        names = sorted(rule.arguments)
        choices = [sorted(rule._converters[n].items) if isinstance(rule._converters[n], AnyConverter) else values[n]
                   for n in names]
        urls += [adapter.build(rule.endpoint, dict(zip(names, combo))) for combo in itertools.product(*choices)]
    return sorted(set(urls))


def tables(response) -> list[list[list]]:
    """The rows of a CSV or of each sheet of a workbook; [] for anything else."""
    if response.mimetype == "text/csv":
        return [list(csv.reader(io.StringIO(response.get_data(as_text=True))))]
    if response.mimetype.endswith("spreadsheetml.sheet"):
        book = load_workbook(io.BytesIO(response.data))
        return [[["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
                for sheet in book.worksheets]
    return []


def small(value) -> bool:
    try:
        return 0 < float(value) < MIN_CELL
    except (TypeError, ValueError):
        return False


def assert_no_small_groups(url: str, response) -> None:
    for table in tables(response):
        if len(table) < 2:
            continue
        header = [str(h) for h in table[0]]
        assert COUNT_COLUMNS & set(header), f"{url}: one row per report, split by gender and age"
        for row in table[1:]:
            for name, value in zip(header, row):
                assert not (name in SMALL_CELL_COLUMNS and small(value)), f"{url}: {name}={value} in {row}"
    if response.mimetype in ("application/json", "application/geo+json"):
        for feature in json.loads(response.data).get("features", []):
            properties = feature["properties"]
            assert COUNT_COLUMNS & set(properties), f"{url}: a feature per report, split by gender and age"
            counts = {k: v for k, v in properties.items() if k in SMALL_CELL_COLUMNS}
            counts.update(properties.get("times") or {})
            assert not any(small(v) for v in counts.values()), f"{url}: {properties}"


def test_no_route_gives_single_reports_or_small_groups_when_split(sqlite_app):
    made = seed()
    references = list(db.session.execute(select(Report.reference)).scalars())
    assert len(references) == 12
    admin = sqlite_app.test_client()
    login(admin, make_user("admin"))
    from webapp.jobs import services as jobs

    job = jobs.enqueue("points_export", {"selection": {}, "fmt": "xlsx", "folder": "/nonexistent"}, "t")
    urls = split_urls(sqlite_app, {"campaign_id": [made.id], "kind": sorted(EXPORT_FORMATS),
                                   "fmt": sorted({f for formats in EXPORT_FORMATS.values() for f in formats}), "job_id": [job.id]})
    assert len(urls) >= 20, f"only {len(urls)} routes found: has the URL map or the pattern changed? {urls}"
    answered_ok = []
    for url in urls:
        response = admin.get(f"{url}?{SPLIT}", headers={"Accept-Language": "sv"})
        assert response.status_code in (200, 302, 400, 404), f"{url}: {response.status_code}"
        if response.status_code != 200:
            continue
        answered_ok.append(url)
        text = response.get_data(as_text=True) if not response.mimetype.startswith("image/") else ""
        text += " ".join(str(v) for table in tables(response) for row in table for v in row)
        leaked = [r for r in references if r in text]
        assert not leaked, f"{url} gives report references when split: {leaked}"
        assert_no_small_groups(url, response)
    # The split itself still works where it is counted: heat map, cells, PNG, the lighting basis.
    assert len(answered_ok) >= 6, answered_ok


def test_single_report_exports_are_refused_with_a_reason(sqlite_app):
    made = seed()
    planner = sqlite_app.test_client()
    login(planner, make_user("lighting_planner"))
    for path in ("/staff/exports/cases.csv", "/staff/exports/cases.xlsx", "/staff/exports/points.csv"):
        refused = planner.get(f"{path}?campaign={made.id}&{SPLIT}", headers={"Accept-Language": "sv"})
        assert refused.status_code == 400 and "peka ut" in refused.get_data(as_text=True)
    # A page that cannot split says so rather than giving everyone's reports as if they were the split.
    ignored = planner.get(f"/staff/campaigns/{made.id}/results.csv?gender=woman",
                          headers={"Accept-Language": "sv"})
    assert ignored.status_code == 400 and "kön eller ålder" in ignored.get_data(as_text=True)
    page = planner.get(f"/staff/lighting?campaign={made.id}&{SPLIT}", headers={"Accept-Language": "sv"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "minst 5 rapporter" in html and "None" not in html
    assert f"/staff/lighting.csv?campaign={made.id}&amp;{SPLIT.replace('&', '&amp;')}" in html
    # Nothing refused is logged as exported; without the split both downloads work.
    assert insights.export_log() == []
    assert planner.get(f"/staff/campaigns/{made.id}/results.csv").status_code == 200
    assert planner.get(f"/staff/exports/cases.csv?campaign={made.id}").status_code == 200


def test_lighting_basis_split_keeps_only_counted_places(app):
    made = seed()
    everyone = insights.lighting_basis(insights.Selection(campaign=made.id))
    assert sorted(p["count"] for p in everyone["new"] + everyone["existing"]) == [1, 2, 3, 6]
    women = insights.lighting_basis(insights.Selection(campaign=made.id, gender="woman", age_group="u16"))
    assert women["existing"] == [] and [p["count"] for p in women["new"]] == [5]  # six, rounded to the threshold
    place = women["new"][0]
    assert place["references"] == [] and place["photos"] == []
    # No time of day split: 5 at night and 1 in the evening, the one would show.
    assert place["times"] == {"day": None, "evening": None, "night": None}
    # How many were left out is never said.
    assert "suppressed" not in women and women["split"] is True
    # Counted cells still work, and single reports are refused in the service (the CLI and API call it too).
    assert insights.grid(insights.Selection(campaign=made.id, gender="woman"), 100).total == 5  # six, rounded to the threshold
    for rows in (insights.point_rows, insights.case_rows, insights.contact_rows):
        try:
            next(iter(rows(insights.Selection(gender="woman"))))
        except insights.SplitRefused:
            continue
        raise AssertionError(f"{rows.__name__} gave single reports split by gender")
