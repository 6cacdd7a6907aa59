"""`flask backup` while reports keep arriving, and `flask restore` into an empty instance gives the same
reports and photos, on SQLite and PostgreSQL."""
import os
import stat
import threading

from sqlalchemy import select

from tests.conftest import base_config, build_app, database_url
from tests.factories import image_bytes, make_report
from webapp import backup, doctor
from webapp.extensions import db
from webapp.reports.models import Report


def test_backup_while_writing_and_restore_into_an_empty_instance(app, request, tmp_path):
    before = [make_report(photos=[image_bytes()])[0].reference for _ in range(3)]
    stop = threading.Event()

    def keep_reporting():  # the server keeps taking reports while the backup runs
        with app.app_context():
            while not stop.is_set():
                make_report(photos=[image_bytes(size=(400, 300))])
            db.session.remove()

    writer = threading.Thread(target=keep_reporting)
    writer.start()
    try:
        result = app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "backups")])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    archive = next((tmp_path / "backups").glob("trygghetskartan-backup-*.tar.gz"))
    manifest = backup.read_manifest(archive)
    assert set(before) <= set(manifest["references"]) and manifest["photos"] >= 3

    # A new, empty instance of the same kind.
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    url = database_url(app.config["BACKEND"], request, fresh_dir)
    fresh = build_app(base_config(fresh_dir, url))
    with fresh.app_context():
        refused = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "missing.tar.gz")])
        assert refused.exit_code != 0
        done = fresh.test_cli_runner().invoke(args=["restore", str(archive)])
        assert done.exit_code == 0, done.output
        db.session.remove()
        restored = sorted(db.session.execute(select(Report.reference)).scalars())
        assert restored == manifest["references"]
        store = fresh.extensions["photo_store"]
        findings = doctor.examine(store)
        assert findings.database == [] and findings.missing_files == []  # every photo of the snapshot came along
        doctor.repair(store, findings)  # files of reports made after the snapshot are leftovers
        assert doctor.examine(store).clean
        again = fresh.test_cli_runner().invoke(args=["restore", str(archive)])
        assert again.exit_code != 0 and "empty instance" in again.output
        db.session.remove()
        db.engine.dispose()


def test_backup_archives_are_readable_by_their_owner_only(sqlite_app, tmp_path):
    """The archive holds reporters' e-mail addresses: 0600 whatever the umask, from the first byte written."""
    make_report(email="boende@example.org")
    db.session.commit()
    previous = os.umask(0)  # even a careless umask gives no one else a look
    try:
        result = sqlite_app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "backups")])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    archive = next((tmp_path / "backups").glob("trygghetskartan-backup-*.tar.gz"))
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700  # the folder it made, too
    assert backup.read_manifest(archive)["reports"] == 1


def test_backup_and_restore_with_a_database_that_asks_for_a_password(postgres, postgres_template, tmp_path):
    """Issue 22 walk-through by an operator: pg_dump was given the address with its password masked (***), so a
    PostgreSQL that asks for one refused every backup, and a failed restore left photos behind. The password goes
    to pg_dump and pg_restore in PGPASSWORD; a failure says pg_dump's own words; a failed restore leaves nothing."""
    import secrets

    password = secrets.token_hex(8)
    postgres.execute(f"CREATE ROLE keeper LOGIN SUPERUSER PASSWORD '{password}'")
    hba = postgres.data / "pg_hba.conf"
    hba.write_text(f"host all keeper 127.0.0.1/32 scram-sha-256\n{hba.read_text()}")
    postgres.execute("SELECT pg_reload_conf()")
    postgres.execute(f"CREATE DATABASE tk_password TEMPLATE {postgres_template} OWNER keeper")
    url = f"postgresql+psycopg://keeper:{password}@127.0.0.1:{postgres.port}/tk_password"
    app = build_app(base_config(tmp_path, url))
    with app.app_context():
        make_report(photos=[image_bytes()])
        db.session.commit()
        done = app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "backups")])
        assert done.exit_code == 0, done.output
        archive = next((tmp_path / "backups").glob("trygghetskartan-backup-*.tar.gz"))
        db.session.remove()
        db.engine.dispose()
    postgres.execute("CREATE DATABASE tk_password_fresh OWNER keeper")
    (tmp_path / "fresh").mkdir()
    fresh = build_app(base_config(tmp_path / "fresh", url.replace("/tk_password", "/tk_password_fresh")))
    with fresh.app_context():
        done = fresh.test_cli_runner().invoke(args=["restore", str(archive)])
        assert done.exit_code == 0, done.output
        assert len(db.session.execute(select(Report.reference)).scalars().all()) == 1
        db.session.remove()
        db.engine.dispose()
