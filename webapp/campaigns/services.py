"""Campaign rules: creating and checking campaigns, reports through them, results and comparisons, and engagement
activities. Every change records who made it. The Instagram import is in imports.py, safety walks in walks.py."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from shapely.geometry import Point, mapping, shape
from shapely.ops import unary_union
from sqlalchemy import select

from webapp import audit, disclosure
from webapp.campaigns import walks
from webapp.campaigns.models import Campaign, EngagementActivity
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.models import District
from webapp.media import PhotoSettings
from webapp.municipality import current_municipality
from webapp.reports import catalogue, intake
from webapp.reports.intake import NewReport
from webapp.reports.models import Category, Report
from webapp.reports.status import Moderation, ReportStatus
from webapp.timeutil import local_date, local_today

KINDS = {
    "instagram_week": _l("Instagram week"),
    "safety_walk": _l("Digital safety walk"),
    "experience_collection": _l("Experience collection"),
    "follow_up": _l("Follow-up"),
    "dialogue": _l("Citizen dialogue"),
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
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")
PLACE_RADIUS_M = 30


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
    intro_ar: str = ""
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
            raise InputRefused("drawn_area", _l("The drawn area could not be read. Draw it again.")) from None
        if geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputRefused("drawn_area", _l("Draw the area as a polygon."))
        kommun = geo.kommun_boundary().buffer(0.005)
        if not kommun.contains(geometry.buffer(0)):
            raise InputRefused("drawn_area", _l("The area must lie inside %(kommun)s.",
                                                  kommun=current_municipality().kommun))
        return json.dumps(mapping(geometry)), []
    if not data.district_ids:
        raise InputRefused("districts", _l("Choose at least one area or draw one on the map."))
    rows = list(db.session.execute(select(District).where(District.id.in_(data.district_ids))).scalars())
    if len(rows) != len(set(data.district_ids)):
        raise InputRefused("districts", _l("Choose an area from the list."))
    geometry = unary_union([shape(json.loads(d.geometry)) for d in rows])
    return json.dumps(mapping(geometry)), sorted({d.id for d in rows})


def _check(data: CampaignInput, campaign: Campaign | None = None) -> None:
    if not data.name.strip():
        raise InputRefused("name", _l("Give the campaign a name."))
    slug = (data.slug or geo.slugify(data.name)).strip().lower()
    if not SLUG_RE.match(slug):
        raise InputRefused("slug", _l("The short name may have lower-case letters, digits and hyphens (3–80)."))
    taken = db.session.execute(select(Campaign.id).where(Campaign.slug == slug)).scalar_one_or_none()
    if taken is not None and (campaign is None or taken != campaign.id):
        raise InputRefused("slug", _l("Another campaign already uses that short name."))
    data.slug = slug
    if data.kind not in KINDS:
        raise InputRefused("kind", _l("Choose the kind of campaign."))
    if not data.starts_on or not data.ends_on:
        raise InputRefused("starts_on", _l("Give a start and an end date."))
    if data.ends_on < data.starts_on:
        raise InputRefused("ends_on", _l("The end date must not be before the start date."))
    known = set(db.session.execute(select(Category.key)).scalars())
    if set(data.category_keys) - known:
        raise InputRefused("category_keys", _l("Choose what you want to report."))
    if data.follows_id is not None and (campaign is not None and data.follows_id == campaign.id):
        raise InputRefused("follows_id", _l("A campaign cannot follow up itself."))


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
    campaign.intro = {k: v.strip() for k, v in (("sv", data.intro_sv), ("en", data.intro_en), ("ar", data.intro_ar)) if v and v.strip()}
    campaign.follows_id = data.follows_id
    campaign.asks_demographics = bool(data.asks_demographics)
    campaign.uses_audit = bool(data.uses_audit)
    db.session.flush()
    audit.record("campaign", campaign.id, "saved", actor, slug=campaign.slug,
                 period=f"{campaign.starts_on}..{campaign.ends_on}")
    db.session.flush()
    return campaign


def by_slug(slug: str) -> Campaign | None:
    return db.session.execute(select(Campaign).where(Campaign.slug == slug)).scalar_one_or_none()


def all_campaigns() -> list[Campaign]:
    return list(db.session.execute(select(Campaign).order_by(Campaign.starts_on.desc())).scalars())


def is_open(campaign: Campaign, today: date | None = None) -> bool:
    today = today or local_today()
    return campaign.starts_on <= today <= campaign.ends_on


def area_shape(campaign: Campaign):
    return shape(json.loads(campaign.area))


def categories_for(campaign: Campaign) -> list[Category]:
    active = catalogue.active_categories()
    if not campaign.category_keys:
        return active
    return [c for c in active if c.key in campaign.category_keys]


def submit(campaign: Campaign, data: NewReport, settings: PhotoSettings, *, actor: str = "resident",
           today: date | None = None, gender: str | None = None, age_group: str | None = None,
           group=None, audit_answers: dict | None = None) -> tuple[Report, str]:
    """A report through a campaign's page: the campaign must be open, the category one it asks about and the
    place inside its area. The report is tagged with the campaign, and with the group whose link was used;
    a campaign that uses the structured audit stores its answers with the report."""
    again = intake.replayed(data)
    if again is not None:
        if again[0].campaign_id != campaign.id:  # a key made for another form: never touch that report
            raise InputRefused("idempotency_key", _l("The form was changed on the way. Reload the page and try again."))
        return again  # sent twice (a retry, or queued offline): stored once
    if not is_open(campaign, today):
        raise InputRefused("campaign", _l("This campaign is closed."))
    if campaign.category_keys and data.category_key not in campaign.category_keys:
        raise InputRefused("category", _l("Choose what you want to report."))
    if data.lat is not None and data.lon is not None:
        if not area_shape(campaign).buffer(0.002).contains(Point(data.lon, data.lat)):
            raise InputRefused("location", _l("That place is outside this campaign's area. "
                                             "Choose a place inside the area shown on the map."))
    if gender and (not campaign.asks_demographics or gender not in GENDERS):
        raise InputRefused("gender", _l("Choose one of the answers given."))
    if age_group and (not campaign.asks_demographics or age_group not in AGE_GROUPS):
        raise InputRefused("age_group", _l("Choose one of the answers given."))
    if group is not None and group.campaign_id != campaign.id:
        raise InputRefused("group", _l("This group link belongs to another campaign."))
    answered = walks.check_audit(audit_answers or {}) if campaign.uses_audit else {}
    report, token = intake.create_report(data, settings, actor=actor)
    report.campaign_id = campaign.id
    report.gender, report.age_group = gender or None, age_group or None
    report.group_id = group.id if group is not None else None
    walks.save_audit(report, answered)
    db.session.flush()
    return report, token


def split_results(campaign: Campaign) -> dict:
    """The campaign's reports by gender and by age group, per category, through the disclosure rule
    (webapp/disclosure.py): counted up to the campaign's release (so the figures move in steps of at least the
    threshold, never with one new respondent), and each table (the answers, and no answer, by category)
    suppressed with the campaign's total and each category's total taken as published, so that no hidden
    figure follows by subtraction from the row totals, the category totals or the other cells.
    `too_small` when the campaign has not yet had the threshold of reports before today."""
    rows = db.session.execute(
        select(Report.created_at, Report.gender, Report.age_group, Category.key)
        .join(Category, Category.id == Report.category_id)
        .where(Report.campaign_id == campaign.id, Report.status != ReportStatus.DUPLICATE)).all()
    # Blocks of respondents (reports whose reporter answered gender or age), by Stockholm's days.
    day = disclosure.release_day(Counter(local_date(r[0]) for r in rows if r[1] or r[2]), local_today())
    if day is None:
        return {"too_small": True, "counted_until": None, "total": None, "categories": [], "gender": [],
                "age_group": []}
    # What a release showed is kept until the next one: a report edited meanwhile (its category changed) does
    # not move a released figure by one respondent; its change shows with the next whole block.
    figures = disclosure.kept_release(f"campaign-split:{campaign.id}", day,
                                      lambda: _split_figures(campaign, rows, day))
    result = {"too_small": False, "counted_until": day, "total": figures["total"],
              "categories": figures["categories"]}
    for attribute, labels in (("gender", GENDERS), ("age_group", AGE_GROUPS)):
        result[attribute] = [{**row, "label": labels[row["answer"]]} for row in figures[attribute]]
    return result


def _split_figures(campaign: Campaign, rows, day) -> dict:
    """The suppressed tables of split_results as plain values (kept as a release's figures)."""
    counted = [r for r in rows if local_date(r[0]) <= day]
    keys = list(campaign.category_keys or [])
    keys += sorted({r[3] for r in counted} - set(keys))
    figures = {"total": len(counted), "categories": keys}
    for attribute, labels, column in (("gender", GENDERS, 1), ("age_group", AGE_GROUPS, 2)):
        answers = [*labels, None]
        table = [[0] * len(keys) for _ in answers]
        for r in counted:
            table[answers.index(r[column] if r[column] in labels else None)][keys.index(r[3])] += 1
        shown = disclosure.suppress(table, published=("total", "columns"))
        figures[attribute] = [{"answer": a, "total": shown.row_totals[i], "by_category": dict(zip(keys, shown.cells[i]))}
                              for i, a in enumerate(answers) if a is not None]
    return figures


# Results and comparison

def campaign_reports(campaign: Campaign) -> list[Report]:
    return list(db.session.execute(select(Report).where(Report.campaign_id == campaign.id,
                                                        Report.status != ReportStatus.DUPLICATE)
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
    photos = [p for r in rows for p in r.photos if p.moderation == Moderation.APPROVED]
    return {
        "total": len(rows), "by_kind": by_kind, "by_category": by_category, "by_district": by_district,
        "fixed": sum(1 for r in rows if r.status == ReportStatus.FIXED), "unplaced": sum(1 for r in rows if r.lat is None),
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


def comparison_caveats(baseline: Campaign, follow_up: Campaign, today: date | None = None) -> dict:
    """What makes two campaigns' counts not comparable as they stand: a campaign that has not ended (its count
    still grows; Stockholm's calendar day) and areas that differ (by more than a sliver, so that the same
    districts drawn twice are the same). `running` lists the campaigns not ended yet, the follow-up first;
    `areas_differ` is None when an area cannot be read."""
    today = today or local_today()
    running = [c for c in (follow_up, baseline) if c.ends_on >= today]
    if baseline.district_ids and follow_up.district_ids:
        areas_differ = set(baseline.district_ids) != set(follow_up.district_ids)
    else:
        try:
            before, after = area_shape(baseline), area_shape(follow_up)
            union = before.union(after).area
            areas_differ = union > 0 and before.symmetric_difference(after).area / union > 0.01
        except (ValueError, TypeError, AttributeError, KeyError):
            areas_differ = None
    return {"running": running, "areas_differ": areas_differ}


# Engagement activities

def add_activity(*, held_on: date | None, kind: str, title: str, participants: int | None, actor: str,
                 district_id: int | None = None, campaign_id: int | None = None, notes: str = "") -> EngagementActivity:
    if held_on is None:
        raise InputRefused("held_on", _l("Give the date."))
    if kind not in ACTIVITY_KINDS:
        raise InputRefused("kind", _l("Choose the kind of activity."))
    if not (title or "").strip():
        raise InputRefused("title", _l("Give the activity a title."))
    if participants is None or participants < 0 or participants > 100000:
        raise InputRefused("participants", _l("Give the number of participants (0 or more)."))
    activity = EngagementActivity(held_on=held_on, kind=kind, title=title.strip(), participants=participants,
                                  district_id=district_id, campaign_id=campaign_id, notes=(notes or "").strip(),
                                  created_by=actor)
    db.session.add(activity)
    db.session.flush()
    audit.record("activity", activity.id, "created", actor)
    db.session.flush()
    return activity


def activities(start: date | None = None, end: date | None = None) -> list[EngagementActivity]:
    query = select(EngagementActivity)
    if start:
        query = query.where(EngagementActivity.held_on >= start)
    if end:
        query = query.where(EngagementActivity.held_on <= end)
    return list(db.session.execute(query.order_by(EngagementActivity.held_on.desc())).scalars())
