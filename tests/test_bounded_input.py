"""Never a 500 on bad input (issue 23.3 and 23.6): a date the app cannot compute with, or a number no column
holds, is a clear 400 or a form error on every GET route that reads one; one stored view with such dates never
breaks the inbox, and an administrator can delete it. Every query parameter the app reads, with hostile values,
on every GET route (public, API, Open311 and staff, as each role): no 5xx."""
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.auth.test_access import url_for_rule, world  # noqa: F401 - the fixture with one of everything
from tests.factories import form_token, login, make_report, make_user
from webapp.auth.roles import ROLES
from webapp.extensions import db
from webapp.insights.forms import SelectionForm
from webapp.staff.forms import FilterForm
from webapp.staff.models import SavedView

BROKEN_DATES = "date_from=2020-01-01&date_to=9999-12-31"


def _client(app, role):
    client = app.test_client()
    assert login(client, make_user(role, department="TS" if role in ("crew", "case_officer") else None)).status_code == 302
    return client


def test_a_shared_view_with_dates_out_of_range_breaks_no_page_and_an_admin_deletes_it(sqlite_app):
    make_report()
    comms = _client(sqlite_app, "communications")
    saved = comms.post("/staff/reports/views", data={"csrf_token": form_token(comms, "/staff/reports"), "name": "Trasig",
                                                     "scope": "all", "query": BROKEN_DATES})
    assert saved.status_code == 302
    # Refused when saved (the filter is not one the inbox can show) …
    assert db.session.execute(select(func.count(SavedView.id))).scalar_one() == 0
    # … and one stored before this check (or by hand) breaks nobody's inbox: it is shown as broken.
    owner = make_user("communications")
    db.session.add(SavedView(name="Trasig", query=BROKEN_DATES, owner_id=owner.id, scope="all"))
    db.session.commit()
    view = db.session.execute(select(SavedView)).scalar_one()
    admin = _client(sqlite_app, "admin")
    for client in (comms, admin, _client(sqlite_app, "case_officer")):
        page = client.get("/staff/", follow_redirects=True, headers={"Accept-Language": "sv"})
        assert page.status_code == 200
        inbox = client.get("/staff/reports", headers={"Accept-Language": "sv"})
        assert inbox.status_code == 200
        html = inbox.get_data(as_text=True)
        assert "Trasig" in html and "Den här vyns filter fungerar inte längre" in html
    # Following its link: the inbox with the form's message, a 400, never a 500.
    opened = admin.get(f"/staff/reports?{BROKEN_DATES}", headers={"Accept-Language": "sv"})
    assert opened.status_code == 400 and "Välj ett datum mellan 2000-01-01 och 2100-12-31" in opened.get_data(as_text=True)
    # The way out: an administrator deletes anyone's shared view; a colleague still cannot.
    html = admin.get("/staff/reports").get_data(as_text=True)
    assert f"/staff/reports/views/{view.id}/delete" in html
    officer = _client(sqlite_app, "case_officer")
    officer.post(f"/staff/reports/views/{view.id}/delete", data={"csrf_token": form_token(officer, "/staff/reports")})
    assert db.session.get(SavedView, view.id) is not None
    admin.post(f"/staff/reports/views/{view.id}/delete", data={"csrf_token": form_token(admin, "/staff/reports")})
    assert db.session.get(SavedView, view.id) is None


def test_the_reported_500s_are_400s(sqlite_app):
    make_report()
    anonymous = sqlite_app.test_client()
    response = anonymous.get("/open311/v2/requests.json?start_date=0001-01-01T00:00:00%2B14:00")
    assert response.status_code == 400 and "start_date" in response.get_data(as_text=True)
    officer = _client(sqlite_app, "case_officer")
    assert officer.get("/staff/reports?page=99999999999999999999999").status_code == 200
    assert officer.get("/staff/reports/99999999999999999999999").status_code == 404
    planner = _client(sqlite_app, "lighting_planner")
    for url in ("/staff/heatmap/cells.json", "/staff/lighting", "/staff/lighting.geojson", "/staff/lighting.csv",
                "/staff/exports/points.csv", "/staff/exports/cells.geojson", "/staff/exports/heatmap.png",
                "/staff/exports/cases.csv"):
        response = planner.get(f"{url}?{BROKEN_DATES}")
        assert response.status_code == 400, (url, response.status_code)
    response = planner.get("/staff/indicators?period=9999", headers={"Accept-Language": "sv"}, follow_redirects=True)
    assert response.status_code == 400 and "Välj ett datum mellan" in response.get_data(as_text=True)


# Every query parameter name the app reads: those its code asks for by name, and the fields of its GET forms
# (the inbox filter, the heat-map selection). Collected from the source, so that a parameter added later is in.
def _parameter_names() -> list[str]:
    names = {"page", "limit", "lang", "from", "to", "fmt"}
    source = "\n".join(p.read_text() for p in Path("webapp").rglob("*.py"))
    names |= set(re.findall(r"""(?:args|values|form)(?:\.get|\.getlist|\[)\(?\s*["']([A-Za-z_\[\]]+)["']""", source))
    names |= set(re.findall(r"""query_numbers?\(request\.\w+, "(\w+)\"""", source))
    for form in (FilterForm, SelectionForm):
        names |= {name for name in dir(form) if not name.startswith("_") and hasattr(getattr(form, name), "field_class")}
    return sorted(names)


PARAMETERS = _parameter_names()
HOSTILE = ["9999-12-31", "0001-01-01T00:00:00+14:00", "0000-00-00", "99999999999999999999999", "-1", "0", "",
           "1e309", "nan", "-inf", "2026-02-30", "9999", "9999-Q4", "<script>alert(1)</script>", "\x00", "ä" * 300,
           "'; DROP TABLE report; --", "1,2,3,4", "-180,-90,180,90", "2147483648"]
ROUNDS = [{"date_from": "2020-01-01", "date_to": "9999-12-31", "from": "2020-01-01", "to": "9999-12-31",
           "start_date": "0001-01-01T00:00:00+14:00", "end_date": "9999-12-31T23:59:59-12:00", "period": "9999",
           "page": "99999999999999999999999"}]
# Then every parameter at once, each with another hostile value, turning round so that each meets several.
ROUNDS += [{name: HOSTILE[(i * 7 + k) % len(HOSTILE)] for i, name in enumerate(PARAMETERS)} for k in range(4)]


def _get_routes(app, world):  # noqa: F811
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or any(a not in world for a in rule.arguments):
            continue
        try:
            routes.append(url_for_rule(app, rule, world))
        except ValueError:  # a route whose format is one of png/svg
            routes.append(url_for_rule(app, rule, {**world, "fmt": "svg"}))
    return routes


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
def test_every_get_route_survives_hostile_values_of_every_parameter_for_every_role(sqlite_app, world):  # noqa: F811
    from webapp.extensions import limiter

    assert {"date_from", "date_to", "start_date", "page", "period", "bbox", "cell"} <= set(PARAMETERS)
    limiter.enabled = False  # thousands of requests from one address; the limits are tested elsewhere
    try:
        routes = _get_routes(sqlite_app, world)
        assert len(routes) > 60
        clients = {"anonymous": sqlite_app.test_client()} | {role: _client(sqlite_app, role) for role in ROLES}
        failures = []
        # Fixed rounds, as every role: the reported values, then each hostile value in every parameter at once.
        for who, client in clients.items():
            for url in routes:
                for params in (ROUNDS if who in ("admin", "anonymous") else ROUNDS[:1]):
                    response = client.get(url, query_string=params)
                    response.get_data()
                    if response.status_code >= 500:
                        failures.append(f"{who} GET {url} {params!r}: {response.status_code}")
        assert failures == [], failures[:5]
        # Then Hypothesis mixes them (and generated text) over every route, as the administrator, who opens all.
        admin = clients["admin"]

        @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(url=st.sampled_from(routes),
               params=st.dictionaries(st.sampled_from(PARAMETERS),
                                      st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30),
                                                st.dates().map(str), st.integers().map(str)), max_size=6))
        def probe(url, params):
            response = admin.get(url, query_string=params)
            response.get_data()
            assert response.status_code < 500, (url, params)

        probe()
    finally:
        limiter.enabled = True


def test_an_imported_post_dated_out_of_range_is_a_named_error_not_a_failed_import(sqlite_app):
    from tests.campaigns.test_services import campaign
    from webapp.campaigns import imports
    from webapp.media import photo_settings

    text = "caption,posted_at\nEtt,0001-01-01T00:00:00+14:00\nTvå,9999-12-31T23:59:59-12:00\nTre,2018-02-20T10:00\n"
    result = imports.import_posts(campaign(), text.encode(), "posts.csv", actor="kom", settings=photo_settings())
    assert result.created == 1 and sorted(dict(result.errors)) == [2, 3]
    assert all("posted_at" in message for _, message in result.errors)
