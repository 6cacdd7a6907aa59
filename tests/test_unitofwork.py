"""One commit per request, CLI command and job step (issue 25.1): services flush, the boundary commits; a step that
fails after an earlier one changed something leaves nothing behind, and a commit the database refuses is the 503."""
import io
import re
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from tests.conftest import csrf_token
from tests.factories import CENTRUM, PASSWORD, image_bytes, make_user, stored_files
from webapp import audit, unitofwork
from webapp.audit import AuditEvent
from webapp.auth import apikeys
from webapp.extensions import db
from webapp.mail import outbox_messages
from webapp.reports.models import Report

ROOT = Path(__file__).resolve().parents[1]
# The boundaries: the request and the CLI command (webapp/unitofwork.py) and the job step (the worker in
# webapp/jobs/services.py: claim, each step, finish, its heartbeat row). Nothing else commits.
BOUNDARY = {ROOT / "webapp" / "unitofwork.py", ROOT / "webapp" / "jobs" / "services.py"}


def commits_outside_the_boundary() -> list[str]:
    found = []
    for path in sorted((ROOT / "webapp").rglob("*.py")):
        if path in BOUNDARY:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"\.commit\(", line.split("#")[0]):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_nothing_outside_the_request_command_and_job_boundary_commits():
    found = commits_outside_the_boundary()
    assert found == [], "services flush, the boundary commits (webapp/unitofwork.py):\n" + "\n".join(found)


def report_count() -> int:
    return db.session.execute(select(func.count(Report.id))).scalar_one()


def report_form(client, **extra):
    return {"csrf_token": csrf_token(client), "category": "littered", "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0]),
            "description": "Skräp vid bänkarna", "email": "boende@example.org",
            "photos": [(io.BytesIO(image_bytes(gps=CENTRUM)), "p.jpg")], **extra}


def test_a_step_failing_after_the_report_was_stored_leaves_no_report_no_photo_and_no_mail(web, monkeypatch):
    app = web.application
    from webapp.reports import notify

    def broken_receipt(report, token):
        raise RuntimeError("the receipt could not be written")

    monkeypatch.setattr(notify, "receipt", broken_receipt)
    response = web.post("/", data=report_form(web), content_type="multipart/form-data")
    assert response.status_code == 500
    assert report_count() == 0
    assert stored_files() == []
    assert outbox_messages(app.config["MAIL_OUTBOX_DIR"]) == []


def test_open311_stores_the_report_with_its_client_and_token_at_once_or_not_at_all(web, monkeypatch):
    key = apikeys.create_key("FixMyStreet", "test")[1]
    db.session.commit()
    from webapp.reports import notify

    def broken_receipt(report, token):  # after the report, its client and its token were set
        raise RuntimeError("the receipt could not be written")

    monkeypatch.setattr(notify, "receipt", broken_receipt)
    response = web.post("/open311/v2/requests.json", content_type="multipart/form-data", data={
        "api_key": key, "service_code": "littered", "lat": str(CENTRUM[1]), "long": str(CENTRUM[0]),
        "description": "Skräp", "media": (io.BytesIO(image_bytes(gps=CENTRUM)), "p.jpg")})
    assert response.status_code == 500
    assert report_count() == 0 and stored_files() == []


def test_a_commit_the_database_refuses_is_the_503_and_nothing_is_kept(web, monkeypatch):
    def refused():
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    form = report_form(web)
    monkeypatch.setattr(unitofwork.db.session, "commit", refused)
    response = web.post("/", data=form, content_type="multipart/form-data", headers={"Accept-Language": "en"})
    monkeypatch.undo()
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "Nothing you sent was saved" in response.get_data(as_text=True)
    assert report_count() == 0 and stored_files() == []


def test_a_busy_database_at_the_commit_asks_to_come_back_in_a_moment_in_json(web, monkeypatch):
    def busy():
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(unitofwork.db.session, "commit", busy)
    response = web.get("/api/v1/categories", headers={"Accept-Language": "en"})
    monkeypatch.undo()
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "very busy" in response.get_json()["error"]


def test_a_login_whose_commit_fails_logs_nobody_in(web, monkeypatch):
    user = make_user("case_officer")

    def refused():
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    token = csrf_token(web, "/staff/login")
    monkeypatch.setattr(unitofwork.db.session, "commit", refused)
    response = web.post("/staff/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    monkeypatch.undo()
    assert response.status_code == 503
    assert web.get("/staff/login").status_code == 200  # still the login form: not signed in
    assert web.get("/staff/reports").status_code == 302


def test_a_command_commits_once_at_its_end_and_keeps_nothing_when_it_fails(sqlite_app):
    group = AppGroup("uowtest")

    @group.command("ok")
    def ok():
        audit.record("test", 0, "kept", "cli")

    @group.command("fails")
    def fails():
        audit.record("test", 0, "dropped", "cli")
        raise click.ClickException("refused")

    unitofwork.commit_each_command(group)
    sqlite_app.cli.add_command(group)
    runner = sqlite_app.test_cli_runner()
    assert runner.invoke(args=["uowtest", "ok"]).exit_code == 0
    assert runner.invoke(args=["uowtest", "fails"]).exit_code != 0
    db.session.rollback()  # look from a fresh transaction
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.entity == "test")).scalars().all()
    assert actions == ["kept"]
