"""axe-core (from npm) in a real browser on the public and staff pages: no serious or critical violation."""
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.browser import browser_page, live_server
from tests.factories import PASSWORD, image_bytes, make_report, make_user
from webapp.extensions import db

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def audit(page) -> list[str]:
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture
def world(sqlite_app):
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `npm ci`")
    from datetime import date, timedelta

    from webapp.campaigns.services import CampaignInput, save_campaign
    from webapp.geo.services import district_locator
    from webapp.workorders import services as workorders

    report, token = make_report(photos=[image_bytes()], email="x@example.org")
    order = workorders.create_work_order([report.id], kind="cleaning", priority_code="normal", title="Städa", actor="officer")
    from webapp.campaigns import walks
    from webapp.extensions import db

    campaign = save_campaign(CampaignInput(name="Vandring", slug="vandring", kind="safety_walk",
                                           starts_on=date.today(), ends_on=date.today() + timedelta(days=3),
                                           district_ids=[district_locator().areas[0].id], asks_demographics=True,
                                           uses_audit=True), "kom")
    group = walks.add_group(campaign, "Klass 8A", kind="school_class", size=26, actor="kom")
    report.campaign_id = campaign.id
    db.session.commit()
    walk = walks.plan_walk(campaign, "Vandring", planned_on=date.today(), report_ids=[report.id], actor="kom")
    walks.record_walk(walk, walked_on=date.today(), participants=10, participant_note="Boende", summary="", points=[walks.PointRecord(report.id, "Mörkt", "work_order")],
                      actor="kom")
    walks.publish(walk, "kom")
    db.session.commit()
    from webapp.campaigns.imports import start_import
    from webapp.reports.lifecycle import save_owner

    owner = save_owner("Fastighets AB Kronan", "info@kronan.example", "Storgatan 1", "kom")
    report.property_owner_id = owner.id
    db.session.commit()
    run = start_import(campaign, b"caption,posted_at\n", "poster.csv", actor="kom", zip_bytes=None,
                       work_dir=str(sqlite_app.instance_path) + "/imports")
    from tests.campaigns.test_dialogue import make_dialogue

    talk = make_dialogue("dialog")
    with live_server(sqlite_app) as url:
        yield {"url": url, "report": report, "token": token, "order": order, "group": group.code, "walk": walk.id,
               "owner": owner.id, "run": run.id, "dialogue": talk.id}


def test_public_pages_have_no_serious_violations(world):
    pages = ["/", "/karta", f"/r/{world['report'].reference}", f"/t/{world['token']}", "/k/vandring",
             f"/k/vandring/g/{world['group']}", f"/k/vandring/protokoll/{world['walk']}", "/offline", "/?lang=ar",
             "/karta?lang=ar", f"/r/{world['report'].reference}?lang=ar", "/k/vandring?lang=ar",
             "/k/dialog/dialog", "/k/dialog/dialog?lang=ar", "/medborgarlofte", "/tillganglighet", "/staff/login", "/api/docs", "/no-such-page"]
    found = {}
    with browser_page(world["url"], "axe-public", bypass_csp=True) as page:
        for path in pages:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            problems = audit(page)
            if problems:
                found[path] = problems
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("role, paths", [
    ("case_officer", ["/staff/", "/staff/reports", "/staff/reports/{report}", "/staff/workorders",
                      "/staff/workorders/{order}", "/staff/workorders/new?report={report}", "/staff/reports/new",
                      "/staff/places"]),
    ("crew", ["/staff/tasks", "/staff/tasks/{order}", "/staff/tasks/print"]),
    ("lighting_planner", ["/staff/heatmap", "/staff/heatmap?gender=woman", "/staff/lighting", "/staff/indicators"]),
    ("communications", ["/staff/campaigns", "/staff/campaigns/1", "/staff/campaigns/1/results", "/staff/activities",
                        "/staff/owners", "/staff/walks/{walk}", "/staff/campaigns/1/walks/new",
                        "/staff/campaigns/1/compare?with=1", "/staff/campaigns/new", "/staff/imports/{run}",
                        "/staff/owners/{owner}/letter", "/staff/dialogues", "/staff/dialogues/{dialogue}",
                        "/staff/dialogues/{dialogue}/results", "/staff/dialogues/{dialogue}/meeting", "/staff/promises"]),
    ("police", ["/staff/hotspots/", "/staff/hotspots/patrol?date_from=2018-01-01&date_to=2018-12-31"]),
    ("admin", ["/staff/admin/users", "/staff/admin/users/{user}", "/staff/admin/settings",
               "/staff/admin/categories/littered", "/staff/admin/categories/new", "/staff/admin/departments",
               "/staff/admin/departments/TS", "/staff/admin/api-clients", "/staff/account/2fa"]),
])
def test_staff_pages_have_no_serious_violations(world, role, paths):
    import pyotp

    user = make_user(role, department="TS" if role in ("crew", "case_officer") else None)
    found = {}
    with browser_page(world["url"], f"axe-{role}", bypass_csp=True, viewport={"width": 1280, "height": 900},
                      is_mobile=False, has_touch=False, device_scale_factor=1) as page:
        page.goto("/staff/login")
        page.fill("#email", user.email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        if role == "admin":
            page.fill("#code", pyotp.TOTP(user.totp_secret).now())
            page.click("button[type=submit]")
        for path in paths:
            page.goto(path.format(report=world["report"].id, order=world["order"].id, walk=world["walk"],
                                  owner=world["owner"], run=world["run"], user=user.id,
                                  dialogue=world["dialogue"]))
            page.wait_for_load_state("networkidle")
            problems = audit(page)
            if problems:
                found[path] = problems
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_touch_targets_on_the_resident_pages_are_at_least_44_px(world):
    """Buttons, choices, menus and form fields a thumb must hit: at least 44 CSS px high (or wide, for icons)."""
    targets = ("button:not([hidden]), select, input[type=text], input[type=email], textarea, label.radio, "
               ".category-card, .site-nav a, .lang-switch a, .button, summary, .leaflet-control-zoom a")
    found = {}
    with browser_page(world["url"], "touch-targets") as page:
        for path in ["/", "/karta", "/k/vandring", f"/t/{world['token']}"]:
            page.goto(path)
            page.wait_for_load_state("load")
            small = page.evaluate("""(selector) => [...document.querySelectorAll(selector)]
                .filter((e) => e.offsetParent !== null)
                .map((e) => [e.outerHTML.slice(0, 80), e.getBoundingClientRect()])
                .filter(([, r]) => r.height < 44 && r.width < 44 || r.height < 24)
                .map(([html, r]) => `${html} (${Math.round(r.width)}×${Math.round(r.height)})`)""", targets)
            if small:
                found[path] = small
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_inbox_views_and_the_report_actions_have_no_serious_violations(sqlite_app):
    """The inbox with its views (one saved, shared) on a desktop and a phone, and the staff report page with
    merge buttons beside nearby reports and a refused close (the confirmation's error shown)."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `npm ci`")
    from tests.factories import CENTRUM
    from webapp.staff import services as triage

    report, _ = make_report(category="graffiti", at=CENTRUM)
    make_report(category="graffiti", at=(CENTRUM[0] + 0.0003, CENTRUM[1]))
    user = make_user("case_officer", department="TS")
    triage.save_view(user, name="Klotter", query="category=graffiti", scope="department", actor=user.email)
    db.session.commit()  # services flush: the server thread sees the view after the commit
    found = {}
    with live_server(sqlite_app) as url:
        for name, options in (("desktop", {"viewport": {"width": 1366, "height": 900}, "is_mobile": False,
                                           "has_touch": False, "device_scale_factor": 1}), ("phone", {})):
            with browser_page(url, f"axe-inbox-{name}", bypass_csp=True, **options) as page:
                page.goto("/staff/login")
                page.fill("#email", user.email)
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(lambda u: "/staff/login" not in u)
                for path in ["/staff/reports", "/staff/reports?category=graffiti", f"/staff/reports/{report.id}"]:
                    page.goto(path)
                    page.wait_for_load_state("networkidle")
                    page.locator("details").evaluate_all("(all) => all.forEach((d) => { d.open = true; })")
                    if problems := audit(page):
                        found[f"{name} {path}"] = problems
                page.get_by_label("Ny status").select_option("closed")
                page.locator("#status-form button[type=submit]").click()
                page.wait_for_selector("#status-form .field-errors")
                if problems := audit(page):
                    found[f"{name} refused close"] = problems
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_resident_pages_in_light_and_dark_mode_have_no_serious_violations(world, scheme):
    """Issue 15.8: the resident pages follow the phone's colour scheme (prefers-color-scheme), and both schemes
    pass axe, contrast included; so do the report form's error summary, the place search's answers, the follow
    form and "Mina rapporter"."""
    reference = world["report"].reference
    found = {}
    with browser_page(world["url"], f"axe-{scheme}", bypass_csp=True, color_scheme=scheme) as page:
        for path in ["/", "/?lang=ar", "/karta", f"/r/{reference}", f"/r/{reference}?lang=ar", f"/t/{world['token']}",
                     "/mina-rapporter", "/tillganglighet", "/k/vandring"]:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            if path.startswith("/?") or path == "/":
                page.locator("button[type=submit]").click()  # every problem shown at once
                page.wait_for_selector("#error-summary")
                page.locator("#place-query").fill("Gl")
                page.wait_for_selector(".place-choice")
            problems = audit(page)
            if problems:
                found[path] = problems
        background = page.evaluate("getComputedStyle(document.querySelector('main')).backgroundColor")
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
    assert (background == "rgb(255, 255, 255)") == (scheme == "light")  # the scheme really changed the page


class _Ids(HTMLParser):
    """The ids of a page (hidden inputs included: each form's csrf_token and version carry none) and what labels
    and aria-describedby point at."""

    def __init__(self):
        super().__init__()
        self.ids, self.references = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.references.append(attrs["for"])
        self.references.extend((attrs.get("aria-describedby") or "").split())


def test_staff_pages_have_unique_ids_for_every_label_and_description(sqlite_app):
    """A label or error message tied to an id used twice names the wrong field for a screen reader: every staff page
    without parameters in the URL map, a report's page and a work order's page."""
    from tests.factories import login, make_report, make_user
    from webapp.workorders import services as workorders

    client = sqlite_app.test_client()
    login(client, make_user("admin", email="ids@landskrona.se"))
    report, _ = make_report(category="littered")
    order = workorders.create_work_order([report.id], kind="cleaning", priority_code="normal", title="Städa",
                                         actor="test")
    pages = sorted(rule.rule for rule in sqlite_app.url_map.iter_rules()
                   if rule.rule.startswith("/staff") and "GET" in rule.methods and not rule.arguments
                   and not rule.rule.endswith((".csv", ".xlsx", ".geojson", ".png", ".json", ".zip", "logout")))
    pages += [f"/staff/reports/{report.id}", f"/staff/workorders/{order.id}", f"/r/{report.reference}", "/"]
    assert len(pages) > 15
    problems = []
    for page in pages:
        response = client.get(page)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parser = _Ids()
        parser.feed(response.get_data(as_text=True))
        doubled = sorted({i for i in parser.ids if parser.ids.count(i) > 1})
        dangling = sorted({r for r in parser.references if r not in parser.ids})
        if doubled or dangling:
            problems.append((page, doubled, dangling))
    assert problems == []
