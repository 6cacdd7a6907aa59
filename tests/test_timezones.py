"""Time as a class (issue 24.8): stored in UTC, calendar days shown and counted in Europe/Stockholm. At 23:30 UTC
on 6 December it is already 7 December in Landskrona: every page, list, filter and period says so. A guard keeps
UTC dates out of the code."""
import re
from datetime import date, datetime, timezone
from pathlib import Path

import time_machine

from tests.campaigns.test_services import district_id
from tests.factories import CENTRUM, login, make_report, make_user
from webapp.campaigns import services as campaigns
from webapp.extensions import db
from webapp.timeutil import local_today

ROOT = Path(__file__).resolve().parent.parent
LATE = datetime(2026, 12, 6, 23, 30, tzinfo=timezone.utc)  # 00:30 on Monday 7 December in Stockholm


def test_no_utc_calendar_days_in_the_code():
    """`utcnow().date()` and `date.today()` give the wrong day for an hour or two every night."""
    found = []
    # The heat map's counts per day, month and year are kept by triggers in UTC (migration 0017/0021), so the
    # planner's date filter and its disclosure releases count UTC days until those tables move (noted in
    # docs/operations.md, "Time"); everything else counts Stockholm's days.
    allowed = {ROOT / "webapp/insights/services.py"}
    for path in set((ROOT / "webapp").rglob("*.py")) - allowed:
        text = path.read_text()
        for pattern in (r"utcnow\(\)\.date\(\)", r"\bdate\.today\(\)", r"_date\.today\(\)", r"datetime\.now\(\)\.date"):
            found += [f"{path.relative_to(ROOT)}: {pattern}" for _ in re.finditer(pattern, text)]
    assert found == []


def test_just_after_midnight_in_stockholm_everything_says_the_new_day(sqlite_app):
    with time_machine.travel(LATE, tick=False):
        assert local_today() == date(2026, 12, 7)
        report, _ = make_report(category="littered")
        db.session.commit()
        client = sqlite_app.test_client()
        page = client.get(f"/r/{report.reference}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
        assert "7 december 2026" in page and "6 december" not in page
        box = f"{CENTRUM[0] - 0.01},{CENTRUM[1] - 0.01},{CENTRUM[0] + 0.01},{CENTRUM[1] + 0.01}"
        feature = client.get(f"/api/v1/reports?bbox={box}").get_json()["features"][0]
        assert feature["properties"]["created"] == "2026-12-07"  # the map list's date

        officer = sqlite_app.test_client()
        login(officer, make_user("case_officer", department="TS"))
        seventh = officer.get("/staff/reports?date_from=2026-12-07&date_to=2026-12-07").get_data(as_text=True)
        sixth = officer.get("/staff/reports?date_from=2026-12-06&date_to=2026-12-06").get_data(as_text=True)
        assert report.reference in seventh and report.reference not in sixth

        crew = sqlite_app.test_client()
        login(crew, make_user("crew", department="TS"))
        tasks = crew.get("/staff/tasks", headers={"Accept-Language": "sv"}).get_data(as_text=True)
        assert "måndag 7 december 2026" in tasks


def test_a_campaign_ending_on_the_6th_has_ended_at_midnight_in_stockholm(app):
    made = campaigns.save_campaign(campaigns.CampaignInput(
        name="Vecka", slug="vecka", kind="instagram_week", starts_on=date(2026, 11, 30), ends_on=date(2026, 12, 6),
        district_ids=[district_id("Centrum/Öster")], category_keys=[], follows_id=None), "kom@landskrona.se")
    with time_machine.travel(datetime(2026, 12, 6, 22, 30, tzinfo=timezone.utc), tick=False):  # 23:30 there
        assert campaigns.is_open(made)
    with time_machine.travel(LATE, tick=False):
        assert not campaigns.is_open(made)
