"""The follow-up indicators on a small, hand-counted dataset (SQLite and PostgreSQL)."""
from datetime import date, datetime, timezone

import pytest

from tests.factories import CENTRUM, KARLSLUND, make_report
from webapp.campaigns.services import add_activity
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.insights import indicators
from webapp.insights.indicators import parse_period
from webapp.reports import lifecycle, public


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def fix(report, when, score=None):
    """Mark a report fixed at a given time (as the work order flow would), with an optional satisfaction."""
    lifecycle.change_status(report, "fixed", "crew", when=when)
    if score:
        public.record_satisfaction(report, score)
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
    with pytest.raises(InputRefused):
        parse_period("last year")
    with pytest.raises(InputRefused):
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
    workorders.create_work_order([a.id, b.id, c.id], kind="cleaning", priority_code="normal", title="X", actor="officer", today=date(2019, 3, 1))
    # Normal priority in the zone: due 5 days after 2019-03-01 -> 2019-03-06.
    fix(a, utc(2019, 3, 3, 8), score=4)
    fix(b, utc(2019, 3, 5, 8), score=2)
    fix(c, utc(2019, 3, 11, 8))
    add_activity(held_on=date(2019, 4, 14), kind="cleanup", title="Skräpplockardag", participants=40, actor="x")
    add_activity(held_on=date(2019, 9, 1), kind="meeting", title="Möte", participants=10, actor="x")
    add_activity(held_on=date(2018, 9, 1), kind="meeting", title="Möte 2018", participants=12, actor="x")

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
    indicators.save_survey_value(source="trygghetsmatning", indicator="safe_evening", area="Centrum/Öster", year=2018, value=61.0, actor="x")
    indicators.save_survey_value(source="trygghetsmatning", indicator="safe_evening", area="Centrum/Öster", year=2018, value=62.5, actor="x")  # corrected
    with pytest.raises(InputRefused):
        indicators.save_survey_value(source="trygghetsmatning", indicator="safe_evening", area="Centrum/Öster", year=2018, value=160, actor="x")
    with pytest.raises(InputRefused):
        indicators.save_survey_value(source="nope", indicator="x", area="Landskrona", year=2018, value=10, actor="x")
    saved, errors = indicators.import_survey_csv(
        "source,indicator,area,year,value\n"
        "trygghetsmatning,safe_evening,Centrum/Öster,2019,\"66,0\"\n"
        "kritik_pa_teknik,satisfaction,Landskrona,2019,58\n"
        "trygghetsmatning,safe_evening,Centrum/Öster,tjugo,1\n".encode(), "x")
    assert saved == 2 and [line for line, _ in errors] == [4]
    series = {(s["indicator"], s["area"]): s["points"] for s in indicators.survey_series()}
    assert series[("safe_evening", "Centrum/Öster")] == [(2018, 62.5), (2019, 66.0)]


def test_share_in_time_for_reports_fixed_without_a_work_order(app):
    """Fixed on the spot, without a work order: measured against the category's priority, the zone's days in the
    zone (issue 18: the page showed "–" for a year of such fixes)."""
    from webapp.insights import charts, presenters
    from webapp.reports.models import Category
    from webapp.workorders import services as workorders

    a, _ = make_report(category="littered", at=CENTRUM, created_at=utc(2019, 3, 1, 8))     # zone: 5 days
    b, _ = make_report(category="littered", at=KARLSLUND, created_at=utc(2019, 3, 1, 8))   # normal: 10 days
    c, _ = make_report(category="street_light", at=KARLSLUND, created_at=utc(2019, 3, 1, 8))  # high: 3 days
    d, _ = make_report(category="graffiti", at=KARLSLUND, created_at=utc(2019, 3, 1, 8))
    workorders.create_work_order([d.id], kind="graffiti", priority_code="normal", title="Sanera", actor="officer", today=date(2019, 3, 1))
    fix(a, utc(2019, 3, 7, 8))   # 6 days: late in the zone (it would have been in time outside it)
    fix(b, utc(2019, 3, 9, 8))   # 8 days: in time
    fix(c, utc(2019, 3, 5, 8))   # 4 days: late
    fix(d, utc(2019, 3, 3, 8))   # by its work order's due date: in time
    now = indicators.dashboard(parse_period("2019"))["now"]
    assert (now["fixed"], now["with_due"], now["by_category_time"], now["not_measured"]) == (4, 1, 3, 0)
    assert now["share_in_time"] == 50.0

    # A category whose priority has no response time cannot be measured: the page says so instead of "–".
    littered = db.session.execute(db.select(Category).where(Category.key == "littered")).scalar_one()
    littered.default_priority = "none-such"
    db.session.commit()
    data = indicators.dashboard(parse_period("2019"))
    assert (data["now"]["not_measured"], data["now"]["share_in_time"]) == (2, 50.0)
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        page = presenters.dashboard_page(data, {}, charts)
    assert page["response_time_notes"] == ["2019: 2 åtgärdade rapporter ingår inte i andelen: de hade ingen "
                                           "arbetsorder och deras kategori har ingen prioritet med svarstid."]


def test_no_measurable_fix_is_explained(app):
    from webapp.insights import charts, presenters
    from webapp.reports.models import Category

    a, _ = make_report(category="littered", at=CENTRUM, created_at=utc(2019, 3, 1, 8))
    fix(a, utc(2019, 3, 2, 8))
    littered = db.session.execute(db.select(Category).where(Category.key == "littered")).scalar_one()
    littered.default_priority = "none-such"
    db.session.commit()
    data = indicators.dashboard(parse_period("2019"))
    assert data["now"]["share_in_time"] is None
    with app.test_request_context(headers={"Accept-Language": "en"}):
        page = presenters.dashboard_page(data, {}, charts)
    assert "cannot be computed" in page["response_time_notes"][0] and "1 fixed reports" in page["response_time_notes"][0]


def test_survey_beside_the_reports_per_area(app):
    make_report(category="littered", at=CENTRUM, created_at=utc(2019, 3, 1, 8))
    make_report(category="littered", at=CENTRUM, created_at=utc(2019, 4, 1, 8))
    make_report(category="littered", at=CENTRUM, created_at=utc(2018, 4, 1, 8))
    indicators.save_survey_value(source="trygghetsmatning", indicator="safe_evening", area="Centrum/Öster", year=2019, value=57, actor="polis@landskrona.se")
    indicators.save_survey_value(source="trygghetsmatning", indicator="safe_evening", area="Centrum/Öster", year=2018, value=52, actor="polis@landskrona.se")
    indicators.save_survey_value(source="trygghetsmatning", indicator="avoided_activity", area="Byarna", year=2019, value=10, actor="polis@landskrona.se")
    rows = {r["area"]: r for r in indicators.dashboard(parse_period("2019"))["by_area"]}
    centrum = rows["Centrum/Öster"]
    assert (centrum["reports_now"], centrum["reports_then"]) == (2, 1)
    assert centrum["survey"]["safe_evening"] == {"now": 57, "then": 52}
    assert centrum["survey"]["litter_vandalism_problem"] == {"now": None, "then": None}
    assert rows["Byarna"]["reports_now"] == 0 and rows["Byarna"]["survey"]["avoided_activity"]["now"] == 10
    assert not centrum["demo"]
    assert "Karlslund/Norrestad" not in rows  # neither reports nor survey values


def test_demo_survey_covers_the_five_areas_and_says_it_is_invented(app):
    from devdata import demo
    from webapp.insights import charts, presenters

    demo._demo_survey()
    demo._demo_survey()  # once only
    series = indicators.survey_series()
    police = [s for s in series if s["source"] == "trygghetsmatning"]
    assert len(police) == 15 and all(s["demo"] for s in series)
    assert {s["area"] for s in police} == {"Centrum/Öster", "Övriga Centrum", "Karlslund/Norrestad",
                                           "Borstahusen/Västra Fäladen", "Byarna"}
    assert all([y for y, _v in s["points"]] == [2018, 2019] for s in series)
    data = indicators.dashboard(parse_period("2019"))
    assert len(data["by_area"]) == 5
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        page = presenters.dashboard_page(data, {}, charts)
    assert page["by_area_demo"] and page["survey_chart"]
