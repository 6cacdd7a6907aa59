"""Hot spots for the police (annex 1, "riktad patrullering vid hot spots"): where residents report feeling
unsafe, by time of day and weekday, per area and per 100 m cell, for a period against the period before it.

Read-only: nothing here changes the database. Only public reports count (not hidden, not merged into another,
with a position) and only what anyone may read of them: no reporter contact, no gender or age. What a resident
wrote is taken only from reports the public site shows (webapp/reports/public.py `is_public`)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from webapp import disclosure
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.models import District
from webapp.geo.services import CELL_M
from webapp.reports import public
from webapp.reports.models import KIND_SAFETY, TIMES_OF_DAY, Category, Report
from webapp.reports.status import ReportStatus
from webapp.timeutil import LOCAL, as_utc, check_period, day_ends_utc, day_starts_utc, local_today

# A report without a time of day given by the resident gets the one it was sent at (Europe/Stockholm):
# day 06–18, evening 18–22, night 22–06.
EVENING_STARTS, NIGHT_STARTS, DAY_STARTS = 18, 22, 6
WEEKDAYS = tuple(range(7))          # Monday = 0, as date.weekday()
DEFAULT_DAYS = 56                   # eight whole weeks: every weekday counted as often
MAX_DAYS = 731
TOP_PLACES = 10


def time_of_day_at(moment: datetime) -> str:
    """The time of day (day, evening, night) of a stored UTC time, as lived in Europe/Stockholm."""
    hour = as_utc(moment).astimezone(LOCAL).hour
    if DAY_STARTS <= hour < EVENING_STARTS:
        return "day"
    return "evening" if EVENING_STARTS <= hour < NIGHT_STARTS else "night"


@dataclass(frozen=True)
class HotspotQuery:
    """A period of local calendar days (both ends included), and optionally one time of day, area or category."""

    date_from: date
    date_to: date
    time_of_day: str | None = None
    district: int | None = None
    category: str | None = None

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def before(self) -> "HotspotQuery":
        """The period of the same length just before this one."""
        return replace(self, date_from=self.date_from - timedelta(days=self.days),
                       date_to=self.date_from - timedelta(days=1))

    def check(self) -> "HotspotQuery":
        check_period(self.date_from, self.date_to)
        if self.days > MAX_DAYS:
            raise InputRefused("date_from", _l("Choose a period of at most %(n)d days.", n=MAX_DAYS))
        if self.time_of_day and self.time_of_day not in TIMES_OF_DAY:
            raise InputRefused("time_of_day", _l("Choose day, evening or night."))
        if self.category and self.category not in safety_category_keys():
            raise InputRefused("category", _l("Choose one of the answers given."))
        return self


def default_query(today: date | None = None, **chosen) -> HotspotQuery:
    """The last eight weeks up to today (Europe/Stockholm)."""
    today = today or local_today()
    return HotspotQuery(date_from=today - timedelta(days=DEFAULT_DAYS - 1), date_to=today, **chosen)


def safety_category_keys() -> list[str]:
    """The categories where residents say a place feels unsafe: the safety kinds, not the positive ones."""
    return list(db.session.execute(select(Category.key).where(Category.kind == KIND_SAFETY,
                                                              Category.positive.is_(False))
                                   .order_by(Category.sort_order, Category.id)).scalars())


@dataclass
class Felt:
    """One report as the hot-spot counts read it."""

    report_id: int
    cell: tuple[int, int]
    district: str
    time_of_day: str
    weekday: int
    safety_rating: int | None


def _felt_unsafe(query: HotspotQuery) -> list[Felt]:
    """The public reports of feeling unsafe in the period (times of day of any kind; `time_of_day` narrows later)."""
    # Only the safety kinds carry a felt-safety score (reports.intake): it is shown beside the counts.
    unsafe = and_(Category.kind == KIND_SAFETY, Category.positive.is_(False))
    statement = (select(Report.id, Report.cell_e, Report.cell_n, District.name, Report.time_of_day,
                        Report.created_at, Report.safety_rating)
                 .join(Category, Category.id == Report.category_id)
                 .outerjoin(District, District.id == Report.district_id)
                 .where(Report.lat.is_not(None), Report.cell_e.is_not(None), Report.hidden.is_(False),
                        Report.status != ReportStatus.DUPLICATE, unsafe,
                        Report.created_at >= day_starts_utc(query.date_from),
                        Report.created_at < day_ends_utc(query.date_to)))
    if query.district:
        statement = statement.where(Report.district_id == query.district)
    if query.category:
        statement = statement.where(Category.key == query.category)
    rows = []
    for report_id, ce, cn, district, time_of_day, created, rating in db.session.execute(statement):
        rows.append(Felt(report_id, (ce, cn), district or "", time_of_day if time_of_day in TIMES_OF_DAY
                         else time_of_day_at(created), as_utc(created).astimezone(LOCAL).weekday(), rating))
    return rows


@dataclass
class Place:
    """A 100 m cell: its counts in the period and the one before, for the chosen time of day (or all)."""

    cell: tuple[int, int]
    count: int
    before: int
    by_time: dict[str, int]
    by_weekday: dict[int, int]
    district: str
    mean_rating: float | None
    lon: float = 0.0
    lat: float = 0.0
    location_text: str = ""
    texts: list[dict] = field(default_factory=list)

    @property
    def trend(self) -> str:
        """up, down or same, or new when there was nothing the period before."""
        if self.before == 0:
            return "new"
        return "up" if self.count > self.before else "down" if self.count < self.before else "same"

    @property
    def sweref(self) -> tuple[int, int]:
        """The cell's south-west corner in SWEREF 99 TM metres."""
        return self.cell[0] * CELL_M, self.cell[1] * CELL_M


@dataclass
class Hotspots:
    query: HotspotQuery
    total: int
    total_before: int
    # weekday (0-6) -> time of day -> reports
    table: dict[int, dict[str, int]]
    # area -> time of day -> reports, and the period before in all
    by_district: dict[str, dict[str, int]]
    by_district_before: dict[str, int]
    places: list[Place]


def cell_ring(place: Place) -> list[list[float]]:
    """The cell's outline as [lon, lat] corners (WGS 84), closed."""
    e, n = place.sweref
    return geo.cell_polygon({"e": e, "n": n}, CELL_M)


def _matches(row: Felt, query: HotspotQuery) -> bool:
    return not query.time_of_day or row.time_of_day == query.time_of_day


def hotspots(query: HotspotQuery, top: int | None = TOP_PLACES) -> Hotspots:
    """The period's reports of feeling unsafe counted weekday × time of day and per area, and its places (100 m
    cells) for the chosen time of day, most reports first (ties: more the period before, then by cell), each
    with its count the period before. `top` places (None: every cell with a report in either period)."""
    now, before = _felt_unsafe(query), _felt_unsafe(query.before())
    table = {d: {t: 0 for t in TIMES_OF_DAY} for d in WEEKDAYS}
    by_district: dict[str, dict[str, int]] = {}
    for row in now:
        table[row.weekday][row.time_of_day] += 1
        by_district.setdefault(row.district, {t: 0 for t in TIMES_OF_DAY})[row.time_of_day] += 1
    by_district_before = Counter(row.district for row in before if _matches(row, query))
    chosen_now = [r for r in now if _matches(r, query)]
    counts, counts_before = Counter(r.cell for r in chosen_now), Counter(r.cell for r in before if _matches(r, query))
    order = sorted(set(counts) | set(counts_before), key=lambda c: (-counts[c], -counts_before[c], c))
    by_cell: dict[tuple[int, int], list[Felt]] = {}
    for row in now:
        by_cell.setdefault(row.cell, []).append(row)
    places = [_place(cell, by_cell.get(cell, []), query, counts_before[cell]) for cell in (order[:top] if top else order)]
    return Hotspots(query=query, total=len(chosen_now), total_before=sum(counts_before.values()), table=table,
                    by_district=by_district, by_district_before=dict(by_district_before), places=places)


def _place(cell: tuple[int, int], rows: list[Felt], query: HotspotQuery, before: int) -> Place:
    chosen = [r for r in rows if _matches(r, query)]
    ratings = [r.safety_rating for r in chosen if r.safety_rating]
    districts = Counter(r.district for r in chosen or rows if r.district)
    lon, lat = geo.to_wgs84(cell[0] * CELL_M + CELL_M / 2, cell[1] * CELL_M + CELL_M / 2)
    return Place(cell=cell, count=len(chosen), before=before,
                 by_time={t: sum(1 for r in rows if r.time_of_day == t) for t in TIMES_OF_DAY},
                 by_weekday={d: sum(1 for r in chosen if r.weekday == d) for d in WEEKDAYS},
                 district=districts.most_common(1)[0][0] if districts else "",
                 mean_rating=round(sum(ratings) / len(ratings), 1) if ratings else None,
                 lon=round(float(lon), 6), lat=round(float(lat), 6))


def with_public_texts(places: list[Place], query: HotspotQuery, per_place: int = 3) -> list[Place]:
    """The places with what residents wrote there in the period (newest first, `per_place` at most): only the
    description of reports the public site shows (reports.public.is_public), and the place as they described it."""
    ids = {}
    for row in _felt_unsafe(query):
        if _matches(row, query):
            ids.setdefault(row.cell, []).append(row.report_id)
    wanted = [i for p in places for i in ids.get(p.cell, [])]
    reports = db.session.execute(select(Report).where(Report.id.in_(wanted))
                                 .order_by(Report.created_at.desc(), Report.id.desc())).scalars().all() if wanted else []
    by_cell: dict[tuple[int, int], list[Report]] = {}
    for report in reports:
        if public.is_public(report):
            by_cell.setdefault((report.cell_e, report.cell_n), []).append(report)
    for place in places:
        found = by_cell.get(place.cell, [])
        named = Counter(r.public_location_text.strip() for r in found if r.public_location_text.strip())
        place.location_text = named.most_common(1)[0][0] if named else ""
        place.texts = [{"reference": r.reference, "category": r.category, "created": as_utc(r.created_at),
                        "time_of_day": r.time_of_day if r.time_of_day in TIMES_OF_DAY else time_of_day_at(r.created_at),
                        "description": r.public_description.strip()}
                       for r in found if r.public_description.strip()][:per_place]
    return places


# The exports for the police's own GIS: one row or feature per 100 m cell, through the disclosure threshold.

EXPORT_COLUMNS = ["sweref99tm_e", "sweref99tm_n", "cell_size_m", "lon", "lat", "area", "reports", "day", "evening",
                  "night", "reports_before", "trend"]


def export_query(query: HotspotQuery) -> HotspotQuery:
    """What an export covers: the chosen period, every time of day (as columns), every area and safety category.
    A file narrowed to one time, area or category, set beside a wider one, would tell by subtraction what the
    threshold hides."""
    return HotspotQuery(date_from=query.date_from, date_to=query.date_to)


def export_cells(query: HotspotQuery) -> list[dict]:
    """Every cell with reports in the period, as the police's GIS takes it, under the disclosure rule
    (webapp/disclosure.py): a cell with fewer than `disclosure.threshold()` reports in the period is left out,
    so that no single resident's report can be located, and its day/evening/night figures go through
    `disclosure.suppress` with the cell's total published (a figure under the threshold is blank, and so is
    another beside it, so that it does not follow by subtraction). The period before is given only where it
    too reaches the threshold (else blank, and the trend with it). How many cells were left out is not told."""
    query = export_query(query)
    limit = disclosure.threshold()
    rows = []
    for place in hotspots(query, top=None).places:
        if place.count < limit:
            continue
        times = disclosure.suppress([[place.by_time[t] for t in TIMES_OF_DAY]], limit)
        e, n = place.sweref
        shown_before = place.before >= limit
        rows.append({"sweref99tm_e": e, "sweref99tm_n": n, "cell_size_m": CELL_M, "lon": place.lon, "lat": place.lat,
                     "area": place.district, "reports": place.count,
                     **{t: times.cells[0][i] for i, t in enumerate(TIMES_OF_DAY)},
                     "reports_before": place.before if shown_before else None,
                     "trend": place.trend if shown_before else None,
                     "polygon": geo.cell_polygon({"e": e, "n": n}, CELL_M)})
    return rows


def cells_geojson(query: HotspotQuery) -> dict:
    """The cells of `export_cells` as a GeoJSON FeatureCollection of 100 m squares (WGS 84)."""
    query = export_query(query)
    cells = export_cells(query)
    return {"type": "FeatureCollection", "cell_size_m": CELL_M,
            "period": [query.date_from.isoformat(), query.date_to.isoformat()],
            "period_before": [query.before().date_from.isoformat(), query.before().date_to.isoformat()],
            "disclosure_threshold": disclosure.threshold(),
            "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [c["polygon"]]},
                          "properties": {k: c[k] for k in EXPORT_COLUMNS}} for c in cells]}
