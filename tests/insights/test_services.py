"""Heat-map grids and exports with hand-counted expectations, on SQLite and PostgreSQL."""
import csv
import io
import json
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook
from PIL import Image

from tests.factories import make_report
from webapp.errors import InputRefused
from webapp.geo import services as geo
from webapp.insights import services
from webapp.insights.services import Selection
from webapp.reports.moderation import set_hidden


def at(dx: float, dy: float, origin=(364200.0, 6193800.0)):
    """A WGS84 point dx, dy metres from a SWEREF 99 TM grid corner in Centrum (cells of 100 m start there)."""
    return geo.to_wgs84(origin[0] + dx, origin[1] + dy)


@pytest.fixture
def known(app):
    """Six reports: three in one 100 m cell, two in the next cell east, and one hidden (never counted)."""
    night = dict(category="dark_unsafe", time_of_day="night")
    make_report(at=at(10, 10), **night, created_at=datetime(2018, 2, 10, 21, tzinfo=timezone.utc))
    make_report(at=at(50, 90), **night, created_at=datetime(2018, 2, 11, 22, tzinfo=timezone.utc))
    make_report(at=at(99, 1), category="littered", created_at=datetime(2019, 5, 1, 12, tzinfo=timezone.utc))
    make_report(at=at(150, 50), **night, created_at=datetime(2019, 11, 20, 20, tzinfo=timezone.utc))
    make_report(at=at(120, 20), category="graffiti", created_at=datetime(2019, 11, 21, 9, tzinfo=timezone.utc))
    hidden, _ = make_report(at=at(10, 10), category="graffiti")
    set_hidden(hidden, True, actor="x", expected_version=hidden.version, reason="personuppgifter")


def test_grid_counts_per_cell(known):
    result = services.grid(Selection(), 100)
    assert result.total == 5
    assert [(c["e"], c["n"], c["count"]) for c in result.cells] == [(364200, 6193800, 3), (364300, 6193800, 2)]
    bigger = services.grid(Selection(), 200)
    assert [c["count"] for c in bigger.cells] == [5]


def test_filters(known):
    assert services.grid(Selection(categories=["dark_unsafe"]), 100).total == 3
    assert services.grid(Selection(times_of_day=["night"]), 100).total == 3
    assert services.grid(Selection(kinds=["fault"]), 100).total == 1
    assert services.grid(Selection(date_from=date(2019, 1, 1)), 100).total == 3
    assert services.grid(Selection(date_from=date(2019, 11, 20), date_to=date(2019, 11, 20)), 100).total == 1
    with pytest.raises(InputRefused):
        Selection(date_from=date(2019, 2, 1), date_to=date(2019, 1, 1)).check()
    with pytest.raises(InputRefused):
        services.grid(Selection(), 5)


def test_cells_geojson_has_the_right_squares(known):
    data = services.grid_geojson(services.grid(Selection(), 100))
    feature = data["features"][0]
    ring = feature["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    e, n = geo.to_sweref(*ring[2])
    assert e == pytest.approx(364300, abs=0.5) and n == pytest.approx(6193900, abs=0.5)
    assert feature["properties"]["count"] == 3


def test_point_exports_read_back_without_personal_data(known):
    geojson = json.loads("".join(services.points_geojson(Selection())))
    assert geojson["type"] == "FeatureCollection" and len(geojson["features"]) == 5
    props = geojson["features"][0]["properties"]
    assert props["category"] == "dark_unsafe" and props["time_of_day"] == "night" and props["district"] == "Centrum/Öster"
    assert props["sweref99tm_e"] == pytest.approx(364210, abs=0.5)
    rows = list(csv.DictReader(io.StringIO("".join(services.points_csv(Selection(categories=["graffiti"]))))))
    assert len(rows) == 1 and rows[0]["category"] == "Klotter" and rows[0]["category_code"] == "graffiti"
    text = "".join(services.points_csv(Selection()))
    assert "@" not in text  # no e-mail addresses


def test_xlsx_and_png(known, tmp_path):
    path = tmp_path / "x.xlsx"
    assert services.points_xlsx(Selection(), path) == 5
    sheet = load_workbook(path)["Rapporter"]
    assert sheet.max_row == 6 and sheet["A1"].value == "Ärendenummer"  # a sheet people open names its columns in words
    picture = Image.open(io.BytesIO(services.heat_png(services.grid(Selection(), 100), "Test")))
    assert picture.format == "PNG" and picture.width == 1200


def test_export_is_logged(known):
    services.log_export("points", "csv", Selection(categories=["dark_unsafe"]), rows=3, actor="planner@landskrona.se")
    entry = services.export_log()[0]
    assert (entry.actor, entry.rows, entry.filters) == ("planner@landskrona.se", 3, {"categories": ["dark_unsafe"]})


def test_case_rows_time_each_step(app):
    from webapp.workorders import services as workorders

    report, _ = make_report(category="littered", created_at=datetime(2019, 3, 1, 8, tzinfo=timezone.utc))
    order = workorders.create_work_order([report.id], kind="cleaning", priority_code="normal", title="Städa", actor="officer")
    workorders.change_status(order, "in_progress", "crew")
    workorders.change_status(order, "done", "crew")
    # The steps happened "now"; the report was received in 2019, so days_to_fix is large but exact.
    row = dict(zip(services.CASE_COLUMNS, next(services.case_rows(Selection()))))
    assert row["reference"] == report.reference and row["work_order"] == order.number
    # Times as the kommun's clock read them (issue 24.14): 08:00 UTC was 09:00 in Landskrona.
    assert row["department"] == "TS" and row["received"].isoformat() == "2019-03-01T09:00:00+01:00"
    assert row["planned"] and row["fixed_or_closed"]
    fixed = row["fixed_or_closed"]
    assert row["days_to_fix"] == pytest.approx((fixed - datetime(2019, 3, 1, 8, tzinfo=timezone.utc)).total_seconds() / 86400, abs=0.01)


def test_lighting_basis_splits_existing_lights_from_no_lighting(app):
    from webapp.workorders import services as workorders

    x, y = 364200.0, 6193800.0
    # Place A: two dark reports and a street-light fault within 30 m -> existing light (TS).
    make_report(category="dark_unsafe", at=geo.to_wgs84(x, y), time_of_day="night")
    make_report(category="dark_unsafe", at=geo.to_wgs84(x + 10, y), time_of_day="evening")
    make_report(category="street_light", at=geo.to_wgs84(x + 20, y))
    # Place B: dark reports only, 500 m away -> no lighting (SB).
    b1, _ = make_report(category="dark_unsafe", at=geo.to_wgs84(x + 500, y), time_of_day="night")
    make_report(category="dark_unsafe", at=geo.to_wgs84(x + 505, y), time_of_day="night")
    # Place C: one dark report with a finished light repair -> existing light.
    c, _ = make_report(category="dark_unsafe", at=geo.to_wgs84(x, y + 800), time_of_day="night")
    order = workorders.create_work_order([c.id], kind="light_repair", priority_code="high", title="Byt lampa", actor="officer")
    workorders.change_status(order, "in_progress", "crew")
    workorders.change_status(order, "done", "crew")
    make_report(category="littered", at=geo.to_wgs84(x, y))  # not about light: left out

    basis = services.lighting_basis(Selection())
    assert sorted(p["count"] for p in basis["existing"]) == [1, 3]
    assert [p["count"] for p in basis["new"]] == [2]
    assert basis["new"][0]["times"] == {"day": 0, "evening": 0, "night": 2}
    repaired = next(p for p in basis["existing"] if p["count"] == 1)
    assert (repaired["repairs"], repaired["repairs_done"]) == (1, 1)


@pytest.fixture
def spread(app):
    """Forty reports over a 400 m square, four categories, two years, one hidden and one merged away."""
    import random

    from webapp.reports.lifecycle import merge_reports

    rng = random.Random(16)
    made = []
    for k in range(40):
        category = rng.choice(["dark_unsafe", "littered", "graffiti", "street_light"])
        safety = category in ("dark_unsafe", "littered")
        start = datetime(2018, 1, 1, tzinfo=timezone.utc)
        created = start + (datetime(2020, 1, 1, tzinfo=timezone.utc) - start) * rng.random()
        report, _ = make_report(at=at(rng.uniform(-200, 200), rng.uniform(-200, 200)), category=category,
                                time_of_day=rng.choice(["day", "evening", "night"]) if safety else None,
                                created_at=created)
        made.append(report)
    set_hidden(made[0], True, actor="x", expected_version=made[0].version, reason="personuppgifter")
    merge_reports(made[1], made[2], "x")
    return made


def counted_by_hand(selection: Selection, size_m: int) -> dict:
    """The grid as the reports themselves give it: every selected position projected and floored."""
    import numpy as np

    lons, lats = services.positions(selection)
    east, north = geo.to_sweref(lons, lats)
    cells = zip((np.floor(np.asarray(east) / size_m) * size_m).astype(int).tolist(),
                (np.floor(np.asarray(north) / size_m) * size_m).astype(int).tolist())
    counts = {}
    for cell in cells:
        counts[cell] = counts.get(cell, 0) + 1
    return counts


SELECTIONS = [
    Selection(), Selection(categories=["graffiti"]), Selection(kinds=["safety"]), Selection(times_of_day=["night"]),
    Selection(kinds=["safety"], times_of_day=["day", "evening"], categories=["dark_unsafe", "graffiti"]),
    Selection(date_from=date(2018, 3, 1), date_to=date(2019, 6, 30)),        # whole months
    Selection(date_from=date(2018, 3, 17), date_to=date(2019, 6, 9)),        # whole months and days at both ends
    Selection(date_from=date(2019, 2, 2), categories=["dark_unsafe"], times_of_day=["night"]),
    Selection(date_to=date(2018, 12, 30)),
    Selection(date_from=date(2019, 1, 1), date_to=date(2019, 12, 31)),       # a whole year
    Selection(date_from=date(2017, 11, 5), date_to=date(2019, 2, 12)),       # days, months, a year, months, days
    Selection(date_from=date(2018, 7, 1)),                                   # months, then years with no end
    Selection(date_to=date(2018, 12, 31)),                                   # every year up to one
    Selection(date_from=date(2018, 2, 1), date_to=date(2018, 11, 30)),       # months of one year, no whole year
    Selection(date_from=date(2019, 1, 1), date_to=date(2019, 12, 31), times_of_day=["night"]),  # a year, by month
    Selection(date_from=date(2018, 5, 3), date_to=date(2018, 6, 20)),        # no whole month inside
]


def test_grid_from_the_cell_counts_agrees_with_the_reports(spread):
    """The counts kept per 100 m cell (and month) give the same grid as counting the reports one by one, for
    sizes they hold (100, 200 m) and one they do not (150 m)."""
    for selection in SELECTIONS:
        for size_m in (100, 200, 150):
            result = services.grid(selection, size_m)
            expected = counted_by_hand(selection, size_m)
            assert {(c["e"], c["n"]): c["count"] for c in result.cells} == expected, (selection, size_m)
            assert result.total == sum(expected.values()) > 0, (selection, size_m)
            assert [c["count"] for c in result.cells] == sorted((c["count"] for c in result.cells), reverse=True)
    # …and the common views were answered from the counts, not from the reports.
    assert all(services._counted_cells(s, 100) is not None for s in SELECTIONS[:-1])
    assert services._counted_cells(Selection(), 150) is None


def test_grid_by_area_reads_the_reports(spread):
    """A filter the cell counts do not hold (an area) still gives the right cells."""
    selection = Selection(district=spread[5].district_id, date_from=date(2018, 6, 1))
    expected = counted_by_hand(selection, 100)
    assert selection.district and expected
    assert {(c["e"], c["n"]): c["count"] for c in services.grid(selection, 100).cells} == expected
    assert services._counted_cells(selection, 100) is None
