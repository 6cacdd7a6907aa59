"""Heat-map grids and exports over a selection of reports. Plain functions over queries; the web pages, the
CLI (`flask export …`) and the tests call the same ones."""
from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Iterator

import numpy as np
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from webapp import audit, disclosure, spreadsheets
from webapp.assets import services as assets
from webapp.campaigns.models import Campaign
from webapp.campaigns.services import AGE_GROUPS, GENDERS, places
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo import streets
from webapp.geo.models import District, HeatCell, HeatCellCategory, HeatCellMonth, HeatCellYear, Zone
from webapp.geo.services import CELL_M
from webapp.insights import picture
from webapp.insights.models import ExportLog
from webapp.jobs import services as jobs
from webapp.rawsql import raw_rows
from webapp.reports.labels import export_words, worded
from webapp.reports.models import Category, Report
from webapp.reports.presenters import category_name
from webapp.reports.status import Moderation, ReportStatus
from webapp.timeutil import as_utc, check_period, local_time, local_today, utcnow
from webapp.workorders.models import WorkOrder, WorkOrderReport
from webapp.workorders.services import KINDS
from webapp.workorders.status import WorkOrderStatus

TIMES_OF_DAY = ("day", "evening", "night")
MIN_CELL_M, MAX_CELL_M = 25, 2000
POINT_COLUMNS = ["reference", "created", "category", "kind", "status", "time_of_day", "safety_rating", "district",
                 "zone", "source", "campaign", "support_count", "lon", "lat", "sweref99tm_e", "sweref99tm_n"]


# What can be exported, and as what (the first format is the default): the same for the web and `flask export`.
EXPORT_FORMATS = {"points": ("csv", "geojson", "xlsx"), "cells": ("geojson",), "heatmap": ("png",)}


def export_format(kind: str, fmt: str | None) -> str:
    """The format to export `kind` in (its default when none is given); InputRefused when it cannot be had."""
    formats = EXPORT_FORMATS.get(kind, ())
    fmt = fmt or (formats[0] if formats else "")
    if fmt not in formats:
        raise InputRefused("format", _l("%(kind)s cannot be exported as %(format)s.", kind=kind, format=fmt or "—"))
    return fmt


@dataclass
class Selection:
    """Which reports a heat map or an export covers. Only public, placed reports that are not merged."""

    kinds: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    times_of_day: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    district: int | None = None
    campaign: int | None = None
    # Split by the anonymous safety-walk answers: only ever counted, through the disclosure rule
    # (webapp/disclosure.py; `split_table` below).
    gender: str | None = None
    age_group: str | None = None

    @property
    def demographic(self) -> bool:
        return bool(self.gender or self.age_group)

    def check(self) -> "Selection":
        if self.gender and self.gender not in GENDERS or self.age_group and self.age_group not in AGE_GROUPS:
            raise InputRefused("gender", _l("Choose one of the answers given."))
        if set(self.kinds) - {"safety", "fault"}:
            raise InputRefused("kinds", _l("Unknown decision."))
        if set(self.times_of_day) - set(TIMES_OF_DAY):
            raise InputRefused("times_of_day", _l("Choose day, evening or night."))
        check_period(self.date_from, self.date_to)
        return self

    def describe(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items() if v}


class SplitRefused(InputRefused):
    """Report-level output (single reports, references, exact places) asked for with a gender or age split."""

    def __init__(self):
        super().__init__("gender", _l("Split by gender or age, only the cells (GeoJSON cells, PNG) can be "
                                      "exported: single points could single someone out."))


def _query(selection: Selection, columns):
    """The selected reports. Split by gender or age, no caller gets a query: anything read through it would be
    single reports or exact counts of a split, so it is refused here, in the one place every export, map and
    CLI command reads reports through. Counts of a split come from the selection without the split, through
    the disclosure rule (`released`, `split_table`)."""
    if selection.demographic:
        raise SplitRefused()
    query = (select(*columns).select_from(Report).join(Category, Category.id == Report.category_id)
             .where(Report.lat.is_not(None), Report.hidden.is_(False), Report.status != ReportStatus.DUPLICATE))
    if selection.kinds:
        query = query.where(Category.kind.in_(selection.kinds))
    if selection.categories:
        query = query.where(Category.key.in_(selection.categories))
    if selection.times_of_day:
        query = query.where(Report.time_of_day.in_(selection.times_of_day))
    if selection.date_from:
        query = query.where(Report.created_at >= datetime.combine(selection.date_from, time.min, tzinfo=timezone.utc))
    if selection.date_to:
        query = query.where(Report.created_at < datetime.combine(selection.date_to + timedelta(days=1), time.min,
                                                                 tzinfo=timezone.utc))
    if selection.district:
        query = query.where(Report.district_id == selection.district)
    if selection.campaign:
        query = query.where(Report.campaign_id == selection.campaign)
    return query


def count(selection: Selection) -> int:
    """How many reports the selection holds. Refused when split by gender or age: an exact count of a split
    is what the disclosure rule never gives (split figures come from `split_table`)."""
    return db.session.execute(_query(selection, [func.count(Report.id)])).scalar_one()


# The disclosure rule for the heat map and the lighting basis (the rule itself: webapp/disclosure.py)

SPLIT_ROWS = [*GENDERS, None]        # the table's rows: each gender, and no answer
SPLIT_COLUMNS = [*AGE_GROUPS, None]  # its columns: each age group, and no answer


def unsplit(selection: Selection) -> Selection:
    return Selection(**{**asdict(selection), "gender": None, "age_group": None})


def released(selection: Selection) -> Selection:
    """The selection without its split, its period narrowed to the whole release blocks inside it
    (disclosure.release_window: the blocks are made over all the selection's days, its dates left out, by the same
    day boundaries as the date filter), so that moving either date changes a split figure by a whole block or not
    at all. TooSmallToSplit when not one whole block fits: the same answer whatever the split value, since the
    split is not looked at."""
    base = unsplit(selection)
    every_day = Selection(**{**asdict(base), "date_from": None, "date_to": None})
    window = disclosure.release_window(_reports_per_day(every_day, respondents=True), utcnow().date(),
                                       base.date_from, base.date_to)
    if window is None:
        raise disclosure.TooSmallToSplit()
    return Selection(**{**asdict(base), "date_from": window[0], "date_to": window[1]})


def _reports_per_day(selection: Selection, respondents: bool = False) -> dict[date, int]:
    """How many of the selected reports came in each (UTC) day, as the date filter counts days: summed by the
    database, so that a selection of a million reports is a few thousand rows. `respondents`: only the reports
    whose reporter answered the gender or the age question (a release block is made of those)."""
    if db.session.get_bind().dialect.name == "postgresql":
        day = func.date(func.timezone("UTC", Report.created_at))
    else:
        day = func.date(Report.created_at)   # SQLite keeps UTC times as text
    query = _query(selection, [day, func.count(Report.id)])
    if respondents:
        query = query.where(or_(Report.gender.is_not(None), Report.age_group.is_not(None)))
    rows = db.session.execute(query.group_by(day)).all()
    return {(d if isinstance(d, date) else date.fromisoformat(str(d)[:10])): n for d, n in rows}


def split_table(reports: list[tuple[str | None, str | None]], total: int) -> disclosure.Suppressed:
    """One place's (or cell's) reports as a table of gender (rows) by age group (columns), the reports without
    an answer included, suppressed by the disclosure rule with its total published (the unsplit map shows it)."""
    table = [[0] * len(SPLIT_COLUMNS) for _ in SPLIT_ROWS]
    for gender, age in reports:
        table[SPLIT_ROWS.index(gender if gender in GENDERS else None)][
            SPLIT_COLUMNS.index(age if age in AGE_GROUPS else None)] += 1
    table[-1][-1] += total - len(reports)
    return disclosure.suppress(table)


def split_value(table: disclosure.Suppressed, selection: Selection) -> int | None:
    """The figure of the table the selection's split asks for (None: hidden), rounded to the threshold: a place's
    or a cell's split figure moves by a multiple of 5, never by the one report that came in at that place within
    a release block (attack round 4, finding 2: the blocks are the whole selection's, not each place's)."""
    return disclosure.rounded(table.value(SPLIT_ROWS.index(selection.gender) if selection.gender else None,
                                          SPLIT_COLUMNS.index(selection.age_group) if selection.age_group else None))


def positions(selection: Selection) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of the selected reports, only for counting them into cells (grid)."""
    rows = raw_rows(_query(selection, [Report.lon, Report.lat]))
    if not rows:
        return np.empty(0), np.empty(0)
    array = np.asarray(rows, dtype=float)
    return array[:, 0], array[:, 1]


@dataclass
class Grid:
    size_m: int
    cells: list[dict]          # {"e", "n" (south-west corner, SWEREF 99 TM), "count"}
    total: int
    # Split by gender or age: cells under the disclosure threshold, and those that would give them away, are
    # left out (how many is never said).
    split: bool = False

    @property
    def max_count(self) -> int:
        return max((c["count"] for c in self.cells), default=0)


def grid(selection: Selection, size_m: int = 100) -> Grid:
    """Count the selected reports per square cell of `size_m` metres on the SWEREF 99 TM grid. Split by gender
    or age, the cells go through the disclosure rule (`_split_grid`)."""
    if not MIN_CELL_M <= size_m <= MAX_CELL_M:
        raise InputRefused("cell", _l("The cell size must be %(min)d–%(max)d m.", min=MIN_CELL_M, max=MAX_CELL_M))
    if selection.demographic:
        return _split_grid(selection, size_m)
    counted = _counted_cells(selection, size_m)
    i, j, weights = counted if counted is not None else _cells_of_reports(selection, size_m)
    if i.size == 0:
        return Grid(size_m, [], 0)
    # One integer per cell (columns and rows are far below 10^7 on this grid), so that counting is 1-D.
    keys, inverse = np.unique(i * 10_000_000 + j, return_inverse=True)
    counts = np.bincount(inverse, weights=weights, minlength=keys.size).astype(np.int64)
    keys, counts = keys[counts > 0], counts[counts > 0]
    order = np.argsort(-counts, kind="stable")  # the biggest first; equal counts in the order of their cells
    keys, counts = keys[order], counts[order]
    cells = [{"e": e, "n": n, "count": c} for e, n, c in zip(
        ((keys // 10_000_000) * size_m).tolist(), ((keys % 10_000_000) * size_m).tolist(), counts.tolist())]
    return Grid(size_m, cells, sum(c["count"] for c in cells))


def _split_grid(selection: Selection, size_m: int) -> Grid:
    """The cells split by gender or age: the selection without the split, up to its release, counted per cell
    (as the unsplit map shows it), each cell's answers as a gender-by-age table through disclosure.suppress, and
    of each table only the figure asked for. Every split value reads the same tables, so a cell left out for one
    answer says nothing about another."""
    cut = released(selection)
    totals = {(c["e"], c["n"]): c["count"] for c in grid(cut, size_m).cells}
    rows = db.session.execute(_query(cut, [Report.lon, Report.lat, Report.gender, Report.age_group]).where(
        or_(Report.gender.is_not(None), Report.age_group.is_not(None)))).all()
    answers: dict[tuple[int, int], list] = {}
    if rows:
        east, north = geo.to_sweref(np.array([r[0] for r in rows], float), np.array([r[1] for r in rows], float))
        for row, e, n in zip(rows, np.atleast_1d(east), np.atleast_1d(north)):
            key = (int(np.floor(e / size_m)) * size_m, int(np.floor(n / size_m)) * size_m)
            answers.setdefault(key, []).append((row[2], row[3]))
    cells = []
    for key, reports in answers.items():
        value = split_value(split_table(reports, totals.get(key, len(reports))), selection)
        if value:
            cells.append({"e": key[0], "n": key[1], "count": value})
    cells.sort(key=lambda c: (-c["count"], c["e"], c["n"]))
    return Grid(size_m, cells, sum(c["count"] for c in cells), split=True)


def _cells_of_reports(selection: Selection, size_m: int) -> tuple[np.ndarray, np.ndarray, None]:
    """The selection's cells read from the reports one by one: any filter, any size."""
    lons, lats = positions(selection)
    east, north = geo.to_sweref(lons, lats)
    return (np.floor(np.asarray(east) / size_m).astype(np.int64),
            np.floor(np.asarray(north) / size_m).astype(np.int64), None)


def _month_start(day: date, months: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _counted_cells(selection: Selection, size_m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The selection's cells (column, row at `size_m`) and counts from the counts per 100 m cell that triggers
    keep (heat_cell, heat_cell_category, heat_cell_month, heat_cell_year; webapp/reports/spatial.py), or None when
    they cannot answer: a size that is not a whole number of 100 m cells, an area, a campaign or a gender/age
    split. A period reads its whole years from heat_cell_year (when no category or time of day is chosen), its
    other whole months from heat_cell_month and the days at either end from the reports themselves."""
    if size_m % CELL_M or selection.district or selection.campaign or selection.demographic:
        return None
    filtered = bool(selection.kinds or selection.categories or selection.times_of_day)
    wanted_categories = None
    if filtered:
        # Always a list of categories, so that the database reads the key's ranges for them (with the times).
        wanted = select(Category.id)
        if selection.kinds:
            wanted = wanted.where(Category.kind.in_(selection.kinds))
        if selection.categories:
            wanted = wanted.where(Category.key.in_(selection.categories))
        wanted_categories = db.session.execute(wanted).scalars().all()

    def counts(table, *conditions):
        # Summed per cell below rather than by GROUP BY: the rows come in key order, not by cell.
        query = select(table.ce, table.cn, table.n).where(table.n > 0, *conditions)
        if table is not HeatCell and table is not HeatCellYear and filtered:
            query = query.where(table.category_id.in_(wanted_categories))
            if selection.times_of_day:
                query = query.where(table.time_of_day.in_(selection.times_of_day))
        return raw_rows(query)

    if not (selection.date_from or selection.date_to):
        rows = counts(HeatCellCategory if filtered else HeatCell)
    else:
        # Months as whole numbers (year * 12 + month - 1); the whole months are [first, after), None: no end.
        first = selection.date_from and _index(selection.date_from if selection.date_from.day == 1
                                               else _month_start(selection.date_from, 1))
        after = selection.date_to and _index(_month_start(selection.date_to, 0 if (
            selection.date_to + timedelta(days=1)).day != 1 else 1))   # the first month after the whole months
        if first is not None and after is not None and first >= after:
            return None   # no whole month inside: the reports themselves are few and quick to read
        rows = []
        months = [(first, after)]
        years_from = None if first is None else -(-first // 12)  # the whole years inside: [years_from, years_to)
        years_to = None if after is None else after // 12
        if not filtered and (years_from is None or years_to is None or years_from < years_to):
            # The whole years from heat_cell_year (one row per cell); the months either side from heat_cell_month.
            rows += counts(HeatCellYear, *([HeatCellYear.year >= years_from] if years_from is not None else []),
                           *([HeatCellYear.year < years_to] if years_to is not None else []))
            months = ([(first, years_from * 12)] if years_from is not None and first < years_from * 12 else []) + \
                     ([(years_to * 12, after)] if years_to is not None and years_to * 12 < after else [])
        for lo, hi in months:
            rows += counts(HeatCellMonth, *([HeatCellMonth.month >= _month_key(lo)] if lo is not None else []),
                           *([HeatCellMonth.month <= _month_key(hi - 1)] if hi is not None else []))
        edges = []
        if first is not None and _month_date(first) != selection.date_from:
            edges.append((selection.date_from, _month_date(first) - timedelta(days=1)))
        if after is not None and _month_date(after) != selection.date_to + timedelta(days=1):
            edges.append((_month_date(after), selection.date_to))
        for start, end in edges:
            edge = Selection(**{**asdict(selection), "date_from": start, "date_to": end})
            rows += [(e, n, 1) for e, n in raw_rows(_query(edge, [Report.cell_e, Report.cell_n]))]
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    array = np.array(rows, dtype=np.int64)
    factor = size_m // CELL_M
    return array[:, 0] // factor, array[:, 1] // factor, array[:, 2].astype(float)


def _index(day: date) -> int:
    """The month of `day` as one whole number, year * 12 + month - 1."""
    return day.year * 12 + day.month - 1


def _month_key(index: int) -> int:
    """heat_cell_month's key (year * 100 + month) of a month number."""
    return (index // 12) * 100 + index % 12 + 1


def _month_date(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def grid_geojson(result: Grid) -> dict:
    size = result.size_m
    # All corners projected in one call (per corner, the projection would cost more than counting the cells).
    east = np.asarray([c["e"] for c in result.cells], dtype=float)[:, None] + np.array([0, size, size, 0, 0])
    north = np.asarray([c["n"] for c in result.cells], dtype=float)[:, None] + np.array([0, 0, size, size, 0])
    lons, lats = geo.to_wgs84(east.ravel(), north.ravel()) if result.cells else ([], [])
    # One ring of five [lon, lat] corners per cell, made into lists in one call.
    rings = np.round(np.stack([np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)], axis=-1),
                     6).reshape(-1, 5, 2).tolist()
    return {"type": "FeatureCollection", "cell_size_m": size, "total": result.total,
            "split": result.split,
            "features": [{"type": "Feature",
                          "geometry": {"type": "Polygon", "coordinates": [ring]},
                          "properties": {"count": c["count"], "sweref99tm_e": c["e"], "sweref99tm_n": c["n"],
                                         "cell_size_m": size}}
                         for c, ring in zip(result.cells, rings)]}


def grid_compact(result: Grid) -> dict:
    """The grid as the heat map draws it: per cell its column, row and count, where the cell's south-west corner
    is (column × size, row × size) in SWEREF 99 TM metres. The same cells and counts as `grid_geojson` at a
    fraction of the size and the work (no corners projected: the browser draws the squares itself)."""
    size = result.size_m
    return {"crs": "EPSG:3006", "size": size, "origin": [0, 0], "total": result.total,
            "split": result.split,
            "cells": [[c["e"] // size, c["n"] // size, c["count"]] for c in result.cells]}


def point_rows(selection: Selection) -> Iterator[dict]:
    """The selected reports one by one, streamed from the database (no personal data). Refused at once (not
    when the stream is read) when split by gender or age."""
    query = _query(selection, [Report.reference, Report.created_at, Category.key, Category.kind, Report.status,
                               Report.time_of_day, Report.safety_rating, District.name, Zone.name, Report.source,
                               Campaign.slug, Report.support_count, Report.lon, Report.lat])
    query = (query.outerjoin(District, District.id == Report.district_id).outerjoin(Zone, Zone.id == Report.zone_id)
             .outerjoin(Campaign, Campaign.id == Report.campaign_id).order_by(Report.id))
    return _point_stream(query)


def _point_stream(query) -> Iterator[dict]:
    result = db.session.execute(query.execution_options(yield_per=5000))
    for chunk in result.partitions():
        # One projection call per chunk: per-row calls would cost more than everything else.
        east, north = geo.to_sweref(np.fromiter((r[12] for r in chunk), float, len(chunk)),
                                    np.fromiter((r[13] for r in chunk), float, len(chunk)))
        for row, e, n in zip(chunk, east, north):
            yield dict(zip(POINT_COLUMNS, [row[0], local_time(row[1]), row[2], row[3], row[4], row[5], row[6],
                                           row[7], row[8], row[9], row[10], row[11], round(row[12], 6),
                                           round(row[13], 6), round(float(e), 1), round(float(n), 1)]))


# Spreadsheets carry words where the database has codes (the category's name, the status in the reader's
# language…) and the category's code in a column of its own for joining in a GIS.
SHEET_COLUMNS = [*POINT_COLUMNS, "category_code"]


def _sheet_rows(rows: Iterator[dict]) -> Iterator[list]:
    words = export_words()
    for row in rows:
        yield [worded(words, c, row[c]) for c in POINT_COLUMNS] + [row["category"]]


def points_csv(selection: Selection, *, excel: bool = False) -> Iterator[str]:
    rows = point_rows(selection)
    return spreadsheets.csv_lines(SHEET_COLUMNS, _sheet_rows(rows), excel=excel)


def points_geojson(selection: Selection) -> Iterator[str]:
    """A GeoJSON FeatureCollection written piece by piece, so memory stays flat for any number of reports."""
    rows = point_rows(selection)

    def pieces():
        yield '{"type": "FeatureCollection", "features": ['
        first = True
        for row in rows:
            feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                       "properties": {k: v.isoformat() if isinstance(v, datetime) else v
                                      for k, v in row.items() if k not in ("lon", "lat")}}
            yield ("" if first else ",") + json.dumps(feature, ensure_ascii=False)
            first = False
        yield "]}"

    return pieces()


def points_geojson_file(selection: Selection, path) -> int:
    """The GeoJSON FeatureCollection of `points_geojson` written to `path` piece by piece. Returns the number of
    reports written."""
    pieces = points_geojson(selection)
    written = -2  # the opening and closing pieces are no report
    with open(path, "w", encoding="utf-8") as handle:
        for piece in pieces:
            handle.write(piece)
            written += 1
    return written


def points_xlsx(selection: Selection, path) -> int:
    rows = point_rows(selection)
    written = spreadsheets.write_xlsx(path, [(str(_l("Reports")), itertools.chain([spreadsheets.heading(SHEET_COLUMNS)], _sheet_rows(rows)))])
    return written - 1


def describe_for_people(selection: Selection) -> list[str]:
    """The selection in words, one line per filter, for the legend of a picture ("all" where nothing was chosen)."""
    from flask_babel import gettext as _


    if selection.date_from or selection.date_to:
        period = f"{selection.date_from.isoformat() if selection.date_from else '…'} – " \
                 f"{selection.date_to.isoformat() if selection.date_to else '…'}"
    else:
        period = _("all dates")
    if selection.categories:
        names = {c.key: category_name(c) for c in db.session.execute(
            select(Category).where(Category.key.in_(selection.categories))).scalars()}
        categories = ", ".join(names.get(k, k) for k in selection.categories)
    elif selection.kinds:
        categories = ", ".join({"safety": _("safety-walk answers"), "fault": _("fault reports")}[k]
                               for k in selection.kinds)
    else:
        categories = _("all categories")
    times = {"day": _("day"), "evening": _("evening"), "night": _("night")}
    lines = [_("Period: %(period)s", period=period), _("Categories: %(categories)s", categories=categories),
             _("Time of day: %(times)s", times=", ".join(times[t] for t in selection.times_of_day)
               if selection.times_of_day else _("all times"))]
    if selection.district:
        district = db.session.get(District, selection.district)
        lines.append(_("Area: %(name)s", name=district.name if district else selection.district))
    if selection.campaign:
        campaign = db.session.get(Campaign, selection.campaign)
        lines.append(_("Campaign: %(name)s", name=campaign.name if campaign else selection.campaign))
    if selection.demographic:
        chosen = [str(GENDERS[selection.gender])] if selection.gender else []
        chosen += [str(AGE_GROUPS[selection.age_group])] if selection.age_group else []
        lines.append(_("Answered: %(answers)s (squares with fewer than %(n)d reports are left out)",
                       answers=", ".join(chosen), n=disclosure.threshold()))
    return lines


def heat_png(result: Grid, title: str, width: int = 1200, selection: Selection | None = None) -> bytes:
    """A heat-map picture: the grid cells on a light background (tiles from HEATMAP_TILE_URL when that answers,
    else the kommun's land and sea and SCB's localities kept in the project), the districts outlined, a scale bar,
    a north arrow and a legend that prints the selection (see webapp.insights.picture)."""
    from flask import current_app


    return picture.render(result, title, selection_lines=describe_for_people(selection or Selection()), width=width,
                          tile_url=current_app.config.get("HEATMAP_TILE_URL", ""),
                          tile_attribution=current_app.config.get("HEATMAP_TILE_ATTRIBUTION", ""))


EXPORT_JOB_FORMATS = {"xlsx": points_xlsx, "geojson": points_geojson_file}


def start_export(selection: Selection, fmt: str, actor: str, folder: str):
    """Queue a points export too large to write while the browser waits (an XLSX or a GeoJSON file above
    XLSX_WEB_LIMIT): a worker writes it into `folder` and its page links to the file (webapp.jobs)."""
    if fmt not in EXPORT_JOB_FORMATS:
        raise ValueError(fmt)
    wanted = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(selection).items()}
    return jobs.enqueue("points_export", {"selection": wanted, "fmt": fmt, "folder": folder}, actor,
                        total=count(selection))


def run_export_job(job, context) -> dict:
    """The job handler for a queued export: writes the file under a temporary name and renames it when whole,
    so that a worker killed half-way leaves no half file behind a link, and a second attempt starts afresh."""
    import os
    params = job.params
    selection = Selection(**{k: (date.fromisoformat(v) if k.startswith("date_") and v else v)
                             for k, v in params["selection"].items()})
    folder = Path(params["folder"])
    folder.mkdir(parents=True, exist_ok=True)
    name = f"job-{job.id}.{params['fmt']}"
    partial = folder / f"{name}.part"
    rows = EXPORT_JOB_FORMATS[params["fmt"]](selection, partial)
    os.replace(partial, folder / name)
    context.step(rows, rows)
    log_export("points", params["fmt"], selection, rows=rows, actor=job.created_by)
    return {"file": name, "rows": rows}


def export_file(job) -> Path | None:
    """The finished file of an export job, if it is there."""
    if job is None or job.kind != "points_export" or job.status != "done" or not job.result:
        return None
    path = Path(job.params["folder"]) / job.result["file"]
    return path if path.exists() else None


def log_export(kind: str, fmt: str, selection: Selection, *, rows: int, actor: str) -> ExportLog:
    entry = ExportLog(kind=kind, fmt=fmt, filters=selection.describe(), rows=rows, actor=actor)
    db.session.add(entry)
    db.session.flush()
    audit.record("export", entry.id, kind, actor, fmt=fmt, rows=rows)
    db.session.flush()
    return entry


def export_log(limit: int = 50) -> list[ExportLog]:
    return list(db.session.execute(select(ExportLog).order_by(ExportLog.id.desc()).limit(limit)).scalars())


def dated_name(kind: str, fmt: str, today: date | None = None) -> str:
    return f"{(today or local_today()).isoformat()}_{kind}.{fmt}"


# The case officers' export: one row per report with the times of its steps

CASE_COLUMNS = ["reference", "category", "kind", "district", "zone", "source", "campaign", "lon", "lat",
                "sweref99tm_e", "sweref99tm_n", "status", "department", "work_order", "work_order_type",
                "received", "planned", "fixed_or_closed", "days_to_fix", "category_code"]


def case_rows(selection: Selection) -> Iterator[list]:
    """Every selected report with when it was received, planned and fixed or closed, and its work order."""
    from sqlalchemy.orm import selectinload


    query = (_query(selection, [Report]).options(selectinload(Report.history), selectinload(Report.category),
                                                  selectinload(Report.district), selectinload(Report.zone),
                                                  selectinload(Report.campaign))
             .order_by(Report.id))
    reports = db.session.execute(query).scalars().all()
    words = export_words()
    orders = {}
    if reports:
        for report_id, order in db.session.execute(
                select(WorkOrderReport.report_id, WorkOrder).join(WorkOrder, WorkOrder.id == WorkOrderReport.work_order_id)
                .where(WorkOrderReport.report_id.in_([r.id for r in reports])).order_by(WorkOrder.id)).all():
            orders[report_id] = order
    for r in reports:
        steps = {}
        for h in r.history:
            steps.setdefault(h.to_status, as_utc(h.created_at))
        received = as_utc(r.created_at)
        done = steps.get("fixed") or steps.get("closed") or steps.get("referred")
        order = orders.get(r.id)
        e, n = geo.to_sweref(r.lon, r.lat)
        yield [r.reference, worded(words, "category", r.category.key), worded(words, "kind", r.category.kind),
               r.district.name if r.district else "", r.zone.name if r.zone else "", worded(words, "source", r.source),
               r.campaign.slug if r.campaign else "", round(r.lon, 6),
               round(r.lat, 6), round(e, 1), round(n, 1), worded(words, "status", r.status),
               r.department_code or r.category.department_code or "", order.number if order else "",
               str(KINDS[order.kind]) if order and order.kind in KINDS else (order.kind if order else ""),
               local_time(received),
               local_time(steps["planned"]) if "planned" in steps else "", local_time(done) if done else "",
               round((done - received).total_seconds() / 86400, 2) if done else "", r.category.key]


def contact_rows(selection: Selection) -> Iterator[list]:
    """Reporter contacts, for admins only (the caller logs the export)."""
    query = _query(selection, [Report.reference, Report.reporter_email, Report.reporter_name, Report.reporter_phone,
                               Report.created_at]).where(
        (Report.reporter_email.is_not(None)) | (Report.reporter_phone.is_not(None)))
    for row in db.session.execute(query.order_by(Report.id)):
        yield [row[0], row[1] or "", row[2] or "", row[3] or "", local_time(row[4])]


# The basis for lighting work: dark places, split into broken lights (TS) and no lighting (SB)

def lighting_basis(selection: Selection, radius_m: float = 30) -> dict:
    """Dark and unsafe places and street-light faults grouped into places within `radius_m`. A place with a
    street-light report or a light-repair work order is "existing light broken or weak" (TS); the others are
    "no lighting here" (SB, new lighting). Split by gender or age, the places are those of the selection
    without the split up to its release, and each shows only its split figure through the disclosure rule
    (`split_table`): no references, photos or times of day, and a place whose figure is hidden or nought is left
    out, without saying how many were."""
    from sqlalchemy.orm import selectinload


    wanted = Selection(**{**asdict(selection), "categories": ["dark_unsafe", "street_light"], "kinds": []})
    if selection.demographic:
        wanted = released(wanted)
    reports = db.session.execute(_query(wanted, [Report]).options(selectinload(Report.photos), selectinload(Report.district))
                                 .order_by(Report.created_at)).scalars().all()
    kinds = {}
    if reports:
        for report_id, kind, status in db.session.execute(
                select(WorkOrderReport.report_id, WorkOrder.kind, WorkOrder.status)
                .join(WorkOrder, WorkOrder.id == WorkOrderReport.work_order_id)
                .where(WorkOrderReport.report_id.in_([r.id for r in reports]))).all():
            kinds.setdefault(report_id, []).append((kind, status))
    existing, new = [], []
    # With street lights in the inventory, a place with one within ASSET_NEW_LIGHT_DISTANCE_M has a light that is
    # broken or weak (a repair, TS), not a want of lighting (issue 26.4).
    light_radius = current_app.config["ASSET_NEW_LIGHT_DISTANCE_M"]
    has_lights = bool(reports) and assets.has_inventory(assets.LIGHT_KIND)
    for place in places(reports, radius_m):
        group = place["reports"]
        orders = [o for r in group for o in kinds.get(r.id, [])]
        repairs = [o for o in orders if o[0] == "light_repair"]
        entry = {
            "lon": round(place["lon"], 6), "lat": round(place["lat"], 6), "count": place["count"],
            "times": {t: sum(1 for r in group if r.time_of_day == t) for t in TIMES_OF_DAY},
            "references": [r.reference for r in group], "report_ids": [r.id for r in group],
            "photos": [p.stem for r in group for p in r.photos if p.moderation == Moderation.APPROVED],
            "repairs_done": sum(1 for o in repairs if o[1] in (WorkOrderStatus.DONE, WorkOrderStatus.VERIFIED)), "repairs": len(repairs),
            "new_lighting_orders": sum(1 for o in orders if o[0] == "light_new"),
        }
        lights = assets.nearest_assets(assets.LIGHT_KIND, place["lat"], place["lon"], light_radius, 1) \
            if has_lights else []
        entry["light"] = assets.label(lights[0][0]) if lights else None
        entry["light_id"] = lights[0][0].id if lights else None
        e, n = geo.to_sweref(place["lon"], place["lat"])
        entry["sweref99tm_e"], entry["sweref99tm_n"] = round(e, 1), round(n, 1)
        districts = Counter(r.district.name for r in group if r.district)
        entry["area"] = districts.most_common(1)[0][0] if districts else ""
        entry["place_text"] = next((r.public_location_text for r in group if r.public_location_text), "")
        is_existing = any(r.category.key == "street_light" for r in group) or repairs or lights
        if selection.demographic:
            answered = [(r.gender, r.age_group) for r in group if r.gender or r.age_group]
            value = split_value(split_table(answered, len(group)), selection) if answered else 0
            if not value:
                continue
            entry = {**entry, "count": value, "times": {t: None for t in TIMES_OF_DAY}, "references": [], "report_ids": [],
                     "photos": []}
        (existing if is_existing else new).append(entry)
    # Where each place is, in words: the nearest street or address the kommun has loaded (geo.streets), else what
    # a resident wrote about the place (masked of contact details).
    every = existing + new
    for entry, address in zip(every, streets.nearest_addresses([(p["lon"], p["lat"]) for p in every])):
        entry["address"] = address or entry["place_text"]
        del entry["place_text"]
    return {"existing": existing, "new": new, "split": selection.demographic, "has_lights": has_lights}
