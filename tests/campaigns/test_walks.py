"""The safety walk as municipalities run it: groups with their own links, the structured audit and its area
scores, the walk with its protocol, and heat maps split by gender and age with small cells suppressed."""
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import CENTRUM, backdate_reports, commit, image_bytes, login, make_user
from webapp.campaigns import services, walks
from webapp.campaigns.models import SafetyAudit, Walk
from webapp.campaigns.services import CampaignInput
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.models import District
from webapp.media import photo_settings
from webapp.reports.intake import NewReport
from webapp.reports.models import Report

TODAY = date.today()


def walk_campaign(slug="vandring", start=None, end=None, audit=True, demographics=True):
    centrum = db.session.execute(select(District.id).where(District.name == "Centrum/Öster")).scalar_one()
    return services.save_campaign(CampaignInput(
        name=slug.title(), slug=slug, kind="safety_walk", starts_on=start or TODAY - timedelta(days=1),
        ends_on=end or TODAY + timedelta(days=7), district_ids=[centrum], asks_demographics=demographics,
        uses_audit=audit), "kom@landskrona.se")


def at(east_offset_m=0.0, north_offset_m=0.0):
    """A place in Centrum/Öster, offset in metres on the SWEREF 99 TM grid."""
    e, n = geo.to_sweref(*CENTRUM)
    return geo.to_wgs84(e + east_offset_m, n + north_offset_m)


def report_in(campaign, place=None, key="dark_unsafe", **answers):
    lon, lat = place or CENTRUM
    return services.submit(campaign, NewReport(category_key=key, lat=lat, lon=lon, description="Mörkt här"),
                           photo_settings(), **answers)[0]


def test_group_links_tag_reports_and_count_participants(app):
    made = walk_campaign()
    with pytest.raises(InputRefused):
        walks.add_group(made, "Klass 8A", kind="school_class", size=0, actor="kom")
    with pytest.raises(InputRefused):
        walks.add_group(made, "Klass 8A", kind="gang", size=20, actor="kom")
    class_a = walks.add_group(made, "Klass 8A", kind="school_class", size=26, actor="kom")
    class_b = walks.add_group(made, "Klass 9B", kind="school_class", size=24, actor="kom")
    assert class_a.code != class_b.code
    for _ in range(3):
        report_in(made, group=class_a)
    report_in(made)
    report_in(made)
    counted = walks.participation(made)
    # Class 9B registered but did not report: its members are not counted as participants.
    assert counted["in_groups"] == 26 and counted["individual_reports"] == 2 and counted["participants"] == 28
    assert {g["name"]: g["reports"] for g in counted["groups"]} == {"Klass 8A": 3, "Klass 9B": 0}
    # The follow-up dashboard counts the same participants.
    from webapp.insights import indicators
    period = indicators.parse_period(None, TODAY - timedelta(days=2), TODAY + timedelta(days=2))
    assert indicators._engagement(period)["campaign_participants"] == 28
    other = walk_campaign("annan")
    with pytest.raises(InputRefused):
        report_in(other, group=class_a)


def test_audit_is_stored_checked_and_summarised_per_cell(app):
    made = walk_campaign()
    report_in(made, at(10, 10), audit_answers={"lighting": "1", "openness": "2", "feeling": "1"})
    report_in(made, at(20, 20), audit_answers={"lighting": 3, "openness": 4, "people": ""})
    report_in(made, at(520, 20), audit_answers={"lighting": 5, "feeling": 5})
    report_in(made, at(530, 30))  # no audit answered: nothing stored
    assert db.session.execute(select(func.count(SafetyAudit.id))).scalar_one() == 3
    before = db.session.execute(select(func.count(Report.id))).scalar_one()
    for bad in ({"lighting": "9"}, {"lighting": "x"}, {"secret": 3}):
        with pytest.raises(InputRefused):
            report_in(made, audit_answers=bad)
    assert db.session.execute(select(func.count(Report.id))).scalar_one() == before

    cells = sorted(walks.score_grid(made).cells, key=lambda c: c["e"])
    assert [c["audits"] for c in cells] == [2, 1]
    west = cells[0]
    # lighting (1+3)/2 = 2, openness (2+4)/2 = 3, feeling 1: overall the mean of the answered means = 2.0
    assert west["means"]["lighting"] == 2.0 and west["means"]["openness"] == 3.0 and west["means"]["people"] is None
    assert west["score"] == 2.0 and cells[1]["score"] == 5.0
    layer = walks.score_geojson(walks.score_grid(made))
    assert len(layer["features"]) == 2 and {f["properties"]["score"] for f in layer["features"]} == {2.0, 5.0}

    follow_up = walk_campaign("uppfoljning")
    report_in(follow_up, at(15, 15), audit_answers={"lighting": 4, "openness": 4, "feeling": 4})
    compared = walks.compare_scores(made, follow_up)
    assert compared["cells"] == [{"e": west["e"], "n": west["n"], "before": 2.0, "after": 4.0, "change": 2.0}]
    lighting = next(p for p in compared["parameters"] if p["key"] == "lighting")
    assert lighting["before"] == 3.0 and lighting["after"] == 4.0 and lighting["change"] == 1.0


def test_audit_answers_are_ignored_where_the_campaign_does_not_ask(app):
    plain = walk_campaign(audit=False)
    report_in(plain, audit_answers={"lighting": 1})
    assert db.session.execute(select(func.count(SafetyAudit.id))).scalar_one() == 0


def test_walk_is_planned_recorded_and_published_with_decisions(app):
    made = walk_campaign()
    east = report_in(made, at(400, 0))
    west = report_in(made, at(-300, 0))
    middle = report_in(made, at(50, 0))
    elsewhere = report_in(walk_campaign("annan"))
    with pytest.raises(InputRefused):
        walks.plan_walk(made, "Vandring", planned_on=None, report_ids=[east.id, elsewhere.id], actor="kom")
    with pytest.raises(InputRefused):
        walks.plan_walk(made, "Vandring", planned_on=None, report_ids=[], actor="kom")
    outside = json.dumps({"type": "LineString", "coordinates": [[12.0, 55.0], [12.1, 55.1]]})
    with pytest.raises(InputRefused):
        walks.plan_walk(made, "Vandring", planned_on=None, report_ids=[east.id, west.id], actor="kom", drawn_route=outside)

    walk = walks.plan_walk(made, "Vandring i Öster", planned_on=TODAY, report_ids=[east.id, west.id, middle.id], actor="kom")
    # Without a drawn route: from the westernmost stop, always on to the nearest.
    assert [p.report_id for p in walk.points] == [west.id, middle.id, east.id]
    assert json.loads(walk.route)["type"] == "LineString" and len(json.loads(walk.route)["coordinates"]) == 3
    drawn = json.dumps({"type": "LineString", "coordinates": [list(at(500, 0)), list(at(-400, 0))]})
    walk = walks.plan_walk(made, "Vandring i Öster", planned_on=TODAY, report_ids=[east.id, west.id, middle.id], actor="kom", drawn_route=drawn,
                           walk=walk)
    assert [p.report_id for p in walk.points] == [east.id, middle.id, west.id] and walk.route_drawn

    with pytest.raises(InputRefused):
        walks.publish(walk, "kom")  # not recorded yet
    records = [walks.PointRecord(east.id, "Mörkt", "work_order"), walks.PointRecord(middle.id, "", "no_action"),
               walks.PointRecord(west.id)]
    with pytest.raises(InputRefused):  # no action needs a reason
        walks.record_walk(walk, walked_on=TODAY, participants=12, participant_note="Boende, TS, SB", summary="", points=records, actor="kom")
    with pytest.raises(InputRefused):  # not in the future
        walks.record_walk(walk, walked_on=TODAY + timedelta(days=2), participants=12, participant_note="", summary="", points=[], actor="kom")
    records[1].decision_note = "Buskarna är redan klippta."
    walks.record_walk(walk, walked_on=TODAY, participants=12, participant_note="Boende, TS, SB", summary="Mest om belysning.", points=records, actor="kom")
    with pytest.raises(InputRefused):  # the last stop has no decision
        walks.publish(walk, "kom")
    records[2].decision = "referred"
    walks.record_walk(walk, walked_on=TODAY, participants=12, participant_note="Boende, TS, SB", summary="Mest om belysning.", points=records, actor="kom")
    walks.publish(walk, "kom")
    assert walk.published_at is not None
    with pytest.raises(InputRefused):  # a published route is not changed under the residents' eyes
        walks.plan_walk(made, "Annan", planned_on=TODAY, report_ids=[east.id], actor="kom", walk=walk)


def published_walk(app):
    made = walk_campaign()
    photo_report = services.submit(made, NewReport(category_key="dark_unsafe", lat=CENTRUM[1], lon=CENTRUM[0],
                                                   description="Släckt lampa vid skolan",
                                                   email="hemlig@example.org", photos=[image_bytes()]),
                                   photo_settings())[0]
    photo_report.photos[0].moderation = "approved"
    second = report_in(made, at(200, 0))
    walk = walks.plan_walk(made, "Vandring i Öster", planned_on=TODAY, report_ids=[photo_report.id, second.id], actor="kom")
    walks.record_walk(walk, walked_on=TODAY, participants=9, participant_note="Elever, TS och polisen", summary="Vi gick kvällstid.",
                      points=[walks.PointRecord(photo_report.id, "Helt mörkt", "work_order", "Ny lampa"),
                       walks.PointRecord(second.id, "", "no_action", "Upplevs tryggt efter röjning")], actor="kom")
    commit()  # as the request that made them would: a later refused request rolls back only itself
    return made, walk, photo_report, second


def test_protocol_is_public_only_when_published_and_shows_live_status(sqlite_app):
    made, walk, photo_report, second = published_walk(sqlite_app)
    resident = sqlite_app.test_client()
    url = f"/k/{made.slug}/protokoll/{walk.id}"
    assert resident.get(url).status_code == 404
    walks.publish(walk, "kom")
    page = resident.get(url, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Vandring i Öster" in page and "Helt mörkt" in page and "Ny lampa" in page
    assert "Upplevs tryggt efter röjning" in page and "Ingen åtgärd" in page
    assert f"/photos/{photo_report.photos[0].stem}/display.jpg" in page
    assert "hemlig@example.org" not in page
    assert page.count("Mottagen") >= 2
    # The protocol follows the report: fixed later, it says so without anyone editing the protocol.
    from webapp.reports.lifecycle import set_status
    set_status(photo_report, "fixed", actor="handlaggare@landskrona.se", expected_version=photo_report.version)
    page = resident.get(url, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Åtgärdad" in page
    # The campaign's page links to the protocol.
    assert url in resident.get(f"/k/{made.slug}").get_data(as_text=True)
    assert resident.get(f"/k/annan-kampanj/protokoll/{walk.id}").status_code == 404


def test_hidden_report_keeps_its_decision_but_loses_its_text_in_the_protocol(sqlite_app):
    made, walk, photo_report, _second = published_walk(sqlite_app)
    walks.publish(walk, "kom")
    photo_report.hidden, photo_report.hidden_reason = True, "Personuppgifter"
    db.session.commit()
    page = sqlite_app.test_client().get(f"/k/{made.slug}/protokoll/{walk.id}",
                                        headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Släckt lampa vid skolan" not in page and "no longer shown publicly" in page and "Ny lampa" in page


def test_staff_plan_record_and_publish_a_walk_over_http(sqlite_app):
    made = walk_campaign()
    first, second = report_in(made, at(0, 0)), report_in(made, at(150, 0))
    client = sqlite_app.test_client()
    login(client, make_user("communications"))
    token = csrf_token(client, f"/staff/campaigns/{made.id}/walks/new")
    refused = client.post(f"/staff/campaigns/{made.id}/walks/new", data={"csrf_token": token, "title": "Vandring"})
    assert refused.status_code == 400 and db.session.execute(select(func.count(Walk.id))).scalar_one() == 0
    planned = client.post(f"/staff/campaigns/{made.id}/walks/new", data={
        "csrf_token": token, "title": "Vandring", "planned_on": TODAY.isoformat(),
        "points": [str(first.id), str(second.id)]})
    assert planned.status_code == 302
    walk = db.session.execute(select(Walk)).scalar_one()
    page = client.get(f"/staff/walks/{walk.id}").get_data(as_text=True)
    assert first.reference in page and second.reference in page
    assert "/publish" not in page  # not offered before the walk is recorded (issue 24.16)
    early = client.post(f"/staff/walks/{walk.id}/publish", data={"csrf_token": token})
    assert early.status_code == 400 and walk.published_at is None
    data = {"csrf_token": token, "walked_on": TODAY.isoformat(), "participants": "14",
            "participant_note": "Boende och två politiker", "summary": "",
            "points-0-report_id": str(walk.points[0].report_id), "points-0-notes": "Mörkt",
            "points-0-decision": "work_order", "points-0-decision_note": "",
            "points-1-report_id": str(walk.points[1].report_id), "points-1-notes": "",
            "points-1-decision": "no_action", "points-1-decision_note": ""}
    missing_reason = client.post(f"/staff/walks/{walk.id}/record", data=data, headers={"Accept-Language": "sv"})
    assert missing_reason.status_code == 400 and walk.walked_on is None
    # The refusal is said at the stop's own field and in the summary at the top, which links to it.
    html = missing_reason.get_data(as_text=True)
    reason = f"Ange varför för {second.reference}"
    assert html.count(reason) == 2 and 'href="#points-1-decision_note"' in html
    assert re.search(r'id="points-1-decision_note"[^>]*aria-invalid="true"', html) or \
        re.search(r'aria-invalid="true"[^>]*id="points-1-decision_note"', html)
    data["points-1-decision_note"] = "Redan åtgärdat av fastighetsägaren"
    tampered = client.post(f"/staff/walks/{walk.id}/record", data={**data, "points-1-report_id": "999999"})
    assert tampered.status_code == 400
    assert client.post(f"/staff/walks/{walk.id}/record", data=data).status_code == 302
    assert client.post(f"/staff/walks/{walk.id}/publish", data={"csrf_token": token}).status_code == 302
    db.session.refresh(walk)
    assert walk.participants == 14 and walk.published_at is not None
    assert sqlite_app.test_client().get(f"/k/{made.slug}/protokoll/{walk.id}").status_code == 200
    # A lighting planner may read the walk but not change it.
    planner = sqlite_app.test_client()
    login(planner, make_user("lighting_planner"))
    assert planner.get(f"/staff/walks/{walk.id}").status_code == 200
    own_token = csrf_token(planner, f"/staff/walks/{walk.id}")
    assert planner.post(f"/staff/walks/{walk.id}/withdraw", data={"csrf_token": own_token}).status_code == 403


def test_group_link_and_audit_on_the_public_page(sqlite_app):
    made = walk_campaign()
    group = walks.add_group(made, "Klass 8A", kind="school_class", size=26, actor="kom")
    resident = sqlite_app.test_client()
    url = f"/k/{made.slug}/g/{group.code}"
    page = resident.get(url, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Klass 8A" in page and 'name="audit_lighting"' in page and page.count('name="audit_') == 8 * 5
    assert resident.get(f"/k/{made.slug}/g/nope1234").status_code == 404
    token = csrf_token(resident, url)
    form = {"csrf_token": token, "category": "dark_unsafe", "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0]),
            "time_of_day": "evening"}
    bad = resident.post(url, data={**form, "audit_lighting": "7"}, headers={"Accept-Language": "sv"})
    assert bad.status_code == 400 and "från 1 till 5" in bad.get_data(as_text=True)
    assert db.session.execute(select(func.count(Report.id))).scalar_one() == 0
    ok = resident.post(url, data={**form, "audit_lighting": "1", "audit_feeling": "2"})
    assert ok.status_code == 302
    report = db.session.execute(select(Report)).scalar_one()
    assert report.group_id == group.id
    stored = db.session.execute(select(SafetyAudit)).scalar_one()
    assert (stored.lighting, stored.feeling, stored.openness) == (1, 2, None)
    # The group's QR code is for staff: the link tags reports with the group.
    assert resident.get(f"/staff/campaigns/{made.id}/groups/{group.id}/qr.png").status_code == 302
    staff = sqlite_app.test_client()
    login(staff, make_user("communications"))
    qr = staff.get(f"/staff/campaigns/{made.id}/groups/{group.id}/qr.png")
    assert qr.status_code == 200 and qr.data[:8] == b"\x89PNG\r\n\x1a\n"
    results = staff.get(f"/staff/campaigns/{made.id}/results", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "26 in 1 groups" in results or "26 in 2 groups" in results


def test_staff_add_a_group_with_checks(sqlite_app):
    made = walk_campaign()
    client = sqlite_app.test_client()
    login(client, make_user("communications"))
    token = csrf_token(client, f"/staff/campaigns/{made.id}")
    bad = client.post(f"/staff/campaigns/{made.id}/groups", data={"csrf_token": token, "name": "Klass 8A",
                                                                  "kind": "school_class", "size": "-3"})
    assert bad.status_code == 400 and walks.groups_for(made) == []
    ok = client.post(f"/staff/campaigns/{made.id}/groups", data={"csrf_token": token, "name": "Klass 8A",
                                                                 "kind": "school_class", "size": "26"})
    assert ok.status_code == 302
    page = client.get(f"/staff/campaigns/{made.id}").get_data(as_text=True)
    assert f"/k/{made.slug}/g/{walks.groups_for(made)[0].code}" in page


def test_heat_map_split_by_gender_shows_only_cells_of_five_or_more(sqlite_app):
    made = walk_campaign()
    crowded, lonely = at(30, 30), at(530, 30)
    for _ in range(6):
        report_in(made, crowded, gender="woman")
    for _ in range(4):
        report_in(made, lonely, gender="woman")
    for _ in range(2):
        report_in(made, lonely, gender="man")
    backdate_reports()
    planner = sqlite_app.test_client()
    login(planner, make_user("lighting_planner"))
    everyone = planner.get(f"/staff/heatmap/cells.json?campaign={made.id}").get_json()
    assert sorted(c[2] for c in everyone["cells"]) == [6, 6]
    women = planner.get(f"/staff/heatmap/cells.json?campaign={made.id}&gender=woman").get_json()
    assert [c[2] for c in women["cells"]] == [5]  # six, rounded to the threshold
    # How many were left out is never said (issue 23.1): only that this is a split.
    assert women["total"] == 5 and women["split"] is True and "suppressed" not in women
    men = planner.get(f"/staff/heatmap/cells.json?campaign={made.id}&gender=man").get_json()
    assert men["cells"] == [] and men["split"] is True and "suppressed" not in men
    cells = planner.get(f"/staff/exports/cells.geojson?campaign={made.id}&gender=woman")
    assert cells.status_code == 200 and len(json.loads(cells.data)["features"]) == 1
    for fmt in ("csv", "geojson", "xlsx"):
        refused = planner.get(f"/staff/exports/points.{fmt}?campaign={made.id}&gender=woman",
                              headers={"Accept-Language": "sv"})
        assert refused.status_code == 400 and "peka ut" in refused.get_data(as_text=True)
    assert planner.get("/staff/heatmap/cells.json?gender=robot").status_code == 400
    page = planner.get(f"/staff/heatmap?campaign={made.id}&gender=woman").get_data(as_text=True)
    assert "exports/points" not in page
