"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from webapp.extensions import db
from webapp.reports.models import Category


def test_migrated_schema_matches_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
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
