"""Every staff route, for every role and for anonymous users: login page, 403, or the page."""
import re

import pyotp
import pytest

from tests.factories import PASSWORD, form_token, image_bytes, login, make_report, make_user
from webapp.auth.roles import ROLES, allowed
from webapp.extensions import db
from webapp.workorders import services as workorders

PUBLIC_STAFF_ROUTES = {"auth.login", "auth.second_factor", "auth.logout", "auth.setup_2fa", "auth.choose_password"}


def staff_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff") or rule.endpoint in PUBLIC_STAFF_ROUTES:
            continue
        view = app.view_functions[rule.endpoint]
        permission = getattr(view, "permission", None)
        assert permission, f"{rule.rule} has no permission check"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, permission


@pytest.fixture
def world(sqlite_app):
    report, _ = make_report(photos=[image_bytes()])
    order = workorders.create_work_order([report.id], kind="cleaning", priority_code="normal", title="Städa", actor="test")
    from webapp.auth.apikeys import create_key
    from webapp.campaigns.services import CampaignInput, save_campaign
    from webapp.reports.lifecycle import save_owner
    client, _ = create_key("FixMyStreet", "test")
    from datetime import date

    from webapp.geo.services import district_locator
    campaign = save_campaign(CampaignInput(name="Test", slug="test", kind="safety_walk", starts_on=date(2018, 1, 1),
                                           ends_on=date(2018, 2, 1), district_ids=[district_locator().areas[0].id]), "t")
    owner = save_owner("Ägare AB", "", "", "t")
    from webapp.campaigns.imports import start_import
    run = start_import(campaign, b"caption,posted_at\n", "x.csv", actor="t", zip_bytes=None, work_dir=str(sqlite_app.instance_path) + "/imports-test")
    from webapp.campaigns import walks
    group = walks.add_group(campaign, "Klass 8A", kind="school_class", size=20, actor="t")
    report.campaign_id = campaign.id
    db.session.commit()
    walk = walks.plan_walk(campaign, "Vandring", planned_on=None, report_ids=[report.id], actor="t")
    from webapp.staff.services import save_view
    view = save_view(make_user("case_officer", department="TS"), name="Klotter", query="category=graffiti", scope="all", actor="t")
    from webapp.jobs import services as jobs
    job = jobs.enqueue("points_export", {"selection": {}, "fmt": "xlsx", "folder": "/nonexistent"}, "t")
    from webapp.assets.models import Asset
    asset = Asset(kind_key="street_light", external_id="L-1", lon=12.83, lat=55.87, attributes={}, source="t")
    db.session.add(asset)
    from webapp.handoff import services as handoff
    from webapp.handoff.models import ReportHandoff
    target = handoff.save_target(actor="t", name="Driftsystemet", method="open311", api_key="k",
                                 endpoint="http://127.0.0.1:9/open311/v2/", service_codes={"littered": "STR-01"})
    handoff.set_route(actor="t", category_key="littered", target=target)
    db.session.add(ReportHandoff(report_id=report.id, target_id=target.id, state="failed", attempts=1,
                                 error_kind="refused", error_detail="403: api_key is missing or not valid"))
    db.session.commit()
    from tests.campaigns.test_dialogue import answer, make_dialogue
    from webapp.campaigns import dialogue as dialogues
    talk = make_dialogue("dialog")
    answer(talk, text="Mörkt vid stationen", one="0", scale="3", gender="woman", housing="rental")
    promise = dialogues.save_promise(year=2019, text="Bättre belysning", decided_on=None, campaign_id=talk.id, actor="t")
    dialogues.add_action(promise, text="Nya lampor", department_code="TS", actor="t")
    db.session.commit()
    return {"target_id": target.id, "dialogue_id": talk.id, "promise_id": promise.id, "asset_id": asset.id, "job_id": job.id, "view_id": view.id, "walk_id": walk.id, "group_id": group.id, "action": "withdraw", "qr_format": "svg", "run_id": run.id, "kind": "points", "client_id": client.id, "campaign_id": campaign.id, "owner_id": owner.id, "fmt": "csv", "report_id": report.id, "photo_id": report.photos[0].id, "order_id": order.id,
            "user_id": make_user("crew").id, "key": "littered", "template_id": 1, "size": "thumb", "code": "TS"}


def file_routes(app):
    """Every route that serves a stored photo or file (found by its arguments or its extension), staff and
    public, except the static assets."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        if rule.arguments & {"photo_id", "stem", "filename"} or rule.rule.endswith((".jpg", ".jpeg", ".png", ".webp")):
            yield rule


def url_for_rule(app, rule, world) -> str:
    values = {name: world[name] for name in rule.arguments}
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=next(iter(rule.methods)))


@pytest.mark.slow  # every staff route as every role: about two thousand requests
def test_every_staff_route_is_guarded_for_every_role(sqlite_app, world):
    routes = list(staff_routes(sqlite_app))
    assert len(routes) > 25
    clients = {"anonymous": sqlite_app.test_client()}
    for role in ROLES:
        client = sqlite_app.test_client()
        user = make_user(role, department="TS" if role in ("crew", "case_officer") else None)
        assert login(client, user).status_code == 302
        clients[role] = client
    failures = []
    photo_routes = {rule.endpoint for rule in file_routes(sqlite_app)}
    for rule, method, permission in routes:
        if rule.endpoint in photo_routes:
            continue  # they also depend on whose photo it is: test_photo_files_follow_the_photo_rule
        url = url_for_rule(sqlite_app, rule, world)
        for who, client in clients.items():
            token = form_token(client)
            response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
            response.get_data()  # read streamed bodies to the end, as a browser would
            if who == "anonymous":
                ok = response.status_code == 302 and "/staff/login" in response.headers["Location"]
            elif allowed(who, permission):
                ok = response.status_code not in (401, 403, 500) and "/staff/login" not in response.headers.get("Location", "")
            else:
                ok = response.status_code == 403
            if not ok:
                failures.append(f"{method} {url} as {who}: {response.status_code}")
    assert failures == []


def test_wrong_password_and_disabled_account(web, sqlite_app):
    user = make_user("case_officer")
    response = login(web, user, password="wrong-password")
    assert response.status_code == 400
    assert "Fel e-post eller lösenord" in response.get_data(as_text=True) or "Wrong e-mail" in response.get_data(as_text=True)
    from webapp.auth import services as accounts

    accounts.update_user(user, "test", active=False)
    assert login(web, user).status_code == 400


def test_disabling_a_user_ends_their_session(web, sqlite_app):
    from webapp.auth import services as accounts

    user = make_user("case_officer")
    login(web, user)
    assert web.get("/staff/reports").status_code == 200
    accounts.update_user(user, "admin@test", active=False)
    response = web.get("/staff/reports")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_login_attempts_are_rate_limited(web, sqlite_app):
    user = make_user("crew")
    token = form_token(web)
    codes = [web.post("/staff/login", data={"csrf_token": token, "email": user.email, "password": "nope"}).status_code
             for _ in range(12)]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429


def test_admin_must_enrol_two_factor_and_then_needs_a_code(web, sqlite_app):
    from webapp.auth import services as accounts

    admin = accounts.create_user("chef@landskrona.se", "Chef", password=PASSWORD, role="admin")
    response = login(web, admin)
    assert response.headers["Location"].endswith("/staff/account/2fa")
    # Every staff page sends an admin without 2FA back to the enrolment page.
    assert web.get("/staff/admin/users").headers["Location"].endswith("/staff/account/2fa")

    page = web.get("/staff/account/2fa").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    wrong = web.post("/staff/account/2fa", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 400
    page = web.get("/staff/account/2fa").get_data(as_text=True)  # a new key is shown on each visit
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    done = web.post("/staff/account/2fa", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li><code>([0-9a-f-]+)</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert web.get("/staff/admin/users").status_code == 200

    # Next time the password alone is not enough; a recovery code works once.
    web.post("/staff/logout", data={"csrf_token": token})
    other = sqlite_app.test_client()
    response = other.post("/staff/login", data={"csrf_token": form_token(other), "email": admin.email,
                                                "password": PASSWORD})
    assert response.headers["Location"].endswith("/staff/login/code")
    assert other.get("/staff/admin/users").status_code == 302
    token = form_token(other)
    assert other.post("/staff/login/code", data={"csrf_token": token, "code": codes[0]}).status_code == 302
    assert other.get("/staff/admin/users").status_code == 200
    db.session.refresh(admin)
    assert len(admin.recovery_codes) == 9


def test_next_parameter_cannot_send_you_elsewhere(web, sqlite_app):
    user = make_user("case_officer")
    web.get("/staff/login?next=//evil.example.org/")
    response = login(web, user)
    assert response.headers["Location"] == "/staff/reports"


def _logged_in_clients(app, **departments):
    clients = {"anonymous": app.test_client()}
    users = {}
    for role in ROLES:
        client = app.test_client()
        department = departments.get(role, "TS" if role in ("crew", "case_officer") else None)
        users[role] = make_user(role, department=department)
        assert login(client, users[role]).status_code == 302
        clients[role] = client
    return clients, users


def _photo_urls(app, photo) -> list[str]:
    """Every file route's URL for this photo, in every size."""
    urls = []
    for rule in file_routes(app):
        sizes = ["display", "thumb"] if "size" in rule.arguments else [None]
        for size in sizes:
            values = {"photo_id": photo.id, "stem": photo.stem, "size": size}
            url = app.url_map.bind("localhost").build(rule.endpoint, {k: values[k] for k in rule.arguments})
            urls.append((rule, url))
    return urls


def test_photo_files_follow_the_photo_rule(sqlite_app):
    """A pending photo of someone else's report (a resident's, in no work order): every file route, for every
    role, serves it only to the roles that moderate; the public routes never."""
    endpoints = {rule.endpoint for rule in file_routes(sqlite_app)}
    assert {"staff.photo_file", "reports.photo"} <= endpoints
    pending_report, _ = make_report(photos=[image_bytes()])
    rejected_report, _ = make_report(photos=[image_bytes()])
    hidden_report, _ = make_report(photos=[image_bytes()])
    from webapp.reports import moderation

    moderation.moderate_photo(rejected_report.photos[0], "rejected", "test")
    moderation.moderate_photo(hidden_report.photos[0], "approved", "test")
    hidden_report.hidden = True
    db.session.commit()
    clients, _users = _logged_in_clients(sqlite_app)
    failures = []
    for photo in (pending_report.photos[0], rejected_report.photos[0], hidden_report.photos[0]):
        for rule, url in _photo_urls(sqlite_app, photo):
            for who, client in clients.items():
                response = client.get(url)
                response.get_data()
                if not rule.rule.startswith("/staff"):
                    ok = response.status_code == 404
                elif who == "anonymous":
                    ok = response.status_code == 302 and "/staff/login" in response.headers["Location"]
                elif allowed(who, "moderate_photos"):
                    ok = response.status_code == 200 and response.mimetype == "image/jpeg"
                else:
                    ok = response.status_code in (403, 404)
                if not ok:
                    failures.append(f"{photo.moderation} {url} as {who}: {response.status_code}")
    assert failures == []


def test_crews_see_their_jobs_photos_and_field_reporters_their_own(sqlite_app):
    from webapp.reports import lifecycle

    in_job, _ = make_report(photos=[image_bytes()])
    order = workorders.create_work_order([in_job.id], kind="cleaning", priority_code="normal", title="Städa", actor="test")
    assert order.department_code == "TS"
    clients, users = _logged_in_clients(sqlite_app)
    other_crew = sqlite_app.test_client()
    login(other_crew, make_user("crew", department="SB"))
    other_reporter = sqlite_app.test_client()
    login(other_reporter, make_user("field_reporter"))

    url = f"/staff/photos/{in_job.photos[0].id}/display.jpg"
    assert clients["crew"].get(url).status_code == 200
    assert other_crew.get(url).status_code == 403
    assert clients["field_reporter"].get(url).status_code == 403
    order.assignee_id = make_user("crew", department="TS").id  # the job is someone else's now
    db.session.commit()
    assert clients["crew"].get(url).status_code == 403

    own, _ = make_report(photos=[image_bytes()])
    lifecycle.set_private_contact(own, "Anna", "", users["field_reporter"].email)
    url = f"/staff/photos/{own.photos[0].id}/thumb.jpg"
    assert clients["field_reporter"].get(url).status_code == 200
    assert other_reporter.get(url).status_code == 403
    assert clients["lighting_planner"].get(url).status_code == 403

    # Once approved, every staff member and the public see it; the public by its file name.
    from webapp.reports import moderation

    moderation.moderate_photo(own.photos[0], "approved", "test")
    assert other_reporter.get(url).status_code == 200
    assert clients["anonymous"].get(f"/photos/{own.photos[0].stem}/thumb.jpg").status_code == 200


def test_staff_report_page_lists_only_the_photos_one_may_see(sqlite_app):
    report, _ = make_report(photos=[image_bytes()])
    clients, _users = _logged_in_clients(sqlite_app)
    photo_url = f"/staff/photos/{report.photos[0].id}/"
    for role in ROLES:
        if not allowed(role, "view_reports"):
            continue
        html = clients[role].get(f"/staff/reports/{report.id}").get_data(as_text=True)
        assert (photo_url in html) == allowed(role, "moderate_photos"), role


@pytest.mark.slow  # every staff page as every role: hundreds of requests
def test_reporter_contact_shows_only_to_roles_that_contact_reporters(sqlite_app, world):
    """Every staff page and export a role can open (from the URL map), searched for the reporter's e-mail, name
    and phone: only roles with reporter_contact may find them. (Workbooks are compressed; their contact
    columns come from the same queries as the CSV exports.)"""
    from webapp.reports.models import Report

    report = db.session.get(Report, world["report_id"])
    report.reporter_email, report.reporter_name, report.reporter_phone = (
        "kontakt.hemlig@example.org", "Hemlig Kontaktperson", "0701-234567")
    db.session.commit()
    secrets = ("kontakt.hemlig@example.org", "Hemlig Kontaktperson", "0701-234567")
    clients, _users = _logged_in_clients(sqlite_app)
    del clients["anonymous"]
    photo_routes = {rule.endpoint for rule in file_routes(sqlite_app)}
    leaks, shown = [], 0
    for rule, method, _permission in staff_routes(sqlite_app):
        if method != "GET" or rule.endpoint in photo_routes:
            continue
        url = url_for_rule(sqlite_app, rule, world)
        for role, client in clients.items():
            body = client.get(url).get_data()
            found = [s for s in secrets if s.encode() in body]
            shown += bool(found)
            if found and not allowed(role, "reporter_contact"):
                leaks.append(f"{url} as {role}: {found}")
    assert leaks == []
    assert shown  # the report page shows them to those who may see them
