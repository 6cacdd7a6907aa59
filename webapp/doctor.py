"""`flask doctor`: after a crash (a power cut, kill -9 during uploads) check that the database is sound and that
photos and their rows agree, and repair the leftovers: photo files without a row (written before a commit that
never happened), half-written temporary files, and rows whose files are gone."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, text

from webapp import audit
from webapp.extensions import db
from webapp.photostore import SIZES, PhotoStore, is_temporary, name_for, stem_of
from webapp.reports.models import Photo


@dataclass
class Findings:
    database: list[str] = field(default_factory=list)      # problems the database reports about itself
    orphan_files: list[str] = field(default_factory=list)   # photo files no row refers to (names in the store)
    temp_files: list[str] = field(default_factory=list)     # writes cut off half-way
    missing_files: list[int] = field(default_factory=list)  # photo rows whose files are gone

    @property
    def clean(self) -> bool:
        return not (self.database or self.orphan_files or self.temp_files or self.missing_files)


def check_database() -> list[str]:
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        problems = [row[0] for row in connection.execute(text("PRAGMA integrity_check")) if row[0] != "ok"]
        problems += [f"foreign key: {row[0]} row {row[1]} → {row[2]}"
                     for row in connection.execute(text("PRAGMA foreign_key_check"))]
        return problems
    # PostgreSQL keeps itself consistent (WAL, crash recovery); check that it answers and the schema is there.
    connection.execute(text("SELECT count(*) FROM report"))
    return []


def examine(store: PhotoStore) -> Findings:
    findings = Findings(database=check_database())
    rows = {stem: photo_id for photo_id, stem in db.session.execute(select(Photo.id, Photo.stem)).all()}
    present = set()  # one listing, not a request per photo (an object store answers slowly one by one)
    for name in store.names():
        present.add(name)
        if is_temporary(name):
            findings.temp_files.append(name)
            continue
        stem = stem_of(name)
        if stem is not None and stem not in rows:
            findings.orphan_files.append(name)
    findings.missing_files = sorted(photo_id for stem, photo_id in rows.items()
                                    if not all(name_for(stem, size) in present for size in SIZES))
    return findings


def repair(store: PhotoStore, findings: Findings, actor: str = "doctor") -> None:
    """Delete leftover files and the rows of photos whose files are lost (their reports stay)."""
    for name in findings.orphan_files + findings.temp_files:
        store.remove(name)
    for photo_id in findings.missing_files:
        photo = db.session.get(Photo, photo_id)
        if photo is not None:
            store.discard(photo.stem)
            db.session.delete(photo)
    if findings.orphan_files or findings.temp_files or findings.missing_files:
        audit.record("doctor", 0, "repaired", actor, orphan_files=len(findings.orphan_files),
                     temp_files=len(findings.temp_files), missing_files=len(findings.missing_files))
    db.session.flush()
