"""The counts of public reports per 0.001° square that the public map shows for busy views: kept right by the
database's own triggers on SQLite and PostgreSQL, whichever way a report is written."""
from sqlalchemy import text

from tests.factories import CENTRUM, KARLSLUND, make_report
from webapp.extensions import db
from webapp.reports import services
from webapp.staff import services as staff


def around(point, d=0.005):
    return point[0] - d, point[1] - d, point[0] + d, point[1] + d


def counted(point) -> int:
    return sum(n for _, _, n in services.public_squares_in_bbox(*around(point)))


def test_squares_follow_new_moved_hidden_and_deleted_reports(app):
    first, _ = make_report(at=CENTRUM)
    make_report(at=CENTRUM)
    district = db.session.execute(text("SELECT id FROM district LIMIT 1")).scalar()
    make_report(at=None, district_id=district, location_text="Gångvägen bakom skolan")  # no position: no pin
    assert (counted(CENTRUM), counted(KARLSLUND)) == (2, 0)

    staff.edit_report(first, "handläggare", first.version, "Fel plats", lat=KARLSLUND[1], lon=KARLSLUND[0])
    assert (counted(CENTRUM), counted(KARLSLUND)) == (1, 1)

    staff.set_hidden(first, True, "handläggare", first.version, "Personuppgifter i texten")
    assert counted(KARLSLUND) == 0  # hidden reports are not counted on the public map
    staff.set_hidden(first, False, "handläggare", first.version)
    assert counted(KARLSLUND) == 1

    db.session.delete(first)
    db.session.commit()
    assert (counted(CENTRUM), counted(KARLSLUND)) == (1, 0)
    total = db.session.execute(text("SELECT sum(n) FROM map_square")).scalar()
    assert total == 1


def test_squares_gather_into_areas_with_their_counts():
    squares = [(12830, 55870, 3), (12831, 55870, 2), (12900, 55900, 7)]
    areas = services.cluster_squares(squares, columns=8)
    assert sum(a[2] for a in areas) == 12
    assert areas[0] == (12.9005, 55.9005, 7)  # the biggest first, at the middle of its square
    near = [a for a in areas if a[2] == 5]
    assert len(near) == 1 and 12.830 < near[0][0] < 12.832  # neighbours in one area, weighted by their counts
    assert services.cluster_squares([]) == []
