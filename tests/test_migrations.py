"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
import ast
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from webapp.extensions import db
from webapp.reports.models import Category

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


def test_no_migration_imports_the_live_app():
    """A migration freezes what it needs: a later change to webapp/ must not change what an old migration does."""
    files = sorted(MIGRATIONS.glob("*.py"))
    assert files
    offenders = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}:{node.lineno} {name}" for name in names
                          if name == "webapp" or name.startswith("webapp.")]
    assert offenders == []


def test_migrated_schema_matches_models(app):
    with db.engine.connect() as connection:
        from webapp.reports.spatial import include_object

        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                              "include_object": include_object})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_seed_the_programme_categories(app):
    keys = set(db.session.execute(select(Category.key)).scalars())
    assert {"dark_unsafe", "littered", "poorly_maintained", "feels_safe", "street_light", "graffiti",
            "vandalism", "litter_bin", "vegetation", "other"} <= keys


def test_downgrade_to_empty_and_up_again(app):
    db.session.remove()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert "report" in inspect(db.engine).get_table_names()


def test_upgrading_keeps_existing_reports_with_their_photos_history_and_supporters(app):
    """Later migrations rebuild the report table (batch mode on SQLite); nothing hanging off it may be lost."""
    from sqlalchemy import func, text

    from webapp.reports.models import Photo, StatusChange, Support

    db.session.remove()
    downgrade(revision="0002")
    with db.engine.begin() as conn:
        category = conn.execute(text("SELECT id FROM category WHERE key = 'littered'")).scalar_one()
        conn.execute(text(
            "INSERT INTO report (id, reference, token_hash, category_id, description, lat, lon, location_text, locale,"
            " source, status, support_count, hidden, created_at, updated_at)"
            " VALUES (1, 'LK-2018-000001', 'h', :c, 'Skräp', 55.87, 12.83, '', 'sv', 'web', 'received', 1, false,"
            " '2018-02-01 10:00:00', '2018-02-01 10:00:00')"), {"c": category})
        conn.execute(text("INSERT INTO status_change (report_id, to_status, public_note, actor, created_at)"
                          " VALUES (1, 'received', '', 'resident', '2018-02-01 10:00:00')"))
        conn.execute(text("INSERT INTO photo (report_id, stem, width, height, moderation, created_at)"
                          " VALUES (1, 'abc', 10, 10, 'approved', '2018-02-01 10:00:00')"))
        conn.execute(text("INSERT INTO support (report_id, supporter_key, created_at)"
                          " VALUES (1, 'k', '2018-02-01 10:00:00')"))
    upgrade()
    for model in (StatusChange, Photo, Support):
        assert db.session.execute(select(func.count()).select_from(model)).scalar_one() == 1, model.__name__
    assert db.session.execute(text("SELECT version FROM report WHERE id = 1")).scalar_one() == 1
    # The upgraded report is in the spatial index, and the map API finds it through it.
    client = app.test_client()
    found = client.get("/api/v1/reports?bbox=12.82,55.86,12.84,55.88").get_json()
    assert [f["properties"]["reference"] for f in found["features"]] == ["LK-2018-000001"]


def test_spatial_index_follows_new_moved_and_deleted_reports(app):
    from tests.factories import CENTRUM, KARLSLUND, make_report
    from webapp.reports.public import public_reports_in_bbox

    def box(point, d=0.002):
        return point[0] - d, point[1] - d, point[0] + d, point[1] + d

    report, _ = make_report(at=CENTRUM)
    assert [r.id for r in public_reports_in_bbox(*box(CENTRUM), limit=10)[0]] == [report.id]
    report.lon, report.lat = KARLSLUND
    db.session.commit()
    assert public_reports_in_bbox(*box(CENTRUM), limit=10)[0] == []
    assert [r.id for r in public_reports_in_bbox(*box(KARLSLUND), limit=10)[0]] == [report.id]
    db.session.delete(report)
    db.session.commit()
    assert public_reports_in_bbox(*box(KARLSLUND), limit=10)[0] == []


def test_yearly_heat_counts_are_filled_by_0021_and_its_downgrade_leaves_working_triggers(app):
    """0021 counts the reports already there per cell and year; below it the other counts go on being kept."""
    from datetime import datetime, timezone

    from sqlalchemy import text

    from tests.factories import CENTRUM, KARLSLUND, make_report
    from webapp.geo.services import cell_of

    make_report(at=CENTRUM, created_at=datetime(2019, 5, 1, tzinfo=timezone.utc))
    db.session.remove()
    downgrade(revision="0020")
    assert "heat_cell_year" not in inspect(db.engine).get_table_names()
    make_report(at=KARLSLUND, created_at=datetime(2020, 5, 1, tzinfo=timezone.utc))  # the triggers still work
    assert db.session.execute(text("SELECT sum(n) FROM heat_cell_month")).scalar_one() == 2
    db.session.remove()
    upgrade()
    years = db.session.execute(text("SELECT year, ce, cn, n FROM heat_cell_year ORDER BY year")).all()
    assert [tuple(row) for row in years] == [(2019, *cell_of(*CENTRUM), 1), (2020, *cell_of(*KARLSLUND), 1)]
    make_report(at=CENTRUM, created_at=datetime(2019, 8, 1, tzinfo=timezone.utc))  # kept by the triggers again
    assert db.session.execute(text("SELECT n FROM heat_cell_year WHERE year = 2019")).scalar_one() == 2
