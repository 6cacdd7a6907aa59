"""`flask backup` and `flask restore`: a consistent copy of the database and the photos, made while the server
runs, in one .tar.gz; and its restoration into an empty instance.

The database is copied first, as one consistent snapshot (SQLite's online backup API, or pg_dump, which reads
one transaction snapshot), then the photos. A photo is written before the row that refers to it is committed,
so every photo of the snapshot is in the store when the files are copied; files of reports made after the
snapshot come along as leftovers that `flask doctor --repair` removes after a restore. The photos are read
through the photo store, so a bucket's photos (PHOTO_STORE=s3) are in the archive as a disk's are, and a
restore writes them into whichever store the restoring instance uses."""
from __future__ import annotations

import glob
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import inspect, text

from webapp.extensions import db
from webapp.photostore import PhotoStore, is_temporary


class BackupError(Exception):
    pass


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise BackupError(f"{name} is not installed (PostgreSQL client tools).")
    return found


def _libpq_url(url) -> str:
    """The database's address for pg_dump and pg_restore, without its password (that goes in PGPASSWORD, so that
    it is not on the process list)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run_pg(tool: str, arguments: list[str], url) -> None:
    """Run pg_dump or pg_restore for the app's database; BackupError with the tool's own words when it fails."""
    environment = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    done = subprocess.run([_pg_tool(tool), *arguments, f"--dbname={_libpq_url(url)}"], env=environment,
                          capture_output=True, text=True)
    if done.returncode:
        said = (done.stderr or done.stdout or "").strip().splitlines()
        raise BackupError(f"{tool} failed: {said[-1] if said else f'exit status {done.returncode}'}")


def _counts_on(connection) -> dict:
    """What a restore is checked against. Read by table name: a backup is below every domain package."""
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    return {"reports": connection.execute(text("SELECT count(*) FROM report")).scalar_one(),
            "photos": connection.execute(text("SELECT count(*) FROM photo")).scalar_one(),
            "references": sorted(r for r in connection.execute(text("SELECT reference FROM report")).scalars() if r),
            "revision": revision}


def make_backup(store: PhotoStore, out_dir: str | Path, progress: Callable[[int], None] | None = None) -> Path:
    url = db.engine.url  # with its password (str() would mask it as ***)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True, mode=0o700)  # a new folder for the archives is the owner's only
    target = out / f"trygghetskartan-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        if url.get_backend_name() == "sqlite":
            database = work / "database.sqlite"
            source = sqlite3.connect(url.database)
            copy = sqlite3.connect(database)
            with copy:
                source.backup(copy)  # one consistent snapshot, while others keep writing (WAL)
            # What the snapshot holds, read from the snapshot itself.
            manifest_counts = _sqlite_counts(copy)
            source.close()
            copy.close()
        else:
            database = work / "database.dump"
            # Count and dump the same snapshot: a repeatable-read transaction exports it to pg_dump.
            with db.engine.connect() as connection:
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
                with connection.begin():
                    snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                    manifest_counts = _counts_on(connection)
                    _run_pg("pg_dump", ["--format=custom", "--no-owner", "--no-privileges",
                                        f"--snapshot={snapshot}", f"--file={database}"], url)
        files = sorted(name for name in store.names() if not is_temporary(name))
        manifest = {"created_at": datetime.now(timezone.utc).isoformat(), "backend": url.get_backend_name(),
                    "database": database.name, "media_files": len(files), **manifest_counts}
        partial = target.with_suffix(".partial")
        # Readable by the owner only, from the first byte: the archive holds reporters' e-mail addresses.
        partial.unlink(missing_ok=True)
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw, \
                tarfile.open(fileobj=raw, mode="w:gz") as archive:
            archive.add(database, arcname=database.name)
            for name in files:
                content = store.get(name)
                if content is None:  # deleted since the listing (a report discarded meanwhile)
                    continue
                info = tarfile.TarInfo(f"media/{name}")
                info.size = len(content)
                info.mtime = int(datetime.now(timezone.utc).timestamp())
                info.mode = 0o644
                archive.addfile(info, io.BytesIO(content))
                if progress:
                    progress(1)
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        partial.replace(target)
    return target


def _sqlite_counts(connection: sqlite3.Connection) -> dict:
    revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return {"reports": connection.execute("SELECT count(*) FROM report").fetchone()[0],
            "photos": connection.execute("SELECT count(*) FROM photo").fetchone()[0],
            "references": sorted(r for (r,) in connection.execute("SELECT reference FROM report") if r),
            "revision": revision[0] if revision else None}


def read_manifest(archive_path: str | Path) -> dict:
    with tarfile.open(archive_path, "r:gz") as archive:
        return json.loads(archive.extractfile("manifest.json").read())


def _is_empty() -> bool:
    tables = set(inspect(db.engine).get_table_names())
    if "report" not in tables:
        return True
    return db.session.execute(text("SELECT count(*) FROM report")).scalar_one() == 0


def restore(archive_path: str | Path, store: PhotoStore, progress: Callable[[int], None] | None = None) -> dict:
    """Restore a backup into an empty instance (no reports, no photos). Returns the manifest."""
    manifest = read_manifest(archive_path)
    url = db.engine.url
    if manifest["backend"] != url.get_backend_name():
        raise BackupError(f"The backup is of a {manifest['backend']} database; this instance uses "
                          f"{url.get_backend_name()}.")
    if not _is_empty() or next(iter(store.names()), None) is not None:
        raise BackupError("Restore only into an empty instance: this one already has reports or photos.")
    db.session.remove()
    with tempfile.TemporaryDirectory() as work, tarfile.open(archive_path, "r:gz") as archive:
        work = Path(work)
        members = archive.getmembers()
        archive.extract(manifest["database"], work, filter="data")
        # The photos first, as a server writes them before their rows: a store that cannot be written stops
        # the restore before the database is replaced. Should the database then fail, the photos written go
        # again, so that the instance is as empty as before and the restore can be tried again.
        written = []
        try:
            for member in members:
                name = member.name.removeprefix("media/")
                if not (member.name.startswith("media/") and member.isfile()) or ".." in name.split("/"):
                    continue
                store.put(name, archive.extractfile(member).read())
                written.append(name)
                if progress:
                    progress(1)
            _restore_database(url, work / manifest["database"])
        except BaseException:
            for name in written:
                store.remove(name)
            raise
    return manifest


def _restore_database(url, dump: Path) -> None:
    if url.get_backend_name() == "sqlite":
        db.engine.dispose()
        target = Path(url.database)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(dump, target)
    else:
        db.engine.dispose()
        with db.engine.begin() as connection:  # an empty schema, then the dump's own
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()
        _run_pg("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", str(dump)], url)
