"""The Instagram import: posts from a CSV export (and their photos from a ZIP) become reports of a campaign,
as a durable job that survives a restart with nothing imported twice; posts the rules cannot sort or place wait
for a person."""
from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webapp import audit
from webapp.campaigns.captions import classify_caption
from webapp.campaigns.models import Campaign, ImportRun
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.jobs import services as jobs
from webapp.jobs.services import JobLost
from webapp.media import PhotoSettings, photo_settings
from webapp.municipality import current_municipality
from webapp.reports import intake
from webapp.reports.intake import NewReport
from webapp.reports.lifecycle import edit_report
from webapp.reports.models import Category, Report
from webapp.reports.status import ReportStatus, Source
from webapp.spreadsheets import CsvText, read_csv_text
from webapp.textclean import clean_text
from webapp.timeutil import instant_in_range

MAX_IMPORT_ROWS = 5000


MAX_ZIP_BYTES = 300 * 1024 * 1024


# An imported post whose caption the rules cannot sort gets this category and waits for a person to choose.
UNSORTED = "other"


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    skipped: int = 0
    unplaced: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _category_from(text: str, given: str | None) -> str:
    """The category column when it names a category (key or Swedish name), else what the caption rules say
    (webapp.campaigns.captions); a post they are unsure of is left uncategorised (UNSORTED) for a person."""
    if given:
        given = given.strip().lower()
        category = db.session.execute(select(Category).where(
            (Category.key == given) | (func.lower(Category.names["sv"].as_string()) == given))).scalar_one_or_none()
        if category is not None:
            return category.key
    return classify_caption(text) or UNSORTED


def _posted_at(raw: str) -> datetime:
    """The post's time in UTC; a time without a zone is Swedish time. A bad value names the column."""
    if not raw.strip():
        raise InputRefused("posted_at", _l("posted_at is empty: every post needs the time it was posted."))
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        if not instant_in_range(value):  # the one date range (webapp/timeutil.py), before any arithmetic
            raise ValueError(value)
    except ValueError:
        raise InputRefused("posted_at", _l("posted_at “%(value)s” is not a date (write it as 2018-02-20 14:30).",
                                          value=raw.strip()[:40])) from None
    if value.tzinfo is None:
        from zoneinfo import ZoneInfo

        value = value.replace(tzinfo=ZoneInfo("Europe/Stockholm"))
    return value.astimezone(timezone.utc)


def _position(row: dict) -> tuple[float | None, float | None]:
    """lat and lon of an imported row, both or neither, inside the kommun. A bad value names its column."""
    raw = {column: row.get(column, "") for column in ("lat", "lon")}
    if not raw["lat"] and not raw["lon"]:
        return None, None
    for given, missing in (("lat", "lon"), ("lon", "lat")):
        if raw[given] and not raw[missing]:
            raise InputRefused(missing, _l("%(given)s is given but %(missing)s is empty: give both or neither.",
                                          given=given, missing=missing))
    values = {}
    for column, text in raw.items():
        try:
            values[column] = float(text.replace(",", "."))
        except ValueError:
            values[column] = float("nan")
        if values[column] != values[column] or values[column] in (float("inf"), float("-inf")):
            raise InputRefused(column, _l("%(column)s “%(value)s” is not a number.", column=column, value=text[:40]))
    lat, lon = values["lat"], values["lon"]
    if geo.is_in_kommun(lon, lat):
        return lat, lon
    if geo.is_in_kommun(lat, lon):
        centre_lat, centre_lon = current_municipality().center
        raise InputRefused("lat", _l("lat %(lat)s and lon %(lon)s seem to be swapped: %(name)s lies around "
                                    "lat %(centre_lat)s, lon %(centre_lon)s.", lat=raw["lat"], lon=raw["lon"],
                                    name=current_municipality().name, centre_lat=f"{centre_lat:.1f}",
                                    centre_lon=f"{centre_lon:.1f}"))
    min_lon, min_lat, max_lon, max_lat = geo.kommun_boundary().bounds
    if not min_lat - 0.01 <= lat <= max_lat + 0.01:
        raise InputRefused("lat", _l("lat %(value)s lies outside the kommun (%(name)s lies between lat %(low)s "
                                    "and %(high)s).", value=raw["lat"], low=f"{min_lat:.2f}", high=f"{max_lat:.2f}",
                                    name=current_municipality().name))
    if not min_lon - 0.01 <= lon <= max_lon + 0.01:
        raise InputRefused("lon", _l("lon %(value)s lies outside the kommun (%(name)s lies between lon %(low)s "
                                    "and %(high)s).", value=raw["lon"], low=f"{min_lon:.2f}", high=f"{max_lon:.2f}",
                                    name=current_municipality().name))
    raise InputRefused("lat", _l("lat %(lat)s, lon %(lon)s lies outside the kommun.", lat=raw["lat"], lon=raw["lon"]))


def _images(zip_bytes: bytes | None) -> dict[str, bytes]:
    """The images in the zip by file name, refusing archives that would unpack to more than 300 MB."""
    if not zip_bytes:
        return {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    except zipfile.BadZipFile:
        raise InputRefused("images", _l("The image file is not a zip archive.")) from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
        raise InputRefused("images", _l("The zip archive unpacks to more than 300 MB."))
    return {m.filename.rsplit("/", 1)[-1]: archive.read(m) for m in members}


def read_csv(csv_bytes: bytes) -> CsvText:
    """The export's text, its encoding and its separator (webapp/spreadsheets.py). Raises InputRefused when it is
    not text or lacks the columns every import needs."""
    found = read_csv_text(csv_bytes)
    if not {"caption", "posted_at"} <= found.column_names():
        raise InputRefused("csv", _l("The CSV file needs at least the columns caption and posted_at."))
    return found


def _count_rows(csv_bytes: bytes) -> int:
    try:
        found = read_csv(csv_bytes)
        return max(0, len(list(csv.reader(io.StringIO(found.text), delimiter=found.delimiter))) - 1)
    except (InputRefused, csv.Error):
        return 0


def import_posts(campaign: Campaign, csv_bytes: bytes, file_name: str, *, actor: str, settings: PhotoSettings,
                 zip_bytes: bytes | None = None, progress=None, run: ImportRun | None = None,
                 job=None) -> ImportResult:
    """Import collected posts: caption, posted_at, link, lat, lon, place, image, category (optional columns).
    A bad row is reported with its line number and the rest still imports; a post imported before is skipped;
    a post without a position waits in the queue of reports that need a place. `run`, when given, is kept up
    to date for the progress page: each row's outcome is committed together with its counts (and the job's
    progress, `job` being a webapp.jobs JobContext), so an import killed half-way and started again on the
    same `run` carries on after the last row it finished and never makes a report twice."""
    reader = read_csv(csv_bytes).rows()
    images = _images(zip_bytes)
    if run is None:
        run = ImportRun(campaign_id=campaign.id, file_name=file_name[:200], created_by=actor,
                        file_hash=hashlib.sha256(csv_bytes).hexdigest())
        db.session.add(run)
    if run.status != "running":  # a fresh start; a running one is taken up where it stopped
        run.status, run.done_rows, run.created, run.skipped, run.unplaced, run.errors = "running", 0, 0, 0, 0, []
    run.total_rows = _count_rows(csv_bytes)
    if job is not None:
        job.step(run.done_rows, run.total_rows)
    _keep(job)
    run_id, resume_after = run.id, run.done_rows
    districts, zones = geo.district_locator(), geo.zone_locator()

    def count(**added):
        """This row's outcome, added to the run (and the job) in the caller's transaction."""
        current = db.session.get(ImportRun, run_id)
        current.done_rows += 1
        for name, value in added.items():
            setattr(current, name, (getattr(current, name) or 0) + value if name != "errors"
                    else [*(current.errors or []), *value])
        if job is not None:
            job.step(current.done_rows)

    rows = 0
    for line, row in enumerate(reader, start=2):
        rows += 1
        if rows <= resume_after:
            continue  # done before the import was stopped
        # Posts are text from outside: no control characters; the caption keeps its lines.
        row = {(k or "").strip().lower(): clean_text(v or "", multiline=(k or "").strip().lower() == "caption").strip()
               for k, v in row.items()}
        if rows > MAX_IMPORT_ROWS:
            count(errors=[[line, str(_l("Too many rows; at most %(n)d are imported at once.", n=MAX_IMPORT_ROWS))]])
            _keep(job)
            break
        key = hashlib.sha256((row.get("link") or f"{row.get('caption')}|{row.get('posted_at')}").encode()).hexdigest()
        if db.session.execute(select(Report.id).where(Report.import_key == key)).first():
            count(skipped=1)
        else:
            try:
                posted = _posted_at(row.get("posted_at", ""))
                lat, lon = _position(row)
                photo = []
                if row.get("image"):
                    if row["image"] not in images:
                        raise InputRefused("image", _l("image “%(name)s” is not in the zip file.",
                                                      name=row["image"][:100]))
                    photo = [images[row["image"]]]
                data = NewReport(category_key=_category_from(row.get("caption", ""), row.get("category")),
                                 description=row.get("caption", "")[:2000], lat=lat, lon=lon,
                                 location_text=(row.get("place") or "Instagram")[:300], source=Source.INSTAGRAM,
                                 created_at=posted, photos=photo)
                link = row.get("link", "")

                def along(report, key=key, link=link, unplaced=lat is None):
                    report.campaign_id = campaign.id
                    report.import_key = key
                    report.media_url = link[:500] if link.startswith("http") else None
                    count(created=1, unplaced=int(unplaced))

                try:
                    intake.create_report(data, settings, actor=actor, districts=districts, zones=zones,
                                          allow_unplaced=True, along=along)
                except InputRefused as exc:  # the report's own checks: say which column they are about
                    column = {"photos": "image", "description": "caption", "location_text": "place",
                              "location": "lat/lon"}.get(exc.field, exc.field)
                    raise InputRefused(exc.field, _l("%(column)s: %(message)s", column=column,
                                                    message=exc.message)) from None
            except ValueError as exc:  # InputRefused is a ValueError too
                # create_report undid its own savepoint: only this row's outcome is counted
                message = getattr(exc, "message", None) or _l("A date, a number or a value is not valid.")
                count(errors=[[line, str(message)]])
        _keep(job)
        if progress:
            progress(1)
    run = db.session.get(ImportRun, run_id)
    run.rows = rows
    run.status = "done"
    audit.record("campaign", campaign.id, "imported", actor, file=file_name, created=run.created,
                 skipped=run.skipped, errors=len(run.errors or []))
    db.session.flush()  # committed by the job step's end, or the command's
    return ImportResult(rows=run.rows, created=run.created, skipped=run.skipped, unplaced=run.unplaced,
                        errors=[(n, m) for n, m in run.errors or []])


def _keep(job) -> None:
    """In a job, each row's outcome is committed with the job's progress (a long list whose progress must
    survive a kill: the job step is the row); outside one, the command or request commits at its end."""
    db.session.flush()
    if job is not None:
        job.checkpoint()


def start_import(campaign: Campaign, csv_bytes: bytes, file_name: str, *, actor: str, zip_bytes: bytes | None,
                 work_dir: str) -> ImportRun:
    """Queue an import: keep the files, make the run the progress page reports on and the job a worker
    (`flask jobs work`) carries it out in."""
    from pathlib import Path


    read_csv(csv_bytes)  # refused at once, in the officer's request, when it is not a usable export
    run = ImportRun(campaign_id=campaign.id, file_name=file_name[:200], file_hash=hashlib.sha256(csv_bytes).hexdigest(),
                    status="queued", total_rows=_count_rows(csv_bytes), created_by=actor)
    db.session.add(run)
    db.session.flush()
    folder = Path(work_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{run.id}.csv").write_bytes(csv_bytes)
    if zip_bytes:
        (folder / f"{run.id}.zip").write_bytes(zip_bytes)
    job = jobs.enqueue("campaign_import", {"run_id": run.id, "work_dir": work_dir}, actor, total=run.total_rows)
    run.job_id = job.id
    db.session.flush()
    return run


def run_import_job(job, context) -> dict:
    """The job handler for a queued import (webapp.jobs): runs it, or carries it on after a restart. The files
    are removed once it is done or has failed for good."""
    run_id, work_dir = job.params["run_id"], job.params["work_dir"]
    return run_queued_import(run_id, photo_settings(), work_dir, context)


def run_queued_import(run_id: int, settings: PhotoSettings, work_dir: str, context=None) -> dict:
    """Carry out a queued import, then remove its files. A failure is kept on the run (and raised again for the
    job, which keeps it too); a JobLost (another worker took the job) leaves run and files alone."""
    from pathlib import Path


    run = db.session.get(ImportRun, run_id)
    folder = Path(work_dir)
    csv_path, zip_path = folder / f"{run_id}.csv", folder / f"{run_id}.zip"
    try:
        campaign = db.session.get(Campaign, run.campaign_id)
        result = import_posts(campaign, csv_path.read_bytes(), run.file_name, actor=run.created_by, settings=settings,
                              zip_bytes=zip_path.read_bytes() if zip_path.exists() else None, run=run, job=context)
    except JobLost:
        raise
    except Exception as exc:
        db.session.rollback()
        run = db.session.get(ImportRun, run_id)
        run.status = "failed"
        run.errors = (run.errors or []) + [[0, str(getattr(exc, "message", "") or _l("The import failed."))]]
        _keep(context)  # the failure, in a transaction of its own
        csv_path.unlink(missing_ok=True)
        zip_path.unlink(missing_ok=True)
        raise
    csv_path.unlink(missing_ok=True)
    zip_path.unlink(missing_ok=True)
    return {"created": result.created, "skipped": result.skipped, "errors": len(result.errors)}


def imports_for(campaign: Campaign) -> list[ImportRun]:
    return list(db.session.execute(select(ImportRun).where(ImportRun.campaign_id == campaign.id)
                                   .order_by(ImportRun.id.desc())).scalars())


def _campaigns_only(campaigns_only: bool) -> tuple:
    """The queue as the communications officer sees it: only reports that came in through a campaign."""
    return (Report.campaign_id.is_not(None),) if campaigns_only else ()


def _needs_a_place(campaigns_only: bool = False):
    return (Report.lat.is_(None), Report.hidden.is_(False), Report.status != ReportStatus.DUPLICATE,
            *_campaigns_only(campaigns_only))


def _needs_a_category(campaigns_only: bool = False):
    return (Report.import_key.is_not(None), Category.key == UNSORTED, Report.status == ReportStatus.RECEIVED,
            Report.hidden.is_(False), *_campaigns_only(campaigns_only))


def needing_a_place(limit: int = 200, *, campaigns_only: bool = False) -> list[Report]:
    """Reports without a position; with `campaigns_only`, those of campaigns only (imported posts, campaign
    pages), which is what the role that runs campaigns may place."""
    return list(db.session.execute(select(Report).where(*_needs_a_place(campaigns_only))
                                   .order_by(Report.created_at).limit(limit)).scalars())


def needing_a_category(limit: int = 200, *, campaigns_only: bool = False) -> list[Report]:
    """Imported posts the caption rules left uncategorised (UNSORTED) that nobody has triaged yet: once a
    person chooses a category, or triage takes the report further than received, it leaves the queue."""
    return list(db.session.execute(
        select(Report).join(Category, Category.id == Report.category_id).where(*_needs_a_category(campaigns_only))
        .order_by(Report.created_at).limit(limit)).scalars())


class NotInQueue(InputRefused):
    """The queue only places reports without a position and categorises uncategorised posts: any other report
    is changed from its own page (with its reason), never by a report id sent to the queue."""

    def __init__(self):
        super().__init__("report_id", _l("This report is no longer waiting in the queue (it already has a place "
                                         "or a category). Change it from the report's own page."))


def _in_queue(report: Report, conditions) -> bool:
    query = select(Report.id).join(Category, Category.id == Report.category_id).where(Report.id == report.id,
                                                                                     *conditions)
    return db.session.execute(query).first() is not None


def categorise_report(report: Report, category_key: str, actor: str, expected_version: int | None, *,
                      campaigns_only: bool = False) -> None:
    """A person chooses the category of an uncategorised post from the queue (recorded like any edit). Only a
    post still in the queue (of campaigns only, with `campaigns_only`), as it was when the page was loaded
    (NotInQueue, ConflictError otherwise)."""
    if not _in_queue(report, _needs_a_category(campaigns_only)):
        raise NotInQueue()
    edit_report(report, actor=actor, expected_version=-1 if expected_version is None else expected_version,
                reason=str(_l("Category chosen from the queue")), category_key=category_key)


def place_report(report: Report, lat: float, lon: float, actor: str, expected_version: int | None, *,
                 campaigns_only: bool = False) -> None:
    """Place a report without a position from the queue. Only a report still in the queue (of campaigns only,
    with `campaigns_only`), as it was when the page was loaded (NotInQueue, ConflictError otherwise): a report
    that has a place is moved from its own page."""
    if not _in_queue(report, _needs_a_place(campaigns_only)):
        raise NotInQueue()
    edit_report(report, actor=actor, expected_version=-1 if expected_version is None else expected_version,
                reason=str(_l("Placed on the map from the queue")), lat=lat, lon=lon)
