"""The hot-spot counts on a hand-counted set of reports (SQLite and PostgreSQL): weekday × time of day in
Europe/Stockholm, the period before, the places and their trend."""
from datetime import date, datetime, timezone

import pytest

from tests.factories import CENTRUM, KARLSLUND, make_report
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.hotspots import services
from webapp.hotspots.services import HotspotQuery

PERIOD = HotspotQuery(date(2026, 3, 2), date(2026, 3, 15))   # Monday to Sunday, two weeks
MON, TUE, WED, THU, SUN = 0, 1, 2, 3, 6


def report_at(when: datetime, category="dark_unsafe", at=CENTRUM, time_of_day=None, hidden=False, **fields):
    report, _ = make_report(category=category, at=at, time_of_day=time_of_day or "evening", **fields)
    report.time_of_day = time_of_day  # None: the time it was sent decides
    report.hidden = hidden
    report.created_at = when
    db.session.commit()
    return report


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def reports(app):
    report_at(utc(2026, 3, 2, 10), time_of_day="evening")                  # Monday, the resident said evening
    report_at(utc(2026, 3, 3, 21, 30))                                      # Tuesday 22:30 in Landskrona: night
    report_at(utc(2026, 3, 7, 23, 30))                                      # Sunday 00:30 in Landskrona: night
    report_at(utc(2026, 3, 4, 12), category="littered", time_of_day="day", at=KARLSLUND)   # Wednesday day
    report_at(utc(2026, 3, 5, 20), time_of_day="night", safety_rating=1)      # Thursday night, very unsafe
    report_at(utc(2026, 3, 5, 20), category="graffiti", time_of_day="night")  # a fault report: not counted
    report_at(utc(2026, 3, 5, 20), category="feels_safe", time_of_day="evening")               # positive
    report_at(utc(2026, 3, 6, 18), time_of_day="evening", hidden=True)                          # hidden by staff
    report_at(utc(2026, 3, 15, 23, 30), time_of_day="evening")             # Monday 16th in Landskrona: after
    report_at(utc(2026, 2, 20, 18), time_of_day="evening")                 # the period before, Friday
    report_at(utc(2026, 2, 21, 18), time_of_day="evening")
    report_at(utc(2026, 3, 1, 22, 59), time_of_day="evening")              # 1 March 23:59 local: still before


def test_weekday_by_time_of_day_matches_a_hand_count(reports):
    result = services.hotspots(PERIOD)
    counted = {(d, t): n for d, row in result.table.items() for t, n in row.items() if n}
    assert counted == {(MON, "evening"): 1, (TUE, "night"): 1, (SUN, "night"): 1, (WED, "day"): 1,
                       (THU, "night"): 1}
    assert result.total == 5 and result.total_before == 3


def test_the_period_before_has_the_same_length_and_gives_the_trend(reports):
    assert PERIOD.before() == HotspotQuery(date(2026, 2, 16), date(2026, 3, 1))
    evening = services.hotspots(HotspotQuery(PERIOD.date_from, PERIOD.date_to, time_of_day="evening"))
    assert evening.total == 1 and evening.total_before == 3
    top = evening.places[0]
    assert (top.count, top.before, top.trend) == (1, 3, "down")
    assert top.by_time == {"day": 0, "evening": 1, "night": 3}   # every time of day of the place, this period
    night = services.hotspots(HotspotQuery(PERIOD.date_from, PERIOD.date_to, time_of_day="night"))
    assert [(p.count, p.before, p.trend) for p in night.places] == [(3, 0, "new")]
    assert night.places[0].mean_rating == 1.0


def test_per_area(reports):
    result = services.hotspots(PERIOD)
    assert sum(sum(v.values()) for v in result.by_district.values()) == 5
    assert len(result.by_district) == 2   # Centrum and Karlslund in the demo areas
    narrowed = services.hotspots(HotspotQuery(PERIOD.date_from, PERIOD.date_to, category="littered"))
    assert narrowed.total == 1 and narrowed.places[0].count == 1


def test_time_of_day_from_the_clock_in_stockholm():
    assert services.time_of_day_at(utc(2026, 7, 1, 4)) == "day"        # 06:00 summer time
    assert services.time_of_day_at(utc(2026, 7, 1, 3, 59)) == "night"
    assert services.time_of_day_at(utc(2026, 1, 1, 17)) == "evening"   # 18:00 winter time
    assert services.time_of_day_at(utc(2026, 1, 1, 21)) == "night"


def test_bad_choices_are_refused(app):
    with pytest.raises(InputRefused):
        HotspotQuery(date(2026, 3, 2), date(2026, 3, 1)).check()
    with pytest.raises(InputRefused):
        HotspotQuery(date(2020, 1, 1), date(2026, 1, 1)).check()
    with pytest.raises(InputRefused):
        HotspotQuery(date(2026, 3, 1), date(2026, 3, 2), time_of_day="noon").check()
    with pytest.raises(InputRefused):
        HotspotQuery(date(2026, 3, 1), date(2026, 3, 2), category="graffiti").check()
