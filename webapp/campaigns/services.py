"""Campaign rules: creating and checking campaigns, reports through them, imports, results and comparisons,
engagement activities and property owners. Every change records who made it."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from flask_babel import lazy_gettext as _l
from shapely.geometry import Point, mapping, shape
from shapely.ops import unary_union
from sqlalchemy import func, select, update

from webapp import audit
from webapp.campaigns.models import Campaign, EngagementActivity, ImportRun, PropertyOwner
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.models import District
from webapp.municipality import current_municipality
from webapp.reports import services as reports
from webapp.reports.models import Category, Report
from webapp.reports.services import NewReport, PhotoSettings, ReportError
from webapp.textclean import clean_text
from webapp.timeutil import utcnow

KINDS = {
    "instagram_week": _l("Instagram week"),
    "safety_walk": _l("Digital safety walk"),
    "experience_collection": _l("Experience collection"),
    "follow_up": _l("Follow-up"),
}
ACTIVITY_KINDS = {
    "meeting": _l("Meeting with residents"),
    "cleanup": _l("Clean-up day"),
    "replanting": _l("Replanting"),
    "dialogue_walk": _l("Dialogue walk"),
    "information": _l("Information campaign"),
}
GENDERS = {"woman": _l("Woman"), "man": _l("Man"), "other": _l("Other"), "undisclosed": _l("Prefer not to say")}
AGE_GROUPS = {"u16": _l("Under 16"), "16-24": "16–24", "25-44": "25–44", "45-64": "45–64", "65+": "65+",
              "undisclosed": _l("Prefer not to say")}
MIN_CELL = 5  # fewer answers than this are never shown, so that no one can be singled out
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")
PLACE_RADIUS_M = 30
MAX_IMPORT_ROWS = 5000
MAX_ZIP_BYTES = 300 * 1024 * 1024
# An imported post whose caption the rules cannot sort gets this category and waits for a person to choose.
UNSORTED = "other"


@dataclass
class CampaignInput:
    name: str
    slug: str
    kind: str
    starts_on: date | None
    ends_on: date | None
    district_ids: list[int] = field(default_factory=list)
    drawn_area: str = ""
    category_keys: list[str] = field(default_factory=list)
    hashtag: str = ""
    intro_sv: str = ""
    intro_en: str = ""
    follows_id: int | None = None
    asks_demographics: bool = False
    uses_audit: bool = False


def _area(data: CampaignInput) -> tuple[str, list[int]]:
    """The campaign's area as GeoJSON: a drawn polygon wins over chosen districts. Must lie in the kommun."""
    if data.drawn_area.strip():
        try:
            raw = json.loads(data.drawn_area)
            if raw.get("type") == "FeatureCollection":
                geometry = unary_union([shape(f["geometry"]) for f in raw["features"]])
            elif raw.get("type") == "Feature":
                geometry = shape(raw["geometry"])
            else:
                geometry = shape(raw)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ReportError("drawn_area", _l("The drawn area could not be read. Draw it again.")) from None
        if geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise ReportError("drawn_area", _l("Draw the area as a polygon."))
        kommun = geo.kommun_boundary().buffer(0.005)
        if not kommun.contains(geometry.buffer(0)):
            raise ReportError("drawn_area", _l("The area must lie inside %(name)s kommun.",
                                                  name=current_municipality().name))
        return json.dumps(mapping(geometry)), []
    if not data.district_ids:
        raise ReportError("districts", _l("Choose at least one area or draw one on the map."))
    rows = list(db.session.execute(select(District).where(District.id.in_(data.district_ids))).scalars())
    if len(rows) != len(set(data.district_ids)):
        raise ReportError("districts", _l("Choose an area from the list."))
    geometry = unary_union([shape(json.loads(d.geometry)) for d in rows])
    return json.dumps(mapping(geometry)), sorted({d.id for d in rows})


def _check(data: CampaignInput, campaign: Campaign | None = None) -> None:
    if not data.name.strip():
        raise ReportError("name", _l("Give the campaign a name."))
    slug = (data.slug or geo.slugify(data.name)).strip().lower()
    if not SLUG_RE.match(slug):
        raise ReportError("slug", _l("The short name may have lower-case letters, digits and hyphens (3–80)."))
    taken = db.session.execute(select(Campaign.id).where(Campaign.slug == slug)).scalar_one_or_none()
    if taken is not None and (campaign is None or taken != campaign.id):
        raise ReportError("slug", _l("Another campaign already uses that short name."))
    data.slug = slug
    if data.kind not in KINDS:
        raise ReportError("kind", _l("Choose the kind of campaign."))
    if not data.starts_on or not data.ends_on:
        raise ReportError("starts_on", _l("Give a start and an end date."))
    if data.ends_on < data.starts_on:
        raise ReportError("ends_on", _l("The end date must not be before the start date."))
    known = set(db.session.execute(select(Category.key)).scalars())
    if set(data.category_keys) - known:
        raise ReportError("category_keys", _l("Choose what you want to report."))
    if data.follows_id is not None and (campaign is not None and data.follows_id == campaign.id):
        raise ReportError("follows_id", _l("A campaign cannot follow up itself."))


def save_campaign(data: CampaignInput, actor: str, campaign: Campaign | None = None) -> Campaign:
    """Create a campaign, or update one. Dates in order, the area inside the kommun, the short name unique."""
    _check(data, campaign)
    area, district_ids = _area(data)
    if campaign is None:
        campaign = Campaign(created_by=actor)
        db.session.add(campaign)
    campaign.name, campaign.slug, campaign.kind = data.name.strip(), data.slug, data.kind
    campaign.starts_on, campaign.ends_on = data.starts_on, data.ends_on
    campaign.area, campaign.district_ids = area, district_ids
    campaign.category_keys = list(data.category_keys)
    campaign.hashtag = data.hashtag.strip().lstrip("#")
    campaign.intro = {k: v.strip() for k, v in (("sv", data.intro_sv), ("en", data.intro_en)) if v and v.strip()}
    campaign.follows_id = data.follows_id
    campaign.asks_demographics = bool(data.asks_demographics)
    campaign.uses_audit = bool(data.uses_audit)
    db.session.flush()
    audit.record("campaign", campaign.id, "saved", actor, slug=campaign.slug,
                 period=f"{campaign.starts_on}..{campaign.ends_on}")
    db.session.commit()
    return campaign


def by_slug(slug: str) -> Campaign | None:
    return db.session.execute(select(Campaign).where(Campaign.slug == slug)).scalar_one_or_none()


def all_campaigns() -> list[Campaign]:
    return list(db.session.execute(select(Campaign).order_by(Campaign.starts_on.desc())).scalars())


def is_open(campaign: Campaign, today: date | None = None) -> bool:
    today = today or utcnow().date()
    return campaign.starts_on <= today <= campaign.ends_on


def area_shape(campaign: Campaign):
    return shape(json.loads(campaign.area))


def categories_for(campaign: Campaign) -> list[Category]:
    active = reports.active_categories()
    if not campaign.category_keys:
        return active
    return [c for c in active if c.key in campaign.category_keys]


def submit(campaign: Campaign, data: NewReport, settings: PhotoSettings, actor: str = "resident",
           today: date | None = None, gender: str | None = None, age_group: str | None = None,
           group=None, audit_answers: dict | None = None) -> tuple[Report, str]:
    """A report through a campaign's page: the campaign must be open, the category one it asks about and the
    place inside its area. The report is tagged with the campaign, and with the group whose link was used;
    a campaign that uses the structured audit stores its answers with the report."""
    from webapp.campaigns import walks

    again = reports.replayed(data)
    if again is not None:
        if again[0].campaign_id != campaign.id:  # a key made for another form: never touch that report
            raise ReportError("idempotency_key", _l("The form was changed on the way. Reload the page and try again."))
        return again  # sent twice (a retry, or queued offline): stored once
    if not is_open(campaign, today):
        raise ReportError("campaign", _l("This campaign is closed."))
    if campaign.category_keys and data.category_key not in campaign.category_keys:
        raise ReportError("category", _l("Choose what you want to report."))
    if data.lat is not None and data.lon is not None:
        if not area_shape(campaign).buffer(0.002).contains(Point(data.lon, data.lat)):
            raise ReportError("location", _l("That place is outside this campaign's area. "
                                             "Choose a place inside the area shown on the map."))
    if gender and (not campaign.asks_demographics or gender not in GENDERS):
        raise ReportError("gender", _l("Choose one of the answers given."))
    if age_group and (not campaign.asks_demographics or age_group not in AGE_GROUPS):
        raise ReportError("age_group", _l("Choose one of the answers given."))
    if group is not None and group.campaign_id != campaign.id:
        raise ReportError("group", _l("This group link belongs to another campaign."))
    answered = walks.check_audit(audit_answers or {}) if campaign.uses_audit else {}
    report, token = reports.create_report(data, settings, actor=actor)
    report.campaign_id = campaign.id
    report.gender, report.age_group = gender or None, age_group or None
    report.group_id = group.id if group is not None else None
    walks.save_audit(report, answered)
    db.session.commit()
    return report, token


def split_by(campaign: Campaign, attribute: str) -> list[dict]:
    """Counts per answer (gender or age group) and safety-walk question, for aggregate results only.
    A cell with fewer than MIN_CELL answers is returned as None ("too few to show")."""
    labels = GENDERS if attribute == "gender" else AGE_GROUPS
    column = Report.gender if attribute == "gender" else Report.age_group
    rows = db.session.execute(
        select(column, Category.key, func.count(Report.id)).join(Category, Category.id == Report.category_id)
        .where(Report.campaign_id == campaign.id, column.is_not(None), Report.status != "duplicate")
        .group_by(column, Category.key)).all()
    table = {}
    for answer, key, count in rows:
        table.setdefault(answer, {})[key] = count
    result = []
    for answer in labels:
        counts = table.get(answer, {})
        total = sum(counts.values())
        result.append({"answer": answer, "label": labels[answer],
                       "total": total if total >= MIN_CELL else None,
                       "by_category": {k: (v if v >= MIN_CELL else None) for k, v in counts.items()}})
    return result


# Instagram import

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
    from webapp.campaigns.captions import classify_caption

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
        raise ReportError("posted_at", _l("posted_at is empty: every post needs the time it was posted."))
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ReportError("posted_at", _l("posted_at “%(value)s” is not a date (write it as 2018-02-20 14:30).",
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
            raise ReportError(missing, _l("%(given)s is given but %(missing)s is empty: give both or neither.",
                                          given=given, missing=missing))
    values = {}
    for column, text in raw.items():
        try:
            values[column] = float(text.replace(",", "."))
        except ValueError:
            values[column] = float("nan")
        if values[column] != values[column] or values[column] in (float("inf"), float("-inf")):
            raise ReportError(column, _l("%(column)s “%(value)s” is not a number.", column=column, value=text[:40]))
    lat, lon = values["lat"], values["lon"]
    if geo.is_in_kommun(lon, lat):
        return lat, lon
    if geo.is_in_kommun(lat, lon):
        centre_lat, centre_lon = current_municipality().center
        raise ReportError("lat", _l("lat %(lat)s and lon %(lon)s seem to be swapped: %(name)s lies around "
                                    "lat %(centre_lat)s, lon %(centre_lon)s.", lat=raw["lat"], lon=raw["lon"],
                                    name=current_municipality().name, centre_lat=f"{centre_lat:.1f}",
                                    centre_lon=f"{centre_lon:.1f}"))
    min_lon, min_lat, max_lon, max_lat = geo.kommun_boundary().bounds
    if not min_lat - 0.01 <= lat <= max_lat + 0.01:
        raise ReportError("lat", _l("lat %(value)s lies outside the kommun (%(name)s lies between lat %(low)s "
                                    "and %(high)s).", value=raw["lat"], low=f"{min_lat:.2f}", high=f"{max_lat:.2f}",
                                    name=current_municipality().name))
    if not min_lon - 0.01 <= lon <= max_lon + 0.01:
        raise ReportError("lon", _l("lon %(value)s lies outside the kommun (%(name)s lies between lon %(low)s "
                                    "and %(high)s).", value=raw["lon"], low=f"{min_lon:.2f}", high=f"{max_lon:.2f}",
                                    name=current_municipality().name))
    raise ReportError("lat", _l("lat %(lat)s, lon %(lon)s lies outside the kommun.", lat=raw["lat"], lon=raw["lon"]))


def _images(zip_bytes: bytes | None) -> dict[str, bytes]:
    """The images in the zip by file name, refusing archives that would unpack to more than 300 MB."""
    if not zip_bytes:
        return {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    except zipfile.BadZipFile:
        raise ReportError("images", _l("The image file is not a zip archive.")) from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
        raise ReportError("images", _l("The zip archive unpacks to more than 300 MB."))
    return {m.filename.rsplit("/", 1)[-1]: archive.read(m) for m in members}


def _count_rows(csv_bytes: bytes) -> int:
    try:
        return max(0, len(list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))) - 1)
    except (UnicodeDecodeError, csv.Error):
        return 0


def import_posts(campaign: Campaign, csv_bytes: bytes, file_name: str, actor: str, settings: PhotoSettings,
                 zip_bytes: bytes | None = None, progress=None, run: ImportRun | None = None,
                 job=None) -> ImportResult:
    """Import collected posts: caption, posted_at, link, lat, lon, place, image, category (optional columns).
    A bad row is reported with its line number and the rest still imports; a post imported before is skipped;
    a post without a position waits in the queue of reports that need a place. `run`, when given, is kept up
    to date for the progress page: each row's outcome is committed together with its counts (and the job's
    progress, `job` being a webapp.jobs JobContext), so an import killed half-way and started again on the
    same `run` carries on after the last row it finished and never makes a report twice."""
    try:
        text = csv_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReportError("csv", _l("The CSV file must be UTF-8 text.")) from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"caption", "posted_at"} <= {f.strip() for f in reader.fieldnames}:
        raise ReportError("csv", _l("The CSV file needs at least the columns caption and posted_at."))
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
    db.session.commit()
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
        row = {(k or "").strip(): clean_text(v or "", multiline=(k or "").strip() == "caption").strip()
               for k, v in row.items()}
        if rows > MAX_IMPORT_ROWS:
            count(errors=[[line, str(_l("Too many rows; at most %(n)d are imported at once.", n=MAX_IMPORT_ROWS))]])
            db.session.commit()
            break
        key = hashlib.sha256((row.get("link") or f"{row.get('caption')}|{row.get('posted_at')}").encode()).hexdigest()
        if db.session.execute(select(Report.id).where(Report.import_key == key)).first():
            count(skipped=1)
            db.session.commit()
        else:
            try:
                posted = _posted_at(row.get("posted_at", ""))
                lat, lon = _position(row)
                photo = []
                if row.get("image"):
                    if row["image"] not in images:
                        raise ReportError("image", _l("image “%(name)s” is not in the zip file.",
                                                      name=row["image"][:100]))
                    photo = [images[row["image"]]]
                data = NewReport(category_key=_category_from(row.get("caption", ""), row.get("category")),
                                 description=row.get("caption", "")[:2000], lat=lat, lon=lon,
                                 location_text=(row.get("place") or "Instagram")[:300], source="instagram",
                                 created_at=posted, photos=photo)
                link = row.get("link", "")

                def along(report, key=key, link=link, unplaced=lat is None):
                    report.campaign_id = campaign.id
                    report.import_key = key
                    report.media_url = link[:500] if link.startswith("http") else None
                    count(created=1, unplaced=int(unplaced))

                try:
                    reports.create_report(data, settings, actor=actor, districts=districts, zones=zones,
                                          allow_unplaced=True, along=along)
                except ReportError as exc:  # the report's own checks: say which column they are about
                    column = {"photos": "image", "description": "caption", "location_text": "place",
                              "location": "lat/lon"}.get(exc.field, exc.field)
                    raise ReportError(exc.field, _l("%(column)s: %(message)s", column=column,
                                                    message=exc.message)) from None
            except ValueError as exc:  # ReportError is a ValueError too
                message = getattr(exc, "message", None) or _l("A date, a number or a value is not valid.")
                db.session.rollback()
                count(errors=[[line, str(message)]])
                db.session.commit()
        if progress:
            progress(1)
    run = db.session.get(ImportRun, run_id)
    run.rows = rows
    run.status = "done"
    audit.record("campaign", campaign.id, "imported", actor, file=file_name, created=run.created,
                 skipped=run.skipped, errors=len(run.errors or []))
    db.session.commit()
    return ImportResult(rows=run.rows, created=run.created, skipped=run.skipped, unplaced=run.unplaced,
                        errors=[(n, m) for n, m in run.errors or []])


def start_import(campaign: Campaign, csv_bytes: bytes, file_name: str, actor: str, zip_bytes: bytes | None,
                 work_dir: str) -> ImportRun:
    """Queue an import: keep the files, make the run the progress page reports on and the job a worker
    (`flask jobs work`) carries it out in."""
    from pathlib import Path

    from webapp.jobs import services as jobs

    run = ImportRun(campaign_id=campaign.id, file_name=file_name[:200], file_hash=hashlib.sha256(csv_bytes).hexdigest(),
                    status="queued", total_rows=_count_rows(csv_bytes), created_by=actor)
    db.session.add(run)
    db.session.commit()
    folder = Path(work_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{run.id}.csv").write_bytes(csv_bytes)
    if zip_bytes:
        (folder / f"{run.id}.zip").write_bytes(zip_bytes)
    job = jobs.enqueue("campaign_import", {"run_id": run.id, "work_dir": work_dir}, actor, total=run.total_rows)
    run.job_id = job.id
    db.session.commit()
    return run


def run_import_job(job, context) -> dict:
    """The job handler for a queued import (webapp.jobs): runs it, or carries it on after a restart. The files
    are removed once it is done or has failed for good."""
    from webapp.reports.views import photo_settings

    run_id, work_dir = job.params["run_id"], job.params["work_dir"]
    return run_queued_import(run_id, photo_settings(), work_dir, context)


def run_queued_import(run_id: int, settings: PhotoSettings, work_dir: str, context=None) -> dict:
    """Carry out a queued import, then remove its files. A failure is kept on the run (and raised again for the
    job, which keeps it too); a JobLost (another worker took the job) leaves run and files alone."""
    from pathlib import Path

    from webapp.jobs.services import JobLost

    run = db.session.get(ImportRun, run_id)
    folder = Path(work_dir)
    csv_path, zip_path = folder / f"{run_id}.csv", folder / f"{run_id}.zip"
    try:
        campaign = db.session.get(Campaign, run.campaign_id)
        result = import_posts(campaign, csv_path.read_bytes(), run.file_name, run.created_by, settings,
                              zip_bytes=zip_path.read_bytes() if zip_path.exists() else None, run=run, job=context)
    except JobLost:
        raise
    except Exception as exc:
        db.session.rollback()
        run = db.session.get(ImportRun, run_id)
        run.status = "failed"
        run.errors = (run.errors or []) + [[0, str(getattr(exc, "message", "") or _l("The import failed."))]]
        db.session.commit()
        csv_path.unlink(missing_ok=True)
        zip_path.unlink(missing_ok=True)
        raise
    csv_path.unlink(missing_ok=True)
    zip_path.unlink(missing_ok=True)
    return {"created": result.created, "skipped": result.skipped, "errors": len(result.errors)}


def imports_for(campaign: Campaign) -> list[ImportRun]:
    return list(db.session.execute(select(ImportRun).where(ImportRun.campaign_id == campaign.id)
                                   .order_by(ImportRun.id.desc())).scalars())


def needing_a_place(limit: int = 200) -> list[Report]:
    return list(db.session.execute(select(Report).where(Report.lat.is_(None), Report.hidden.is_(False),
                                                        Report.status != "duplicate")
                                   .order_by(Report.created_at).limit(limit)).scalars())


def needing_a_category(limit: int = 200) -> list[Report]:
    """Imported posts the caption rules left uncategorised (UNSORTED) that nobody has triaged yet: once a
    person chooses a category, or triage takes the report further than received, it leaves the queue."""
    return list(db.session.execute(
        select(Report).join(Category, Category.id == Report.category_id)
        .where(Report.import_key.is_not(None), Category.key == UNSORTED, Report.status == "received",
               Report.hidden.is_(False))
        .order_by(Report.created_at).limit(limit)).scalars())


def categorise_report(report: Report, category_key: str, actor: str) -> None:
    """A person chooses the category of an uncategorised post from the queue (recorded like any edit)."""
    from webapp.staff.services import edit_report

    edit_report(report, actor, report.version, str(_l("Category chosen from the queue")), category_key=category_key)


def place_report(report: Report, lat: float, lon: float, actor: str) -> None:
    from webapp.staff.services import edit_report

    edit_report(report, actor, report.version, str(_l("Placed on the map from the queue")), lat=lat, lon=lon)


# Results and comparison

def campaign_reports(campaign: Campaign) -> list[Report]:
    return list(db.session.execute(select(Report).where(Report.campaign_id == campaign.id,
                                                        Report.status != "duplicate")
                                   .order_by(Report.created_at)).scalars())


def places(rows: list[Report], radius_m: float = PLACE_RADIUS_M) -> list[dict]:
    """Reports grouped into places: each report joins the first place whose centre is within the radius."""
    found: list[dict] = []
    for report in rows:
        if report.lat is None:
            continue
        x, y = geo.to_sweref(report.lon, report.lat)
        for place in found:
            if (place["x"] - x) ** 2 + (place["y"] - y) ** 2 <= radius_m ** 2:
                place["reports"].append(report)
                break
        else:
            found.append({"x": x, "y": y, "reports": [report]})
    for place in found:
        place["lon"], place["lat"] = geo.to_wgs84(place["x"], place["y"])
        place["count"] = len(place["reports"])
    found.sort(key=lambda p: (-p["count"], p["reports"][0].created_at))
    return found


def results(campaign: Campaign) -> dict:
    rows = campaign_reports(campaign)
    by_kind, by_category, by_district = {}, {}, {}
    for r in rows:
        by_kind[r.category.kind] = by_kind.get(r.category.kind, 0) + 1
        by_category[r.category.key] = by_category.get(r.category.key, 0) + 1
        name = r.district.name if r.district else "—"
        by_district[name] = by_district.get(name, 0) + 1
    photos = [p for r in rows for p in r.photos if p.moderation == "approved"]
    return {
        "total": len(rows), "by_kind": by_kind, "by_category": by_category, "by_district": by_district,
        "fixed": sum(1 for r in rows if r.status == "fixed"), "unplaced": sum(1 for r in rows if r.lat is None),
        "places": places(rows)[:10], "photos": photos[:24], "rows": rows,
    }


def compare(baseline: Campaign, follow_up: Campaign, radius_m: float = PLACE_RADIUS_M) -> dict:
    """Counts before and after per district and kind, and which baseline places persisted or disappeared."""
    before, after = campaign_reports(baseline), campaign_reports(follow_up)

    def counts(rows):
        table = {}
        for r in rows:
            key = (r.district.name if r.district else "—", r.category.kind)
            table[key] = table.get(key, 0) + 1
        return table

    b, a = counts(before), counts(after)
    cells = [{"district": d, "kind": k, "before": b.get((d, k), 0), "after": a.get((d, k), 0),
              "change": a.get((d, k), 0) - b.get((d, k), 0)} for d, k in sorted(set(b) | set(a))]
    by_category = {}
    for rows, column in ((before, "before"), (after, "after")):
        for r in rows:
            by_category.setdefault(r.category.key, {"before": 0, "after": 0})[column] += 1
    after_points = [geo.to_sweref(r.lon, r.lat) for r in after if r.lat is not None]
    persisting, disappeared = [], []
    for place in places(before, radius_m):
        near = any((place["x"] - x) ** 2 + (place["y"] - y) ** 2 <= radius_m ** 2 for x, y in after_points)
        (persisting if near else disappeared).append(place)
    return {"cells": cells, "by_category": by_category, "persisting": persisting, "disappeared": disappeared,
            "before_total": len(before), "after_total": len(after)}


# Engagement activities

def add_activity(held_on: date | None, kind: str, title: str, participants: int | None, actor: str,
                 district_id: int | None = None, campaign_id: int | None = None, notes: str = "") -> EngagementActivity:
    if held_on is None:
        raise ReportError("held_on", _l("Give the date."))
    if kind not in ACTIVITY_KINDS:
        raise ReportError("kind", _l("Choose the kind of activity."))
    if not (title or "").strip():
        raise ReportError("title", _l("Give the activity a title."))
    if participants is None or participants < 0 or participants > 100000:
        raise ReportError("participants", _l("Give the number of participants (0 or more)."))
    activity = EngagementActivity(held_on=held_on, kind=kind, title=title.strip(), participants=participants,
                                  district_id=district_id, campaign_id=campaign_id, notes=(notes or "").strip(),
                                  created_by=actor)
    db.session.add(activity)
    db.session.flush()
    audit.record("activity", activity.id, "created", actor)
    db.session.commit()
    return activity


def activities(start: date | None = None, end: date | None = None) -> list[EngagementActivity]:
    query = select(EngagementActivity)
    if start:
        query = query.where(EngagementActivity.held_on >= start)
    if end:
        query = query.where(EngagementActivity.held_on <= end)
    return list(db.session.execute(query.order_by(EngagementActivity.held_on.desc())).scalars())


# Property owners

def save_owner(name: str, contact: str, address: str, actor: str) -> PropertyOwner:
    if not (name or "").strip():
        raise ReportError("name", _l("Give the owner's name."))
    owner = db.session.execute(select(PropertyOwner).where(PropertyOwner.name == name.strip())).scalar_one_or_none()
    if owner is None:
        owner = PropertyOwner(name=name.strip())
        db.session.add(owner)
    # Blank fields keep what is known: triage often knows only the name.
    owner.contact = (contact or "").strip() or owner.contact or ""
    owner.address = (address or "").strip() or owner.address or ""
    db.session.flush()
    audit.record("property_owner", owner.id, "saved", actor)
    db.session.commit()
    return owner


def owners() -> list[PropertyOwner]:
    return list(db.session.execute(select(PropertyOwner).order_by(PropertyOwner.name)).scalars())


def owner_reports(owner: PropertyOwner, open_only: bool = True) -> list[Report]:
    from webapp.reports.status import CLOSED_STATUSES

    query = select(Report).where(Report.property_owner_id == owner.id, Report.hidden.is_(False))
    if open_only:
        query = query.where(Report.status.not_in([s for s in CLOSED_STATUSES if s != "referred"]))
    return list(db.session.execute(query.order_by(Report.created_at)).scalars())
