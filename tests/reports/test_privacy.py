"""Reporters' contact data is erased 12 months after closing while the statistics stay; and everything stored
about an e-mail address can be exported for its owner."""
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from tests.factories import image_bytes, make_report, make_user
from webapp.extensions import db
from webapp.reports.lifecycle import ask_reporter, set_status
from webapp.reports.models import Report, StatusChange
from webapp.reports.privacy import run_retention, subject_export

TODAY = date(2026, 11, 24)


def closed_on(report, when: datetime, status="fixed"):
    """Close the report as if it had been received a week before `when` and closed on `when`."""
    set_status(report, status, actor="handlaggare@landskrona.se", expected_version=report.version)
    changes = db.session.execute(select(StatusChange).where(StatusChange.report_id == report.id)
                                 .order_by(StatusChange.id)).scalars().all()
    for change in changes[:-1]:
        change.created_at = when - timedelta(days=7)
    changes[-1].created_at = when
    db.session.commit()


def test_contact_data_is_erased_a_year_after_closing_and_statistics_stay(app):
    old, _ = make_report(email="gammal@example.org")
    recent, _ = make_report(email="ny@example.org")
    still_open, _ = make_report(email="oppen@example.org")
    ask_reporter(old, "Var exakt?", "handlaggare@landskrona.se")
    old.reporter_name, old.reporter_phone = "Anna A", "0701234567"
    db.session.commit()
    closed_on(old, datetime(2025, 10, 1, tzinfo=timezone.utc))
    closed_on(recent, datetime(2026, 1, 10, tzinfo=timezone.utc))
    before = db.session.execute(select(Report.category_id, Report.status, Report.lat).order_by(Report.id)).all()

    dry = run_retention(months=12, today=TODAY, dry_run=True)
    assert dry.reports == 1 and db.session.get(Report, old.id).reporter_email == "gammal@example.org"

    result = run_retention(months=12, today=TODAY)
    assert result.reports == 1
    db.session.expire_all()
    erased = db.session.get(Report, old.id)
    assert (erased.reporter_email, erased.reporter_name, erased.reporter_phone) == (None, None, None)
    assert db.session.get(Report, recent.id).reporter_email == "ny@example.org"
    assert db.session.get(Report, still_open.id).reporter_email == "oppen@example.org"
    after = db.session.execute(select(Report.category_id, Report.status, Report.lat).order_by(Report.id)).all()
    assert after == before and db.session.execute(select(func.count(Report.id))).scalar_one() == 3
    assert run_retention(months=12, today=TODAY).reports == 0  # nothing left to erase


def test_retention_from_the_cli_and_old_outbox_mails(app, tmp_path):
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    old_mail = outbox / "old.eml"
    old_mail.write_text("To: x@example.org\n\nHej")
    import os

    stamp = datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp()
    os.utime(old_mail, (stamp, stamp))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert "Would erase" in dry.output and "1 kept outgoing mails" in dry.output and old_mail.exists()
    done = runner.invoke(args=["retention", "run", "--months", "12"])
    assert done.exit_code == 0 and "Erased" in done.output and not old_mail.exists()
    assert runner.invoke(args=["retention", "run", "--months", "0"]).exit_code != 0


def test_subject_export_holds_everything_about_an_address_and_nothing_else(app, tmp_path):
    mine, token = make_report(email="Boende@Example.org", photos=[image_bytes()], description="Skräp vid min port")
    make_report(email="annan@example.org", description="Någon annans")
    ask_reporter(mine, "Vilken port?", "handlaggare@landskrona.se")
    from webapp.mail import send_mail

    with app.test_request_context():
        send_mail("boende@example.org", "Din rapport", "Tack!")
        send_mail("annan@example.org", "Din rapport", "Tack!")
        db.session.commit()  # the request's commit: the mails go after it
    data = subject_export("boende@example.org", app.config["MAIL_OUTBOX_DIR"])
    assert [r["reference"] for r in data["reports"]] == [mine.reference]
    report = data["reports"][0]
    assert report["description"] == "Skräp vid min port" and report["contact"]["email"] == "boende@example.org"
    assert len(report["photos"]) == 1 and report["questions"][0]["question"] == "Vilken port?"
    assert len(data["mails"]) == 1 and "Någon annans" not in json.dumps(data, ensure_ascii=False)
    assert data["staff_account"] is None

    officer = make_user("case_officer", email="handlaggare@landskrona.se")
    staff = subject_export(officer.email)
    assert staff["staff_account"]["role"] == "case_officer"
    assert [a["action"] for a in staff["staff_account"]["actions"]] == ["question_asked"]  # what they did
    out = tmp_path / "export.json"
    result = app.test_cli_runner().invoke(args=["privacy", "export", "boende@example.org", "--out", str(out)])
    assert result.exit_code == 0 and json.loads(out.read_text())["reports"][0]["reference"] == mine.reference
    assert out.stat().st_mode & 0o777 == 0o600  # a person's address and reports: the owner's only
