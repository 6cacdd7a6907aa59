"""The demo data a fresh `make run` loads, and its CLI."""
import re

import pytest
from sqlalchemy import func, select

from webapp.campaigns.models import SafetyAudit
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.reports.models import Photo, Report
from webapp.reports.status import STATUS_LABELS


@pytest.mark.slow  # loads the demo: hundreds of reports and a safety walk
def test_demo_load_fills_an_empty_database_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load", "--reports", "80", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Loaded 80 demo reports" in result.output
    walk = int(re.search(r"and (\d+) from a safety walk", result.output).group(1))
    assert walk > 100
    again = runner.invoke(args=["demo", "load", "--reports", "80", "--if-empty"])
    assert "already has reports" in again.output
    assert db.session.execute(select(func.count(Report.id))).scalar_one() == 80 + walk


@pytest.mark.slow  # loads the demo: hundreds of reports and a safety walk
def test_demo_reports_are_plausible(app):
    app.test_cli_runner().invoke(args=["demo", "load", "--reports", "120"])
    # The safety walk's reports (tagged with a group or an audit) are the walk's own story, checked below.
    reports = db.session.execute(select(Report).where(Report.id.not_in(select(SafetyAudit.report_id)),
                                                      Report.group_id.is_(None))).scalars().all()
    assert all(geo.is_in_kommun(r.lon, r.lat) for r in reports)
    assert all(r.district is not None for r in reports)
    years = {r.created_at.year for r in reports}
    assert years <= {2018, 2019} and len(years) == 2
    assert len({r.category_id for r in reports}) >= 8
    assert len({r.status for r in reports}) >= 3 and {r.status for r in reports} <= set(STATUS_LABELS)
    assert {r.time_of_day for r in reports if r.category.is_safety} >= {"day", "evening", "night"}
    assert sum(1 for r in reports if r.district.name == "Centrum/Öster") > len(reports) / 3
    # Reference numbers grow with time, as in a real register.
    ordered = sorted(reports, key=lambda r: r.id)
    assert [r.created_at for r in ordered] == sorted(r.created_at for r in ordered)
    assert db.session.execute(select(func.count(Photo.id))).scalar_one() > 0


@pytest.mark.slow  # loads the demo: hundreds of reports and a safety walk
def test_demo_safety_walk_with_two_school_classes(app):
    """The story issue 9 asks for: gender/age answers, two classes, an audit, a published protocol."""
    from webapp.campaigns import services as campaigns
    from webapp.campaigns import walks
    from webapp.insights import services as insights

    app.test_cli_runner().invoke(args=["demo", "load", "--reports", "40"])
    baseline, follow_up = campaigns.by_slug("trygghetsvandring-2018"), campaigns.by_slug("trygghetsvandring")
    assert follow_up.follows_id == baseline.id and baseline.uses_audit and follow_up.asks_demographics
    assert [g.kind for g in walks.groups_for(baseline)] == ["school_class", "school_class"]
    assert walks.participation(baseline)["in_groups"] == 50
    published = walks.walks_for(baseline, published_only=True)
    assert len(published) == 1 and all(p.decision for p in published[0].points)
    women = insights.grid(insights.Selection(gender="woman", campaign=baseline.id), 100)
    assert women.cells and all(c["count"] >= 5 for c in women.cells)
    compared = walks.compare_scores(baseline, follow_up)
    assert compared["after"]["score"] > compared["before"]["score"]


@pytest.mark.slow  # loads the demo: hundreds of reports and a safety walk
def test_demo_citizen_dialogue_2018_and_its_2019_promise(app):
    """Issue 27.2: a finished 2018 dialogue with its representation and the 2019 promise, marked as invented."""
    from webapp.campaigns import dialogue
    from webapp.campaigns import services as campaigns

    app.test_cli_runner().invoke(args=["demo", "load", "--reports", "20"])
    held = campaigns.by_slug("medborgardialog-2018")
    assert held.kind == "dialogue" and held.ends_on.year == 2018 and "påhittad" in held.name
    seen = dialogue.representation(held)
    assert seen["respondents"] > 40 and seen["meeting"] > 0 and not seen["too_small"]
    assert seen["population"].invented and {g["key"] for g in seen["under_represented"]} & {"16-24", "rental", "man"}
    follow = dialogue.follow_up(2018)
    assert follow["held"] and follow["promise"].year == 2019 and follow["promise"].created_by == "demo"
    assert follow["dialogues"][0]["broad"] is False and len(follow["promise"].actions) == 3


@pytest.mark.slow  # loads the demo: hundreds of reports and a safety walk
def test_demo_logins_cover_every_role_and_work(app):
    from devdata.demo import DEMO_PASSWORD
    from webapp.auth import services as accounts
    from webapp.auth.roles import ROLES

    runner = app.test_cli_runner()
    assert "No demo staff accounts" in runner.invoke(args=["demo", "logins"]).output
    runner.invoke(args=["demo", "load", "--reports", "30"])
    output = runner.invoke(args=["demo", "logins"]).output
    emails = [line.split()[1] for line in output.splitlines()[1:]]
    assert {line.split()[0] for line in output.splitlines()[1:]} == set(ROLES)
    assert all(accounts.authenticate(email, DEMO_PASSWORD) for email in emails)
    assert "2FA key" in output  # the demo admin is already enrolled


def test_users_create_from_the_cli(app):
    from webapp.auth import services as accounts

    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "Ny@Landskrona.se", "--name", "Ny Person",
                                 "--role", "case_officer", "--department", "SB", "--password", "ett-langt-losen"])
    assert result.exit_code == 0, result.output
    user = accounts.authenticate("ny@landskrona.se", "ett-langt-losen")
    assert user.role == "case_officer" and user.department_code == "SB"
    weak = runner.invoke(args=["users", "create", "--email", "b@landskrona.se", "--role", "crew", "--password", "kort"])
    assert weak.exit_code != 0 and "minst 10 tecken" in weak.output  # the CLI speaks the default language


def test_open311_key_from_the_cli(app):
    from webapp.auth.apikeys import client_for_key

    result = app.test_cli_runner().invoke(args=["open311", "create-key", "--name", "Felanmälan-app"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().rsplit(" ", 1)[1]
    assert client_for_key(key).name == "Felanmälan-app"
    again = app.test_cli_runner().invoke(args=["open311", "create-key", "--name", "Felanmälan-app"])
    assert again.exit_code != 0


def test_campaign_import_from_the_cli(app, tmp_path):
    from datetime import date

    from webapp.campaigns.services import CampaignInput, save_campaign
    from webapp.geo.services import district_locator

    save_campaign(CampaignInput(name="Insta", slug="insta", kind="instagram_week", starts_on=date(2018, 2, 1),
                                ends_on=date(2018, 3, 1), district_ids=[district_locator().areas[0].id]), "t")
    path = tmp_path / "posts.csv"
    path.write_text("caption,posted_at,lat,lon\nSkräp,2018-02-20T10:00:00+01:00,55.8706,12.8302\nTrasig,nej,,\n")
    result = app.test_cli_runner().invoke(args=["campaigns", "import", "insta", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 1 (0 need a place), skipped 0, 1 rows with errors." in result.output and "line 3" in result.output


def test_export_from_the_cli_into_dated_files(app, tmp_path):
    import json as _json

    from tests.factories import make_report

    make_report(category="dark_unsafe", time_of_day="night")
    make_report(category="littered")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export", "points", "--format", "geojson", "--category", "dark_unsafe",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = list(tmp_path.glob("*_trygghetskartan-points.geojson"))
    assert len(written) == 1 and len(_json.loads(written[0].read_text())["features"]) == 1
    assert runner.invoke(args=["export", "heatmap", "--out", str(tmp_path)]).exit_code == 0
    assert list(tmp_path.glob("*_trygghetskartan-heatmap-100m.png"))
    refused = runner.invoke(args=["export", "cells", "--format", "png", "--out", str(tmp_path)])
    assert refused.exit_code != 0 and "cells kan inte exporteras som png" in refused.output
    assert runner.invoke(args=["export", "points", "--district", "Atlantis", "--out", str(tmp_path)]).exit_code != 0


def test_bench_generate_makes_plausible_reports_fast(app):
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.geo import services as geo
    from webapp.reports.models import Report, StatusChange

    result = app.test_cli_runner().invoke(args=["bench", "generate", "--reports", "600"])
    assert result.exit_code == 0, result.output
    reports = db.session.execute(select(Report)).scalars().all()
    assert len(reports) == 600
    assert all(geo.is_in_kommun(r.lon, r.lat) for r in reports)
    assert sum(1 for r in reports if r.district_id) > 550
    assert len({r.status for r in reports}) >= 6 and len({r.category_id for r in reports}) >= 10
    assert len({r.created_at.year for r in reports}) >= 8
    assert db.session.execute(select(func.count(StatusChange.id))).scalar_one() > 600
    assert len({r.reference for r in reports}) == 600
    # The bulk loader sets each report's heat-map cell itself (a Core insert): the same cell the ORM would.
    from webapp.geo.services import cell_of

    assert all((r.cell_e, r.cell_n) == cell_of(r.lon, r.lat) for r in reports)


def test_the_running_app_never_imports_the_demo_or_bench_data():
    """devdata/ is for the CLI's demo and bench commands (inside the command), bench/ and tests, not the app."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "webapp"
    found = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside_functions = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                            for n in ast.walk(f)}
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "devdata" or n.startswith("devdata.") for n in names):
                if not (path.name == "cli.py" and path.parent == root and id(node) in inside_functions):
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
    assert not (root / "demo.py").exists() and not (root / "benchdata.py").exists()
