"""Every form, fuzzed: Hypothesis posts odd and hostile values to every POST route (staff and public) as an
administrator, who may use them all. Never a server error; and afterwards no page shows a probe unescaped."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.auth.test_access import url_for_rule, world  # noqa: F401 - the fixture with one of everything
from tests.factories import form_token, login, make_user

PROBES = ['<script>alert("fuzz")</script>', '"><img src=x onerror=alert(1)>', "'; DROP TABLE report; --",
          "{{ 7*7 }}", "\x00", "9" * 40, "-1", "1e309", "2026-02-30", "../../etc/passwd", "ä" * 3000]
FIELDS = ["name", "slug", "kind", "starts_on", "ends_on", "districts", "categories", "hashtag", "intro_sv",
          "intro_en", "follows", "title", "notes", "note", "reason", "target", "version", "status", "public_note",
          "question", "answer", "text", "email", "role", "department", "code", "size", "participants",
          "walked_on", "planned_on", "points", "route", "summary", "participant_note", "description",
          "category", "lat", "lon", "location_text", "priority", "due_date", "instructions", "reports",
          "held_on", "district", "campaign", "contact", "address", "value", "indicator", "area", "year",
          "drawn_area", "decision", "mode", "boxes", "points-0-report_id", "points-0-decision", "score",
          "comment", "active", "source", "caller_name", "caller_phone", "expires_at", "message_sv", "message_en",
          "scope", "query", "confirm_close"]
EXCLUDED = {"auth.logout", "auth.login", "auth.second_factor", "auth.setup_2fa", "campaigns.import_posts"}
values = st.one_of(st.sampled_from(PROBES), st.text(max_size=60), st.integers(-10, 10**6).map(str),
                   st.just(""))


@pytest.fixture
def everything(world):  # noqa: F811
    """The access test's world, plus what the public routes name: a reference, a tracking token, a campaign."""
    from tests.factories import make_report
    from webapp.campaigns.models import Campaign, WalkGroup
    from webapp.extensions import db
    from webapp.reports.public import follow_report

    report, token = make_report(email="fuzz@example.org")
    follower, _ = follow_report(report, "foljare@example.org", "sv")
    campaign = db.session.get(Campaign, world["campaign_id"])
    group = db.session.get(WalkGroup, world["group_id"])
    return {**world, "reference": report.reference, "token": token, "slug": campaign.slug, "code": group.code,
            "follower_id": follower.id}


@pytest.mark.slow  # every POST route with many odd values: thousands of requests
@pytest.mark.filterwarnings("ignore")
def test_every_post_route_survives_odd_and_hostile_values(sqlite_app, everything):
    world = everything
    from webapp.extensions import limiter

    limiter.enabled = False
    try:
        admin = sqlite_app.test_client()
        login(admin, make_user("admin"))
        token = form_token(admin)
        routes = [rule for rule in sqlite_app.url_map.iter_rules()
                  if "POST" in rule.methods and rule.endpoint not in EXCLUDED and not rule.rule.startswith("/open311")]
        assert len(routes) > 30
        failures = []
        for rule in routes:
            url = url_for_rule(sqlite_app, rule, world)

            @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            @given(fields=st.dictionaries(st.sampled_from(FIELDS), values, max_size=8))
            def post(fields):
                response = admin.post(url, data={**fields, "csrf_token": token})
                response.get_data()
                if response.status_code >= 500:
                    failures.append(f"POST {url} {fields!r}: {response.status_code}")

            post()
        assert failures == [], failures[:5]
        # Whatever was stored is shown escaped on every page that can be opened.
        for rule in sqlite_app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in ("static",) or any(
                    a not in world for a in rule.arguments):
                continue
            try:
                url = url_for_rule(sqlite_app, rule, world)
            except ValueError:  # a route whose format is one of png/svg
                url = url_for_rule(sqlite_app, rule, {**world, "fmt": "svg"})
            body = admin.get(url).get_data().decode("utf-8", "replace")
            assert '<script>alert("fuzz")' not in body and "<img src=x onerror" not in body, rule.rule
    finally:
        limiter.enabled = True
