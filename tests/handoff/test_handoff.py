"""Hand-off to the kommun's own systems (issue 26.2), against a real Open311 server: a second instance of this
app, with its own database, port and API key, served from a thread. Reports go there over Open311, their status
changes there and comes back here; refusals (wrong key, unknown service code) and an endpoint that is down
(retried later, nothing lost) show on the staff page; the e-mail hand-off goes through the mail outbox."""
from __future__ import annotations

import json
import re
import shutil
import threading
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug.serving import make_server

from tests.conftest import base_config, build_app
from tests.factories import commit, form_token, login, make_report, make_user
from tests.server import free_port
from webapp.assets import services as assets
from webapp.assets.models import Asset
from webapp.auth import apikeys
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.handoff import services as handoff
from webapp.handoff.models import ReportHandoff
from webapp.jobs import services as jobs
from webapp.mail import outbox_messages
from webapp.reports import lifecycle
from webapp.reports.models import Category, Report
from webapp.reports.status import ReportStatus
from webapp.timeutil import utcnow


@contextmanager
def kommun_system(sqlite_template, folder, port: int | None = None):
    """The kommun's own system: this app again, on its own SQLite file and port, with an API key for us."""
    port = port or free_port()
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(sqlite_template, folder / "kommun.sqlite")
    config = base_config(folder, f"sqlite:///{folder / 'kommun.sqlite'}") | {
        "SERVER_NAME": f"127.0.0.1:{port}", "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "RATELIMIT_ENABLED": False}
    remote = build_app(config)
    with remote.app_context():
        _client, key = apikeys.create_key("Trygghetskartan Landskrona", "test")
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", port, remote, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="kommun-system", daemon=True)
    thread.start()
    try:
        yield type("Kommun", (), {"app": remote, "key": key, "url": f"http://127.0.0.1:{port}",
                                  "endpoint": f"http://127.0.0.1:{port}/open311/v2/"})
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with remote.app_context():
            db.session.remove()
            db.engine.dispose()


def run_job(kind: str) -> None:
    """Queue the job and let a worker run it, as `flask jobs work` would."""
    jobs.enqueue(kind, {}, "test")
    commit()
    jobs.work(once=True, stale_seconds=60)


def state_of(report: Report) -> ReportHandoff:
    db.session.expire_all()
    return db.session.execute(db.select(ReportHandoff).where(ReportHandoff.report_id == report.id)).scalar_one()


def open311_target(endpoint: str, key: str, **codes):
    target = handoff.save_target(actor="test", name="Driftsystemet", method="open311", endpoint=endpoint,
                                 api_key=key, service_codes=codes)
    handoff.set_route(actor="test", category_key="littered", target=target)
    commit()
    return target


def staff_page(app, report: Report, role: str = "case_officer", lang: str = "sv"):
    client = app.test_client()
    login(client, make_user(role, email=f"{role}-{lang}-{report.id}@landskrona.se"))
    html = client.get(f"/staff/reports/{report.id}", headers={"Accept-Language": lang}).get_data(as_text=True)
    return client, html


def test_a_report_goes_to_the_kommuns_system_and_its_status_comes_back(app, sqlite_template, tmp_path):
    """Here on SQLite and on PostgreSQL; the kommun's system on SQLite."""
    with kommun_system(sqlite_template, tmp_path / "kommun") as kommun:
        open311_target(kommun.endpoint, kommun.key)
        report, _token = make_report(description="Trasig lampa och skräp vid bänken")
        commit()

        run_job("handoff_send")
        sent = state_of(report)
        assert sent.state == "sent" and sent.external_id and sent.attempts == 1
        external_id = sent.external_id
        with kommun.app.app_context():
            there = lifecycle.report_by_reference(sent.external_id)
            assert there.category.key == "littered" and there.source == "open311"
            assert "Trasig lampa" in there.description and report.reference in there.description
            assert there.reporter_email is None  # the resident's contact stays here
            lifecycle.set_status(there, ReportStatus.IN_PROGRESS, actor="drift", expected_version=None,
                                 public_note="Ett arbetslag är bokat.")
            db.session.commit()
            db.session.remove()

        run_job("handoff_updates")
        db.session.expire_all()
        assert report.status == ReportStatus.CONFIRMED
        assert report.history[-1].public_note == "Ett arbetslag är bokat."

        with kommun.app.app_context():
            there = lifecycle.report_by_reference(external_id)
            lifecycle.set_status(there, ReportStatus.FIXED, actor="drift", expected_version=None,
                                 public_note="Städat och lampan bytt.")
            db.session.commit()
            db.session.remove()
        run_job("handoff_updates")
        db.session.expire_all()
        assert report.status == ReportStatus.FIXED
        assert report.history[-1].public_note == "Städat och lampan bytt."
        assert report.history[-1].actor == "handoff:Driftsystemet"
        public = app.test_client().get(f"/r/{report.reference}").get_data(as_text=True)
        assert "Städat och lampan bytt." in public

        run_job("handoff_updates")  # nothing new there: nothing changes here
        db.session.expire_all()
        assert len(report.history) == 3

        _client, html = staff_page(app, report)
        assert "Driftsystemet" in html and external_id in html and "Skickad" in html


def test_a_wrong_key_and_an_unknown_service_code_are_refused_with_the_reason(sqlite_app, sqlite_template, tmp_path):
    with kommun_system(sqlite_template, tmp_path / "kommun") as kommun:
        target = open311_target(kommun.endpoint, "not-the-key")
        first, _ = make_report()
        commit()
        run_job("handoff_send")
        refused = state_of(first)
        assert refused.state == "failed" and refused.error_kind == "refused"
        assert "403" in refused.error_detail and "api_key" in refused.error_detail
        _client, html = staff_page(sqlite_app, first)
        assert "Avvisades av det mottagande systemet" in html and "Sändningen misslyckades" in html
        _client, html = staff_page(sqlite_app, first, lang="en")
        assert "Refused by the receiving system" in html

        handoff.save_target(actor="test", name="Driftsystemet", method="open311", endpoint=kommun.endpoint,
                            api_key=kommun.key, service_codes={"littered": "finns-inte"}, target=target)
        second, _ = make_report()
        commit()
        run_job("handoff_send")
        unknown = state_of(second)
        assert unknown.state == "failed" and "404" in unknown.error_detail and "finns-inte" in unknown.error_detail
        with kommun.app.app_context():
            assert db.session.execute(db.select(db.func.count(Report.id))).scalar() == 0  # nothing stored there

        # Fixed here (the mapping), then sent again by an officer: it goes.
        handoff.save_target(actor="test", name="Driftsystemet", method="open311", endpoint=kommun.endpoint,
                            api_key=None, service_codes={}, target=target)
        commit()
        sqlite_app.config["JOBS_IN_WEB_PROCESS"] = False  # the worker below runs the job the button queues
        client, html = staff_page(sqlite_app, second)
        assert "Skicka igen" in html
        refused_post = client.post(f"/staff/handoff/reports/{second.id}/resend")
        assert refused_post.status_code in (302, 400)
        assert state_of(second).state == "failed"  # no CSRF token: nothing happened
        answer = client.post(f"/staff/handoff/reports/{second.id}/resend",
                             data={"csrf_token": form_token(client, f"/staff/reports/{second.id}")})
        assert answer.status_code == 302
        jobs.work(once=True, stale_seconds=60)
        again = state_of(second)
        assert again.state == "sent", (again.attempts, again.error_kind, again.error_detail)


def test_an_endpoint_that_is_down_is_tried_again_later_and_nothing_is_lost(sqlite_app, sqlite_template, tmp_path):
    port = free_port()
    open311_target(f"http://127.0.0.1:{port}/open311/v2/", "later")
    report, _ = make_report()
    commit()
    run_job("handoff_send")
    waiting = state_of(report)
    assert waiting.state == "waiting" and waiting.attempts == 1 and waiting.error_kind == "unreachable"
    assert handoff.due() == []  # not again at once: a minute later, then two, four …
    _client, html = staff_page(sqlite_app, report)
    assert "Väntar på att skickas" in html and "Det mottagande systemet svarade inte" in html

    with kommun_system(sqlite_template, tmp_path / "kommun", port=port) as kommun:
        target = handoff.target_by_name("Driftsystemet")
        handoff.save_target(actor="test", name=target.name, method="open311", endpoint=target.endpoint,
                            api_key=kommun.key, target=target)
        waiting.next_attempt_at = utcnow() - timedelta(seconds=1)  # the minute has passed
        commit()
        run_job("handoff_send")
        sent = state_of(report)
        assert sent.state == "sent" and sent.attempts == 2 and sent.error_kind == ""
        with kommun.app.app_context():
            assert lifecycle.report_by_reference(sent.external_id) is not None


def test_backoff_doubles_and_gives_up_with_the_reason(sqlite_app):
    assert [handoff.retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 7, 8)] == [1, 2, 4, 60, 60]
    open311_target(f"http://127.0.0.1:{free_port()}/open311/v2/", "k")
    report, _ = make_report()
    commit()
    handoff.queue_new_reports()
    last = state_of(report)
    last.attempts = handoff.MAX_ATTEMPTS - 1
    commit()
    assert handoff.send(last) == "failed"
    assert last.error_kind == "unreachable" and last.attempts == handoff.MAX_ATTEMPTS


def test_the_email_hand_off_is_a_structured_mail_through_the_outbox(sqlite_app):
    target = handoff.save_target(actor="test", name="Parkförvaltningen", method="email", email="drift@landskrona.se")
    department = db.session.execute(db.select(Category).where(Category.key == "littered")).scalar_one().department_code
    handoff.set_route(actor="test", department_code=department, target=target)
    lamp = Asset(kind_key="street_light", external_id="L-4711", lon=12.8296, lat=55.8703, attributes={}, source="t")
    db.session.add(lamp)
    commit()
    report, _ = make_report(description="Skräp överallt, ring mig på 0701234567")
    assets.link_report(report, lamp.id)
    commit()
    run_job("handoff_send")
    assert state_of(report).state == "sent"
    mails = [m for m in outbox_messages(sqlite_app.config["MAIL_OUTBOX_DIR"]) if m["To"] == "drift@landskrona.se"]
    assert len(mails) == 1
    body = mails[0].get_content()
    assert report.reference in mails[0]["Subject"] and report.reference in body
    assert "Nedskräpat" in mails[0]["Subject"] or "Nedskräp" in body
    assert "WGS 84" in body and "SWEREF 99 TM" in body and re.search(r"E \d{6}, N \d{7}", body)
    assert "Belysningsstolpe L-4711" in body and "Skräp överallt" in body
    assert "0701234567" not in body  # the public description: contact details masked
    run_job("handoff_send")  # once only
    assert len([m for m in outbox_messages(sqlite_app.config["MAIL_OUTBOX_DIR"]) if m["To"] == "drift@landskrona.se"]) == 1


def test_only_new_reports_of_routed_categories_go_and_a_category_can_stay_here(sqlite_app):
    old, _ = make_report()
    commit()
    target = handoff.save_target(actor="test", name="Drift", method="email", email="drift@landskrona.se")
    department = db.session.execute(db.select(Category).where(Category.key == "littered")).scalar_one().department_code
    handoff.set_route(actor="test", department_code=department, target=target)
    handoff.set_route(actor="test", category_key="graffiti", handled_here=True)
    commit()
    new, _ = make_report()
    graffiti, _ = make_report(category="graffiti")
    commit()
    assert handoff.queue_new_reports() == 1 + (graffiti.category.department_code != department)
    assert handoff.handoff_of(old) is None and handoff.handoff_of(graffiti) is None
    assert handoff.handoff_of(new).state == "waiting"


def test_the_admin_sets_targets_and_routes_on_the_settings_page(sqlite_app):
    client = sqlite_app.test_client()
    login(client, make_user("admin"))
    token = form_token(client, "/staff/handoff/")
    empty = client.post("/staff/handoff/", data={"csrf_token": token, "method": "open311"},
                        headers={"Accept-Language": "sv"})
    assert empty.status_code == 400 and "Ge det mottagande systemet ett namn" in empty.get_data(as_text=True)
    no_key = client.post("/staff/handoff/", data={"csrf_token": token, "name": "Drift", "method": "open311",
                                                  "endpoint": "https://drift.example.se/open311/v2/"})
    assert no_key.status_code == 400
    saved = client.post("/staff/handoff/", data={"csrf_token": token, "name": "Drift", "method": "open311",
                                                 "endpoint": "https://drift.example.se/open311/v2/",
                                                 "api_key": "hemlig-nyckel-123", "active": "y",
                                                 "service_codes": "littered=STR-01\ngraffiti=KLO"})
    assert saved.status_code == 302
    target = handoff.target_by_name("Drift")
    assert target.service_codes == {"littered": "STR-01", "graffiti": "KLO"} and target.api_key == "hemlig-nyckel-123"
    page = client.get("/staff/handoff/").get_data(as_text=True)
    assert "hemlig-nyckel-123" not in page and "STR-01" in page
    routed = client.post("/staff/handoff/routes", data={"csrf_token": token, "scope": "category:littered",
                                                        "target": f"target:{target.id}"})
    assert routed.status_code == 302
    assert handoff.route_for(category_id=db.session.execute(
        db.select(Category.id).where(Category.key == "littered")).scalar()).target.name == "Drift"
    edit = client.post(f"/staff/handoff/targets/{target.id}", data={
        "csrf_token": token, "name": "Drift", "method": "open311", "endpoint": "https://drift.example.se/open311/v2/",
        "service_codes": "", "active": "y"})
    assert edit.status_code == 302
    db.session.expire_all()
    assert target.api_key == "hemlig-nyckel-123" and target.service_codes == {}


def test_targets_and_routes_from_the_cli(sqlite_app):
    runner = sqlite_app.test_cli_runner()
    made = runner.invoke(args=["handoff", "target", "Drift", "--method", "open311", "--endpoint",
                               "https://drift.example.se/open311/v2", "--api-key", "k", "--service-code",
                               "littered=STR-01"])
    assert made.exit_code == 0, made.output
    routed = runner.invoke(args=["handoff", "route", "--category", "littered", "--target", "Drift"])
    assert routed.exit_code == 0, routed.output
    listed = runner.invoke(args=["handoff", "list"])
    assert "Drift" in listed.output and "open311" in listed.output
    bad = runner.invoke(args=["handoff", "route", "--category", "no-such", "--target", "Drift"])
    assert bad.exit_code != 0
    db.session.expire_all()
    assert handoff.target_by_name("Drift").endpoint == "https://drift.example.se/open311/v2/"


@contextmanager
def token_first_server():
    """Another vendor's GeoReport v2 server, as the specification allows it: a POST is answered with a token only,
    the id comes from tokens/<token>; a POST to /moved/ is redirected (never followed)."""
    posts = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _json(self, status, data):
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802 (the standard library's name)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path.startswith("/moved/"):
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:1/internal")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            posts.append(self.path)
            self._json(201, [{"token": "tok-1"}])

        def do_GET(self):  # noqa: N802
            if self.path.startswith("/v2/tokens/tok-1.json"):
                self._json(200, [{"service_request_id": "EXT-9", "token": "tok-1"}])
            elif self.path.startswith("/v2/requests.json"):
                self._json(200, [{"service_request_id": "EXT-9", "status": "closed", "status_notes": "Klart.",
                                  "updated_datetime": "2026-12-07T22:00:00+01:00"}])
            else:
                self._json(404, [{"code": 404, "description": "not found"}])

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", posts
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_a_token_answer_counts_as_sent_and_its_id_is_fetched_later_and_a_redirect_is_not_followed(sqlite_app):
    with token_first_server() as (base, posts):
        target = open311_target(f"{base}/v2/", "k")
        report, _ = make_report()
        commit()
        run_job("handoff_send")
        taken = state_of(report)
        assert taken.state == "sent" and taken.external_id == "" and taken.external_token == "tok-1"
        run_job("handoff_send")
        assert len(posts) == 1  # taken with a token: never posted again

        run_job("handoff_updates")
        assert state_of(report).external_id == "EXT-9"
        db.session.expire_all()
        assert report.status == ReportStatus.FIXED and report.history[-1].public_note == "Klart."

        handoff.save_target(actor="test", name=target.name, method="open311", endpoint=f"{base}/moved/", api_key="k", target=target)
        moved, _ = make_report()
        commit()
        run_job("handoff_send")
        waiting = state_of(moved)
        assert waiting.state == "waiting" and "redirect" in waiting.error_detail and len(posts) == 1


@pytest.mark.parametrize("endpoint", [
    "http://127.0.0.1:5099/open311/",          # this machine
    "https://127.0.0.1/latest/meta-data/iam#",  # and a fragment that would drop requests.json
    "https://169.254.169.254/open311/",        # a cloud's metadata service
    "https://10.1.2.3/open311/",               # the local network
    "https://localhost/open311/",              # a name for this machine
    "https://user:pw@example.org/open311/",    # credentials in the address
    "https://example.org/open311/?x=1",        # a query that would change what is asked
    "http://example.org/open311/",             # the key in clear text
])
def test_in_production_an_open311_target_must_be_an_https_address_on_the_internet(sqlite_app, endpoint):
    """Attack round 4, finding 3: an admin could point a target at 127.0.0.1 or 169.254.169.254, and a case
    officer's "send again" showed the answer on the report page (SSRF)."""
    sqlite_app.config["HANDOFF_ALLOW_LOCAL_ENDPOINTS"] = False
    with pytest.raises(InputRefused) as refused:
        handoff.save_target(actor="test", name="Inåt", method="open311", endpoint=endpoint, api_key="k")
    assert refused.value.field == "endpoint"
    # A target saved before the rule (or whose name now points inside) is never asked either.
    sqlite_app.config["HANDOFF_ALLOW_LOCAL_ENDPOINTS"] = True
    target = handoff.save_target(actor="test", name="Inåt", method="open311", endpoint=endpoint.split("#")[0].split("?")[0]
                                 if "@" not in endpoint else "http://127.0.0.1:9/open311/", api_key="k")
    sqlite_app.config["HANDOFF_ALLOW_LOCAL_ENDPOINTS"] = False
    if handoff.endpoint_problem(target.endpoint):
        assert handoff.poll_target(target) == 0


def test_a_changed_address_needs_the_key_again(sqlite_app):
    """Attack round 4, finding 4: changing only the address kept the stored key, which then went to the new one."""
    target = handoff.save_target(actor="test", name="Driftsystemet", method="open311",
                                 endpoint="http://127.0.0.1:9/open311/", api_key="hemlig")
    with pytest.raises(InputRefused) as refused:
        handoff.save_target(actor="test", name="Driftsystemet", method="open311",
                            endpoint="http://127.0.0.1:9/annat/", api_key=None, target=target)
    assert refused.value.field == "api_key"
    handoff.save_target(actor="test", name="Driftsystemet", method="open311",  # the same address: the key is kept
                        endpoint="http://127.0.0.1:9/open311", api_key=None, target=target, jurisdiction_id="lk")
    assert target.api_key == "hemlig"
