"""The operator's tools on SQLite and PostgreSQL: `flask users …` (a locked-out admin needs no SQL),
`flask categories …` / `flask departments …` (a kommun's own set from a file) and `flask campaigns import --queue`."""
import os
import re
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from tests.factories import form_token, login, make_user
from webapp.auth import services as accounts
from webapp.campaigns import services as campaigns
from webapp.extensions import db
from webapp.geo.models import District
from webapp.jobs.models import Job
from webapp.reports.models import Category, Department, Report

TESTBY_SET = Path(__file__).resolve().parent / "fixtures" / "testby" / "categories.toml"


def _logged_in(client) -> bool:
    return client.get("/staff/reports").status_code == 200


def _row(output: str, email: str) -> list[str]:
    return next(line.split() for line in output.splitlines() if line.startswith(email))


def test_users_list_disable_enable_and_set_role_end_sessions(app):
    runner = app.test_cli_runner()
    make_user("admin", email="chef@landskrona.se")
    officer = make_user("case_officer", email="handlaggare@landskrona.se", department="TS")
    browser = app.test_client()
    login(browser, officer)
    assert _logged_in(browser)

    listing = runner.invoke(args=["users", "list"])
    assert listing.exit_code == 0, listing.output
    assert listing.output.splitlines()[0].split() == ["E-MAIL", "ROLE", "DEPT", "ACTIVE", "2FA", "LAST", "LOGIN"]
    assert _row(listing.output, "chef@landskrona.se")[1:] == ["admin", "-", "yes", "on", "never"]
    officer_row = _row(listing.output, "handlaggare@landskrona.se")
    assert officer_row[1:5] == ["case_officer", "TS", "yes", "off"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", officer_row[5])  # logged in just now, in Swedish time

    result = runner.invoke(args=["users", "disable", "handlaggare@landskrona.se"])
    assert result.exit_code == 0 and "sessions have ended" in result.output
    assert not _logged_in(browser)
    assert accounts.authenticate("handlaggare@landskrona.se", "correct-horse-battery") is None
    assert _row(runner.invoke(args=["users", "list"]).output, "handlaggare@landskrona.se")[3] == "no"

    assert runner.invoke(args=["users", "enable", "handlaggare@landskrona.se"]).exit_code == 0
    login(browser, officer)
    assert _logged_in(browser)

    result = runner.invoke(args=["users", "set-role", "handlaggare@landskrona.se", "crew", "--department", "SB"])
    assert result.exit_code == 0, result.output
    assert "crew, SB" in result.output
    assert not _logged_in(browser)
    db.session.expire_all()
    assert (officer.role, officer.department_code) == ("crew", "SB")

    unknown = runner.invoke(args=["users", "set-role", "handlaggare@landskrona.se", "crew", "--department", "XYZ"])
    assert unknown.exit_code != 0 and "not one of the departments: KOM, SB, STA, TS" in unknown.output
    assert runner.invoke(args=["users", "disable", "nobody@landskrona.se"]).exit_code != 0


def test_reset_password_and_2fa_end_sessions_and_work_at_the_next_login(app):
    runner = app.test_cli_runner()
    make_user("admin", email="forste@landskrona.se")
    second = make_user("admin", email="andra@landskrona.se")
    browser = app.test_client()
    login(browser, second)
    assert _logged_in(browser)

    result = runner.invoke(args=["users", "reset-password", "andra@landskrona.se"])
    assert result.exit_code == 0, result.output
    password = re.search(r"One-time password for andra@landskrona.se \(shown only now\): (\S+)", result.output).group(1)
    assert not _logged_in(browser)
    assert accounts.authenticate("andra@landskrona.se", "correct-horse-battery") is None
    assert accounts.authenticate("andra@landskrona.se", password) is not None
    # The one-time password opens only the page where they choose their own.
    response = login(browser, second, password=password)
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/account/password")
    assert browser.get("/staff/admin/users").headers["Location"].endswith("/staff/account/password")
    token = form_token(browser, "/staff/account/password")
    same = browser.post("/staff/account/password", data={"csrf_token": token, "current_password": password,
                                                          "password": password, "confirm": password})
    assert same.status_code == 400
    chosen = browser.post("/staff/account/password", data={
        "csrf_token": token, "current_password": password, "password": "mitt-eget-losenord",
        "confirm": "mitt-eget-losenord"})
    assert chosen.status_code == 302
    assert browser.get("/staff/admin/users").status_code == 200
    assert accounts.authenticate("andra@landskrona.se", "mitt-eget-losenord") is not None
    assert accounts.authenticate("andra@landskrona.se", password) is None

    typed = runner.invoke(args=["users", "reset-password", "andra@landskrona.se", "--prompt"],
                          input="ett-eget-losenord\nett-eget-losenord\n")
    assert typed.exit_code == 0 and "ett-eget-losenord" not in typed.output
    assert accounts.authenticate("andra@landskrona.se", "ett-eget-losenord") is not None
    short = runner.invoke(args=["users", "reset-password", "andra@landskrona.se", "--prompt"], input="kort\nkort\n")
    assert short.exit_code != 0 and "minst 10 tecken" in short.output  # the CLI speaks the default language

    login(browser, second, password="ett-eget-losenord")
    assert _logged_in(browser)
    result = runner.invoke(args=["users", "reset-2fa", "andra@landskrona.se"])
    assert result.exit_code == 0, result.output
    assert not _logged_in(browser)
    db.session.expire_all()
    assert not second.totp_enabled and second.totp_secret is None and second.recovery_codes == []
    # The next login goes to the enrolment, not to the code of the lost phone.
    response = login(browser, second, password="ett-eget-losenord")
    assert response.status_code == 302 and "/staff/account/2fa" in response.headers["Location"]
    assert "off" == _row(runner.invoke(args=["users", "list"]).output, "andra@landskrona.se")[4]


def test_the_last_active_admin_cannot_be_disabled_or_demoted(app):
    runner = app.test_cli_runner()
    admin = make_user("admin", email="ensam@landskrona.se")
    for args in (["users", "disable", "ensam@landskrona.se"], ["users", "set-role", "ensam@landskrona.se", "crew"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and "sista aktiva administratören" in result.output
    db.session.expire_all()
    assert admin.active and admin.role == "admin"
    make_user("admin", email="ny-chef@landskrona.se")
    assert runner.invoke(args=["users", "set-role", "ensam@landskrona.se", "case_officer"]).exit_code == 0
    assert runner.invoke(args=["users", "disable", "ny-chef@landskrona.se"]).exit_code != 0


def test_a_kommun_loads_its_departments_and_categories_from_a_file_twice(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["categories", "load", str(TESTBY_SET)])
    assert first.exit_code == 0, first.output
    assert "departments: 2 created, 0 updated, 0 unchanged" in first.output
    assert "categories: 4 created, 0 updated, 0 unchanged" in first.output
    counts = (db.session.execute(select(func.count()).select_from(Category)).scalar_one(),
              db.session.execute(select(func.count()).select_from(Department)).scalar_one())
    again = runner.invoke(args=["categories", "load", str(TESTBY_SET)])
    assert again.exit_code == 0, again.output
    assert "departments: 0 created, 0 updated, 2 unchanged" in again.output
    assert "categories: 0 created, 0 updated, 4 unchanged" in again.output
    assert counts == (db.session.execute(select(func.count()).select_from(Category)).scalar_one(),
                      db.session.execute(select(func.count()).select_from(Department)).scalar_one())
    pothole = db.session.execute(select(Category).where(Category.key == "testby_pothole")).scalar_one()
    assert pothole.names["ar"] == "حفرة في الطريق" and pothole.department_code == "GATA"
    assert pothole.default_priority == "high" and pothole.notice["sv"] == "Fara för liv? Ring 112."
    listing = runner.invoke(args=["categories", "list"]).output
    assert re.search(r"testby_pothole\s+fault\s+GATA\s+active\s+Potthål", listing)
    # The departments are the database's: a new one is a choice for an account at once.
    assert "GATA" in runner.invoke(args=["departments", "list"]).output
    created = runner.invoke(args=["users", "create", "--email", "gata@testby.example", "--role", "crew",
                                  "--department", "GATA", "--password", "ett-langt-losenord"])
    assert created.exit_code == 0, created.output
    assert accounts.user_by_email("gata@testby.example").department_code == "GATA"


def test_a_changed_file_updates_in_place_and_a_bad_one_writes_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["categories", "load", str(TESTBY_SET)])
    changed = tmp_path / "changed.json"
    changed.write_text('{"categories": [{"key": "testby_bench", "names": {"sv": "Trasig parkbänk"}}]}',
                       encoding="utf-8")
    result = runner.invoke(args=["categories", "load", str(changed)])
    assert result.exit_code != 0 and "testby_bench" in result.output and "Texten på en saknas" in result.output
    changed.write_text('{"categories": [{"key": "testby_bench", "names": {"sv": "Trasig parkbänk", "en": "Broken '
                       'park bench"}}]}', encoding="utf-8")
    result = runner.invoke(args=["categories", "load", str(changed)])
    assert "categories: 0 created, 1 updated, 0 unchanged" in result.output, result.output
    bench = db.session.execute(select(Category).where(Category.key == "testby_bench")).scalar_one()
    assert bench.names == {"sv": "Trasig parkbänk", "en": "Broken park bench", "ar": "مقعد مكسور"}

    bad = tmp_path / "bad.toml"
    bad.write_text('[[departments]]\ncode = "NY"\nnames = { sv = "Ny förvaltning" }\n\n'
                   '[[categories]]\nkey = "ny_sak"\nkind = "fault"\nicon = "no-such-icon"\n'
                   'names = { sv = "Ny", en = "New" }\n', encoding="utf-8")
    result = runner.invoke(args=["categories", "load", str(bad)])
    assert result.exit_code != 0 and "categories #1 (ny_sak), icon" in result.output
    db.session.expire_all()
    assert db.session.get(Department, "NY") is None  # all or nothing


def test_categories_add_and_retire_from_the_cli(app):
    runner = app.test_cli_runner()
    added = runner.invoke(args=["categories", "add", "broken_sign", "--kind", "fault", "--name-sv", "Trasig skylt",
                                "--name-en", "Broken sign", "--name-ar", "لافتة مكسورة", "--icon", "other",
                                "--department", "TS"])
    assert added.exit_code == 0, added.output
    assert runner.invoke(args=["categories", "add", "broken_sign", "--kind", "fault", "--name-sv", "X",
                               "--name-en", "X", "--icon", "other"]).exit_code != 0
    retired = runner.invoke(args=["categories", "retire", "broken_sign"])
    assert retired.exit_code == 0 and "0 reports keep it" in retired.output
    assert re.search(r"broken_sign\s+fault\s+TS\s+retired", runner.invoke(args=["categories", "list"]).output)


def test_campaigns_import_queue_leaves_the_import_to_a_worker(app):
    campaign = campaigns.save_campaign(campaigns.CampaignInput(
        name="Instagramvecka", slug="insta", kind="instagram_week", starts_on=date(2026, 1, 1),
        ends_on=date(2026, 1, 31), district_ids=[db.session.execute(select(District.id)).scalars().first()]),
        "kom@landskrona.se")
    csv = Path(app.instance_path) / "poster.csv"
    csv.write_text("caption,posted_at,url,lat,lon\n"
                   "Skräp vid bänken,2026-01-02T10:00:00+01:00,https://i.example/1,55.8705,12.8330\n"
                   "Klotter på muren,2026-01-03T10:00:00+01:00,https://i.example/2,55.8710,12.8340\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["campaigns", "import", "insta", str(csv), "--queue"])
    assert result.exit_code == 0, result.output
    job_id = int(re.search(r"Queued job (\d+)", result.output).group(1))
    assert "flask jobs list" in result.output
    assert db.session.execute(select(func.count(Report.id)).where(Report.campaign_id == campaign.id)).scalar_one() == 0
    job = db.session.get(Job, job_id)
    assert (job.kind, job.status, job.total) == ("campaign_import", "queued", 2)
    assert re.search(rf"^\s*{job_id} campaign_import\s+queued", runner.invoke(args=["jobs", "list"]).output, re.M)

    worked = runner.invoke(args=["jobs", "work", "--once"])
    assert worked.exit_code == 0, worked.output
    db.session.expire_all()
    assert db.session.get(Job, job_id).status == "done"
    assert db.session.execute(select(func.count(Report.id)).where(Report.campaign_id == campaign.id)).scalar_one() == 2
    assert os.path.isdir(os.path.join(app.instance_path, "imports"))


def test_odd_files_are_refused_with_a_message_never_a_traceback(app, tmp_path):
    runner = app.test_cli_runner()
    odd = [
        "not json at all",
        '{"categories": {"key": "x"}}',
        '{"categories": ["just text"]}',
        '{"categories": [{"key": 7, "kind": "fault"}]}',
        '{"categories": [{"key": "x", "kind": ["fault"], "icon": "other", "names": {"sv": "X", "en": "X"}}]}',
        '{"categories": [{"key": "x", "kind": "fault", "icon": "other", "names": "X"}]}',
        '{"categories": [{"key": "x", "kind": "fault", "icon": "other", "names": {"sv": 1, "en": "X"}}]}',
        '{"categories": [{"key": "x", "kind": "fault", "icon": "other", "names": {"sv": "X", "en": "X", "fi": "X"}}]}',
        '{"categories": [{"key": "x", "kind": "fault", "icon": "other", "names": {"sv": "X", "en": "X"}, '
        '"sort_order": "first"}]}',
        '{"categories": [{"key": "x", "kind": "fault", "icon": "other", "names": {"sv": "X", "en": "X"}, '
        '"duplicate_radius_m": 1e9}]}',
        '{"categories": [{"key": "x", "kind": "fault", "icon": "other", "names": {"sv": "X", "en": "X"}, '
        '"department": "NOPE"}]}',
        '{"categories": [{"key": "x", "kind": "fault", "icon": "other", "names": {"sv": "X", "en": "X"}, '
        '"work_kind": "juggling"}]}',
        '{"categories": [{"key": "x", "kind": "fault", "icon": "../../etc/passwd", "names": {"sv": "X", "en": "X"}}]}',
        '{"departments": [{"code": "a b c", "names": {"sv": "X"}}]}',
        '{"departments": [{"code": "OK", "names": {"en": "No Swedish"}}]}',
        '{"departments": [{"code": ["OK"], "names": {"sv": "X"}}]}',
        '{"reports": []}',
    ]
    before = db.session.execute(select(func.count()).select_from(Category)).scalar_one()
    for number, text in enumerate(odd):
        path = tmp_path / f"odd{number}.json"
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(args=["categories", "load", str(path)])
        assert result.exit_code == 1 and result.output.startswith("Error: "), (text, result.output, result.exception)
    assert db.session.execute(select(func.count()).select_from(Category)).scalar_one() == before
