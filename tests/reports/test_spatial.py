"""The counts of public reports per 0.001° square that the public map shows for busy views: kept right by the
database's own triggers on SQLite and PostgreSQL, whichever way a report is written."""
import pytest
from sqlalchemy import text

from tests.factories import CENTRUM, KARLSLUND, make_report
from webapp.extensions import db
from webapp.geo.services import cell_of
from webapp.reports import lifecycle, moderation, public


def around(point, d=0.005):
    return point[0] - d, point[1] - d, point[0] + d, point[1] + d


def counted(point) -> int:
    return sum(n for _, _, n in public.public_areas_in_bbox(*around(point)))


def test_squares_follow_new_moved_hidden_and_deleted_reports(app):
    first, _ = make_report(at=CENTRUM)
    make_report(at=CENTRUM)
    district = db.session.execute(text("SELECT id FROM district LIMIT 1")).scalar()
    make_report(at=None, district_id=district, location_text="Gångvägen bakom skolan")  # no position: no pin
    assert (counted(CENTRUM), counted(KARLSLUND)) == (2, 0)

    lifecycle.edit_report(first, actor="handläggare", expected_version=first.version, reason="Fel plats", lat=KARLSLUND[1], lon=KARLSLUND[0])
    assert (counted(CENTRUM), counted(KARLSLUND)) == (1, 1)

    moderation.set_hidden(first, True, actor="handläggare", expected_version=first.version, reason="Personuppgifter i texten")
    assert counted(KARLSLUND) == 0  # hidden reports are not counted on the public map
    moderation.set_hidden(first, False, actor="handläggare", expected_version=first.version)
    assert counted(KARLSLUND) == 1

    db.session.delete(first)
    db.session.commit()
    assert (counted(CENTRUM), counted(KARLSLUND)) == (1, 0)
    total = db.session.execute(text("SELECT sum(n) FROM map_square")).scalar()
    assert total == 1


def test_squares_gather_into_areas_with_their_counts(app):
    for n in range(3):
        make_report(at=(12.8312 + n * 0.0002, 55.8706))  # one square: (12831, 55870)
    make_report(at=(12.8337, 55.8706))  # two squares east: (12833, 55870)
    make_report(at=KARLSLUND)
    # 100 × 50 squares cut into areas of 13 × 13 squares: 12831 and 12833 share one, 12831 // 13 = 987
    areas = public.public_areas_in_bbox(12.80, 55.85, 12.90, 55.90, columns=8)
    assert [a[2] for a in areas] == [4, 1]  # the biggest first
    assert areas[0][:2] == pytest.approx(((3 * 12831.5 + 12833.5) / 4000, 55.8705))  # weighted by the counts
    assert areas[1][:2] == pytest.approx(KARLSLUND, abs=0.0006)
    fine = public.public_areas_in_bbox(12.829, 55.867, 12.835, 55.873, columns=8)
    assert [a[2] for a in fine] == [3, 1]  # zoomed in: one square per area
    assert fine[0][:2] == pytest.approx((12.8315, 55.8705))  # the middle of the square the three are in
    assert public.public_areas_in_bbox(12.0, 55.0, 12.01, 55.01) == []


def heat_counts(table: str = "heat_cell") -> dict:
    rows = db.session.execute(text(f"SELECT ce, cn, sum(n) FROM {table} GROUP BY ce, cn")).all()
    return {(e, n): c for e, n, c in rows if c}


def recounted() -> dict:
    """The same counts read from the reports, as the heat map's own query selects them."""
    rows = db.session.execute(text("SELECT cell_e, cell_n, count(*) FROM report WHERE lat IS NOT NULL "
                                   "AND NOT hidden AND status <> 'duplicate' GROUP BY cell_e, cell_n")).all()
    return {(e, n): c for e, n, c in rows}


def kept() -> dict:
    """The counts per cell in all four tables, which must agree with each other and with the reports."""
    tables = [heat_counts(t) for t in ("heat_cell", "heat_cell_category", "heat_cell_month", "heat_cell_year")]
    assert tables[0] == tables[1] == tables[2] == tables[3] == recounted()
    return tables[0]


def test_heat_cells_follow_new_moved_hidden_merged_and_deleted_reports(app):
    from webapp.geo.services import cell_of

    first, _ = make_report(at=CENTRUM, category="dark_unsafe", time_of_day="night")
    second, _ = make_report(at=CENTRUM)
    third, _ = make_report(at=CENTRUM, category="graffiti")
    centrum, karlslund = cell_of(*CENTRUM), cell_of(*KARLSLUND)
    assert (first.cell_e, first.cell_n) == centrum
    assert kept() == {centrum: 3}

    lifecycle.edit_report(first, actor="handläggare", expected_version=first.version, reason="Fel plats", lat=KARLSLUND[1], lon=KARLSLUND[0])
    assert (first.cell_e, first.cell_n) == karlslund
    assert kept() == {centrum: 2, karlslund: 1}

    moderation.set_hidden(second, True, actor="handläggare", expected_version=second.version, reason="Personuppgifter i texten")
    lifecycle.merge_reports(third, first, "handläggare")
    assert kept() == {karlslund: 1}
    moderation.set_hidden(second, False, actor="handläggare", expected_version=second.version)
    assert kept() == {centrum: 1, karlslund: 1}
    db.session.delete(second)
    db.session.commit()
    assert kept() == {karlslund: 1}
    night = db.session.execute(text("SELECT ce, cn, n FROM heat_cell_category "
                                    "WHERE time_of_day = 'night' AND n > 0")).all()
    assert [tuple(row) for row in night] == [(*karlslund, 1)]


def test_heat_cells_are_recounted_and_reports_placed_after_a_migration(app):
    """ensure_heat_cells (run after every migration) fills a missing cell and recounts tables that disagree."""
    from webapp.reports import spatial

    report, _ = make_report(at=CENTRUM)
    with db.engine.begin() as connection:
        spatial.drop_heat_cells(connection)
        connection.exec_driver_sql("UPDATE report SET cell_e = NULL, cell_n = NULL")
        connection.exec_driver_sql("DELETE FROM heat_cell")
        spatial.ensure_heat_cells(connection)
    db.session.expire_all()
    assert (report.cell_e, report.cell_n) == cell_of(*CENTRUM)
    assert kept() == {cell_of(*CENTRUM): 1}
    make_report(at=CENTRUM)  # the triggers are back
    assert heat_counts() == recounted() == {cell_of(*CENTRUM): 2}
