"""The programme's follow-up indicators (Uppföljning, annex 4) for a period, set against the same period a year
earlier, per district with the programme's area (the municipality's programme_area) against the rest."""
from __future__ import annotations

import csv
import io
import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from webapp import audit
from webapp.campaigns.models import Campaign, EngagementActivity, WalkGroup
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo.models import District
from webapp.insights.models import SurveyIndicator
from webapp.municipality import current_municipality
from webapp.reports.models import Category, Report, Satisfaction, StatusChange
from webapp.reports.status import ReportStatus, Source
from webapp.timeutil import EARLIEST_DAY, LATEST_DAY, as_utc, check_period, out_of_range_message
from webapp.workorders.models import Priority, WorkOrder, WorkOrderReport

SURVEY = {
    ("trygghetsmatning", "litter_vandalism_problem"): _l("See littering and vandalism as a problem (%)"),
    ("trygghetsmatning", "safe_evening"): _l("Feel safe outdoors in the evening (%)"),
    ("trygghetsmatning", "avoided_activity"): _l("Avoided an activity because of feeling unsafe (%)"),
    ("kritik_pa_teknik", "satisfaction"): _l("Satisfaction with technical services (index)"),
}


@dataclass(frozen=True)
class Period:
    start: date
    end: date   # inclusive
    label: str

    def year_before(self) -> "Period":
        def back(d: date) -> date:
            try:
                return d.replace(year=d.year - 1)
            except ValueError:  # 29 February
                return d.replace(year=d.year - 1, day=28)
        start, end = back(self.start), back(self.end)
        if re.fullmatch(r"\d{4}(-[QH]\d)?", self.label):
            return Period(start, end, str(start.year) + self.label[4:])
        return Period(start, end, f"{start}–{end}")

    def bounds(self) -> tuple[datetime, datetime]:
        return (datetime.combine(self.start, time.min, tzinfo=timezone.utc),
                datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=timezone.utc))


def parse_period(text: str | None, date_from: date | None = None, date_to: date | None = None) -> Period:
    """2018, 2018-H1, 2018-Q3, or a custom from–to."""
    if date_from and date_to:
        check_period(date_from, date_to)
        return Period(date_from, date_to, f"{date_from}–{date_to}")
    text = (text or "").strip().upper()
    match = re.fullmatch(r"(\d{4})(?:-(Q[1-4]|H[12]))?", text)
    if not match:
        raise InputRefused("period", _l("Choose a year, half-year or quarter, e.g. 2018, 2018-H1 or 2018-Q1."))
    year, part = int(match.group(1)), match.group(2)
    if not EARLIEST_DAY.year <= year <= LATEST_DAY.year:
        raise InputRefused("period", out_of_range_message())
    if part is None:
        return Period(date(year, 1, 1), date(year, 12, 31), str(year))
    if part.startswith("H"):
        first = 1 if part == "H1" else 7
        months = 6
    else:
        first = 3 * (int(part[1]) - 1) + 1
        months = 3
    end_month = first + months - 1
    end = (date(year + (end_month == 12), end_month % 12 + 1, 1) - timedelta(days=1))
    return Period(date(year, first, 1), end, f"{year}-{part}")


SOURCE_GROUPS = {Source.CAMPAIGN: "campaign", Source.INSTAGRAM: "instagram", Source.FIELD: "field",
                 Source.POLICE: "field", Source.CONTRACTOR: "field", Source.CLEANING: "field", Source.PHONE: "staff",
                 Source.VISIT: "staff"}


def _counts(period: Period) -> dict:
    """Reports received in the period, counted in SQL by district, category, kind and source."""
    start, end = period.bounds()
    rows = db.session.execute(
        select(District.name, Category.key, Category.kind, Report.source, func.count(Report.id))
        .join(Category, Category.id == Report.category_id).outerjoin(District, District.id == Report.district_id)
        .where(Report.created_at >= start, Report.created_at < end, Report.status != ReportStatus.DUPLICATE)
        .group_by(District.name, Category.key, Category.kind, Report.source)).all()
    by_district, by_category, by_source, by_kind = {}, {}, {}, {"fault": 0, "safety": 0}
    total = 0
    for district, key, kind, source, n in rows:
        total += n
        name = district or "—"
        by_district[name] = by_district.get(name, 0) + n
        by_category[key] = by_category.get(key, 0) + n
        group = SOURCE_GROUPS.get(source, "web")
        by_source[group] = by_source.get(group, 0) + n
        by_kind[kind] = by_kind.get(kind, 0) + n
    focus = by_district.get(current_municipality().programme_area, 0)
    return {"total": total, "focus": focus, "rest": total - focus, "by_district": by_district,
            "by_category": by_category, "by_source": by_source,
            # The programme's own indicator: fault reports, and comments/opinions (the safety-walk answers).
            "fault_reports": by_kind["fault"], "comments": by_kind["safety"]}


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * share
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (k - low), 2)


def _days_between(later, earlier):
    """Days from one timestamp to another, computed by the database (no per-row datetime parsing here)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return func.extract("epoch", later - earlier) / 86400.0


def _fixing(period: Period) -> dict:
    """Reports fixed in the period: days from received to fixed (median, 90th percentile), and the share fixed
    within the response time. A report fixed twice in the period counts once, by its first fix.

    The response time is the work order's due date when the report had one; a report fixed without a work order
    (crews often fix on the spot) is measured against its category's default priority instead: received date
    plus that priority's response days (the zone's shorter days inside the higher-intensity zone), as a work
    order made that day would have been due. Both counts are returned, so the page can say what was measured."""
    start, end = period.bounds()
    due = (select(WorkOrderReport.report_id.label("report_id"), func.min(WorkOrder.due_date).label("due"))
           .join(WorkOrder, WorkOrder.id == WorkOrderReport.work_order_id)
           .group_by(WorkOrderReport.report_id).subquery())
    fixes = (select(StatusChange.report_id.label("report_id"), func.min(StatusChange.created_at).label("fixed_at"))
             .where(StatusChange.to_status == ReportStatus.FIXED, StatusChange.created_at >= start, StatusChange.created_at < end)
             .group_by(StatusChange.report_id).subquery())
    in_time = case((func.date(fixes.c.fixed_at) <= due.c.due, 1), else_=0)
    response_days = case((Report.zone_id.is_not(None), Priority.response_days_zone), else_=Priority.response_days)
    rows = db.session.execute(
        select(_days_between(fixes.c.fixed_at, Report.created_at), due.c.due.is_not(None), in_time,
               Report.created_at, fixes.c.fixed_at, response_days)
        .join(Report, Report.id == fixes.c.report_id)
        .join(Category, Category.id == Report.category_id)
        .outerjoin(Priority, Priority.code == Category.default_priority)
        .outerjoin(due, due.c.report_id == fixes.c.report_id)).tuples().all()
    days = [float(d) for d, *_rest in rows]
    with_due = [ok for _d, has_due, ok, *_rest in rows if has_due]
    by_category = [int(as_utc(fixed).date() <= as_utc(received).date() + timedelta(days=int(allowed)))
                   for _d, has_due, _ok, received, fixed, allowed in rows if not has_due and allowed is not None]
    measured = with_due + by_category
    return {"fixed": len(rows), "median_days": round(statistics.median(days), 2) if days else None,
            "p90_days": _percentile(days, 0.9),
            "share_in_time": round(100 * sum(measured) / len(measured), 1) if measured else None,
            "with_due": len(with_due), "by_category_time": len(by_category),
            "not_measured": len(rows) - len(measured)}


def _satisfaction(period: Period) -> dict:
    start, end = period.bounds()
    scores = list(db.session.execute(select(Satisfaction.score).where(Satisfaction.created_at >= start,
                                                                      Satisfaction.created_at < end)).scalars())
    return {"answers": len(scores), "mean": round(sum(scores) / len(scores), 2) if scores else None}


def _engagement(period: Period) -> dict:
    activities = db.session.execute(select(func.count(EngagementActivity.id), func.coalesce(func.sum(
        EngagementActivity.participants), 0)).where(EngagementActivity.held_on >= period.start,
                                                    EngagementActivity.held_on <= period.end)).one()
    campaigns = list(db.session.execute(select(Campaign).where(Campaign.starts_on <= period.end,
                                                                Campaign.ends_on >= period.start)).scalars())
    start, end = period.bounds()
    campaign_reports = db.session.execute(select(func.count(Report.id)).where(
        Report.campaign_id.in_([c.id for c in campaigns] or [0]), Report.created_at >= start,
        Report.created_at < end)).scalar_one()
    # Who took part in the campaigns: members of the groups that reported, plus reports from individuals.
    in_groups = db.session.execute(select(func.coalesce(func.sum(WalkGroup.size), 0)).where(
        WalkGroup.id.in_(select(Report.group_id).where(Report.campaign_id.in_([c.id for c in campaigns] or [0]),
                                                       Report.created_at >= start, Report.created_at < end,
                                                       Report.status != ReportStatus.DUPLICATE)))).scalar_one()
    individual = db.session.execute(select(func.count(Report.id)).where(
        Report.campaign_id.in_([c.id for c in campaigns] or [0]), Report.group_id.is_(None),
        Report.created_at >= start, Report.created_at < end, Report.status != ReportStatus.DUPLICATE)).scalar_one()
    return {"activities": int(activities[0]), "participants": int(activities[1]), "campaigns": len(campaigns),
            "campaign_reports": int(campaign_reports), "campaign_participants": int(in_groups) + int(individual)}


def dashboard(period: Period) -> dict:
    before = period.year_before()
    now = {**_counts(period), **_fixing(period), **_satisfaction(period), **_engagement(period)}
    then = {**_counts(before), **_fixing(before), **_satisfaction(before), **_engagement(before)}
    return {"period": period, "before": before, "now": now, "then": then, "survey": survey_series(),
            "by_area": survey_beside_reports(period, now["by_district"], then["by_district"])}


# External survey indicators

def save_survey_value(*, source: str, indicator: str, area: str, year: int, value: float, actor: str) -> SurveyIndicator:
    if (source, indicator) not in SURVEY:
        raise InputRefused("indicator", _l("Unknown indicator."))
    if not area.strip():
        raise InputRefused("area", _l("Choose an area from the list."))
    if not 2000 <= int(year) <= 2100:
        raise InputRefused("year", _l("Give a year between 2000 and 2100."))
    if not 0 <= float(value) <= 100:
        raise InputRefused("value", _l("Give a value from 0 to 100."))
    row = db.session.execute(select(SurveyIndicator).where(
        SurveyIndicator.source == source, SurveyIndicator.indicator == indicator, SurveyIndicator.area == area.strip(),
        SurveyIndicator.year == int(year))).scalar_one_or_none()
    if row is None:
        row = SurveyIndicator(source=source, indicator=indicator, area=area.strip(), year=int(year), created_by=actor)
        db.session.add(row)
    row.value = float(value)
    db.session.flush()
    audit.record("survey_indicator", row.id, "saved", actor, value=row.value)
    db.session.flush()
    return row


def import_survey_csv(data: bytes, actor: str) -> tuple[int, list[tuple[int, str]]]:
    """CSV columns source, indicator, area, year, value. Returns (saved, [(line, error)])."""
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    except UnicodeDecodeError:
        raise InputRefused("csv", _l("The CSV file must be UTF-8 text.")) from None
    if not reader.fieldnames or not {"source", "indicator", "area", "year", "value"} <= set(reader.fieldnames):
        raise InputRefused("csv", _l("The CSV file needs the columns source, indicator, area, year and value."))
    saved, errors = 0, []
    for line, row in enumerate(reader, start=2):
        try:
            with db.session.begin_nested():  # a bad line undoes only itself
                save_survey_value(source=row["source"].strip(), indicator=row["indicator"].strip(), area=row["area"], year=int(row["year"]),
                                  value=float(row["value"].replace(",", ".")), actor=actor)
            saved += 1
        except (ValueError, KeyError) as exc:
            errors.append((line, str(getattr(exc, "message", "") or _l("A date, a number or a value is not valid."))))
    return saved, errors


def survey_series() -> list[dict]:
    """Every entered series (source, indicator, area) with its (year, value) points. `demo` is true when the
    values were made up by `flask demo load`, so that pages can say they are not the survey's results."""
    rows = db.session.execute(select(SurveyIndicator).order_by(SurveyIndicator.source, SurveyIndicator.indicator,
                                                               SurveyIndicator.area, SurveyIndicator.year)).scalars()
    series = {}
    for r in rows:
        key = (r.source, r.indicator, r.area)
        entry = series.setdefault(key, {"source": r.source, "indicator": r.indicator,
                                        "label": SURVEY.get((r.source, r.indicator)), "area": r.area, "points": [],
                                        "demo": False})
        entry["points"].append((r.year, r.value))
        entry["demo"] = entry["demo"] or r.created_by == DEMO_ACTOR
    return list(series.values())


DEMO_ACTOR = "demo"
# The police survey's indicators shown per area beside the platform's reports.
AREA_INDICATORS = ["litter_vandalism_problem", "safe_evening", "avoided_activity"]


def survey_beside_reports(period: Period, reports_now: dict, reports_then: dict) -> list[dict]:
    """Per survey area (the police survey's split, or whatever areas were entered): the reports received in the
    period and the year before, beside the safety survey's values for the period's year and the year before."""
    year, last = period.start.year, period.year_before().start.year
    values = {}
    for r in db.session.execute(select(SurveyIndicator).where(
            SurveyIndicator.source == "trygghetsmatning", SurveyIndicator.year.in_([year, last]))).scalars():
        values[(r.area, r.indicator, r.year)] = (r.value, r.created_by == DEMO_ACTOR)
    districts = list(db.session.execute(select(District.name).order_by(District.name)).scalars())
    areas = districts + sorted({a for a, _i, _y in values} - set(districts))
    rows = []
    for area in areas:
        if not any(k[0] == area for k in values) and not reports_now.get(area) and not reports_then.get(area):
            continue
        rows.append({"area": area, "reports_now": reports_now.get(area, 0), "reports_then": reports_then.get(area, 0),
                     "survey": {i: {"now": values.get((area, i, year), (None,))[0],
                                    "then": values.get((area, i, last), (None,))[0]} for i in AREA_INDICATORS},
                     "demo": any(v[1] for k, v in values.items() if k[0] == area)})
    return rows


def report_counts_by_year() -> dict[int, int]:
    """The platform's own count per year, to set beside the survey series."""
    year = func.extract("year", Report.created_at)
    return {int(y): n for y, n in db.session.execute(
        select(year, func.count(Report.id)).where(Report.status != ReportStatus.DUPLICATE).group_by(year)).all()}
