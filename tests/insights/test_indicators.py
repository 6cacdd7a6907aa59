"""The follow-up indicators on a small, hand-counted dataset (SQLite and PostgreSQL)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.factories import CENTRUM, KARLSLUND, make_report
from webapp.campaigns.services import add_activity
from webapp.extensions import db
from webapp.insights import indicators
from webapp.insights.indicators import parse_period
from webapp.reports import services as reports
from webapp.reports.models import StatusChange
from webapp.reports.services import ReportError


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def fix(report, when, score=None):
    """Mark a report fixed at a given time (as the work order flow would), with an optional satisfaction."""
    reports.change_status(report, "fixed", "crew", when=when)
    if score:
        reports.record_satisfaction(report, score)
        from webapp.reports.models import Satisfaction
        answer = db.session.execute(db.select(Satisfaction).where(Satisfaction.report_id == report.id)).scalar_one()
        answer.created_at = when
        db.session.commit()


def test_periods():
    assert parse_period("2018") == indicators.Period(date(2018, 1, 1), date(2018, 12, 31), "2018")
    assert parse_period("2018-q1").end == date(2018, 3, 31)
    assert parse_period("2018-H2").start == date(2018, 7, 1) and parse_period("2018-H2").end == date(2018, 12, 31)
    assert parse_period("2018-Q4").end == date(2018, 12, 31)
    assert parse_period(None, date(2018, 2, 1), date(2018, 3, 1)).year_before().start == date(2017, 2, 1)
    with pytest.raises(ReportError):
        parse_period("last year")
    with pytest.raises(ReportError):
        parse_period(None, date(2018, 3, 1), date(2018, 2, 1))


def test_dashboard_hand_counted(app):
    # 2019: four reports in Centrum/Öster and one in Karlslund.
    a, _ = make_report(category="littered", at=CENTRUM, created_at=utc(2019, 3, 1, 8))
    b, _ = make_report(category="graffiti", at=CENTRUM, created_at=utc(2019, 3, 1, 8), source="instagram")
    c, _ = make_report(category="street_light", at=CENTRUM, created_at=utc(2019, 3, 1, 8))
    make_report(category="dark_unsafe", at=CENTRUM, created_at=utc(2019, 6, 1, 20), time_of_day="night")
    d, _ = make_report(category="littered", at=KARLSLUND, created_at=utc(2019, 7, 1, 8), source="field")
    # 2018: one report.
    make_report(category="littered", at=CENTRUM, created_at=utc(2018, 5, 5, 8))
    # Fixed after 2, 4 and 10 days; the last one outside its work order's due date.
    from webapp.workorders import services as workorders
    order = workorders.create_work_order([a.id, b.id, c.id], "cleaning", "normal", "X", "officer", today=date(2019, 3, 1))
    # Normal priority in the zone: due 5 days after 2019-03-01 -> 2019-03-06.
    fix(a, utc(2019, 3, 3, 8), score=4)
    fix(b, utc(2019, 3, 5, 8), score=2)
    fix(c, utc(2019, 3, 11, 8))
    add_activity(date(2019, 4, 14), "cleanup", "Skräpplockardag", 40, "x")
    add_activity(date(2019, 9, 1), "meeting", "Möte", 10, "x")
    add_activity(date(2018, 9, 1), "meeting", "Möte 2018", 12, "x")

    data = indicators.dashboard(parse_period("2019"))
    now, then = data["now"], data["then"]
    # littered is one of the safety-walk questions: graffiti and street_light are the fault reports.
    assert (now["total"], now["fault_reports"], now["comments"]) == (5, 2, 3)
    assert (now["focus"], now["rest"]) == (4, 1)
    assert now["by_source"] == {"web": 3, "instagram": 1, "field": 1}
    assert now["by_category"] == {"littered": 2, "graffiti": 1, "street_light": 1, "dark_unsafe": 1}
    assert (then["total"], then["focus"]) == (1, 1)
    # Days to fix: 2, 4 and 10 -> median 4; 90th percentile 4 + 0.8 * (10 - 4) = 8.8.
    assert now["fixed"] == 3
    assert (now["median_days"], now["p90_days"]) == (4.0, 8.8)
    assert now["share_in_time"] == pytest.approx(66.7, abs=0.1)  # a and b by 6 March, c on 11 March
    assert (now["answers"], now["mean"]) == (2, 3.0)
    assert (now["activities"], now["participants"]) == (2, 50)
    assert (then["activities"], then["participants"]) == (1, 12)


def test_survey_values_entered_and_imported(app):
    indicators.save_survey_value("trygghetsmatning", "safe_evening", "Centrum/Öster", 2018, 61.0, "x")
    indicators.save_survey_value("trygghetsmatning", "safe_evening", "Centrum/Öster", 2018, 62.5, "x")  # corrected
    with pytest.raises(ReportError):
        indicators.save_survey_value("trygghetsmatning", "safe_evening", "Centrum/Öster", 2018, 160, "x")
    with pytest.raises(ReportError):
        indicators.save_survey_value("nope", "x", "Landskrona", 2018, 10, "x")
    saved, errors = indicators.import_survey_csv(
        "source,indicator,area,year,value\n"
        "trygghetsmatning,safe_evening,Centrum/Öster,2019,\"66,0\"\n"
        "kritik_pa_teknik,satisfaction,Landskrona,2019,58\n"
        "trygghetsmatning,safe_evening,Centrum/Öster,tjugo,1\n".encode(), "x")
    assert saved == 2 and [line for line, _ in errors] == [4]
    series = {(s["indicator"], s["area"]): s["points"] for s in indicators.survey_series()}
    assert series[("safe_evening", "Centrum/Öster")] == [(2018, 62.5), (2019, 66.0)]
