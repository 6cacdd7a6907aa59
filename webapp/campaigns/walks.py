"""The safety walk as municipalities run it: groups walking together with their own links, the structured
safety audit per point and its area scores, and the follow-up walk with its public protocol."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from shapely.geometry import LineString, shape
from sqlalchemy import func, select

from webapp import audit
from webapp.campaigns.models import Campaign, SafetyAudit, Walk, WalkGroup, WalkPoint
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.services import cell_polygon
from webapp.municipality import current_municipality
from webapp.reports.models import Report
from webapp.reports.status import ReportStatus
from webapp.timeutil import local_today, utcnow

GROUP_KINDS = {
    "school_class": _l("School class"),
    "preschool": _l("Pre-school"),
    "senior_home": _l("Senior home"),
    "association": _l("Association"),
    "other": _l("Other group"),
}
MAX_GROUP_SIZE = 500

# The structured audit, after Safetipin's safety-audit parameters; each is answered 1 (poor) to 5 (good).
AUDIT_PARAMETERS = {
    "lighting": (_l("Lighting"), _l("Is there enough light to see all around?")),
    "openness": (_l("Openness"), _l("Can you see clearly ahead and around you, with no places to hide?")),
    "visibility": (_l("Visibility"), _l("Can others see you: windows, doors, shops facing the place?")),
    "people": (_l("People around"), _l("Are there people around, women and children among them?")),
    "walk_path": (_l("Walk path"), _l("Is there a path or pavement that is even and easy to walk on?")),
    "transport": (_l("Public transport"), _l("Is a bus stop or the station close by?")),
    "security": (_l("Security presence"), _l("Are there guards, police or staff around?")),
    "feeling": (_l("Overall feeling"), _l("How safe does the place feel overall?")),
}
SCORE_MIN, SCORE_MAX = 1, 5
SCORE_CELL_M = 100

DECISIONS = {
    "work_order": _l("A work order is made"),
    "referred": _l("Referred to the party responsible"),
    "investigate": _l("To be investigated further"),
    "already_fixed": _l("Already fixed"),
    "no_action": _l("No action"),
}
# A decision of no action must say why, so that residents see the reason in the protocol.
NEEDS_REASON = {"no_action", "investigate"}
MAX_WALK_POINTS = 40


# Groups

def add_group(campaign: Campaign, name: str, *, kind: str, size: int | None, actor: str) -> WalkGroup:
    """Register a group for a campaign; its link /k/<slug>/g/<code> tags every report made through it."""
    if not (name or "").strip():
        raise InputRefused("name", _l("Give the group a name, for example “Class 8A”."))
    if kind not in GROUP_KINDS:
        raise InputRefused("kind", _l("Choose the kind of group."))
    if size is None or not 1 <= size <= MAX_GROUP_SIZE:
        raise InputRefused("size", _l("Give the number of people in the group (1–%(max)d).", max=MAX_GROUP_SIZE))
    group = WalkGroup(campaign_id=campaign.id, name=name.strip()[:120], kind=kind, size=size, created_by=actor,
                      code=secrets.token_hex(4))
    db.session.add(group)
    db.session.flush()
    audit.record("walk_group", group.id, "created", actor, campaign=campaign.slug, size=size)
    db.session.flush()
    return group


def groups_for(campaign: Campaign) -> list[WalkGroup]:
    return list(db.session.execute(select(WalkGroup).where(WalkGroup.campaign_id == campaign.id)
                                   .order_by(WalkGroup.name)).scalars())


def group_by_code(campaign: Campaign, code: str) -> WalkGroup | None:
    return db.session.execute(select(WalkGroup).where(WalkGroup.campaign_id == campaign.id,
                                                      WalkGroup.code == code)).scalar_one_or_none()


def participation(campaign: Campaign) -> dict:
    """Who took part: the groups that reported (with their sizes) and the reports from individuals."""
    counted = Report.status != ReportStatus.DUPLICATE
    per_group = dict(db.session.execute(
        select(Report.group_id, func.count(Report.id))
        .where(Report.campaign_id == campaign.id, Report.group_id.is_not(None), counted)
        .group_by(Report.group_id)).all())
    groups = [{"id": g.id, "name": g.name, "kind": GROUP_KINDS.get(g.kind, g.kind), "size": g.size,
               "reports": per_group.get(g.id, 0)} for g in groups_for(campaign)]
    individual = db.session.execute(select(func.count(Report.id)).where(
        Report.campaign_id == campaign.id, Report.group_id.is_(None), counted)).scalar_one()
    in_groups = sum(g["size"] for g in groups if g["reports"])
    return {"groups": groups, "in_groups": in_groups, "individual_reports": individual,
            "participants": in_groups + individual}


# The structured audit

def check_audit(values: dict[str, int | None]) -> dict[str, int]:
    """The answered parameters, each 1-5; unknown parameters or values out of range are refused."""
    answered = {}
    for key, value in values.items():
        if key not in AUDIT_PARAMETERS:
            raise InputRefused("audit", _l("Unknown question in the audit."))
        if value is None or value == "":
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InputRefused(f"audit_{key}", _l("Answer with a number from 1 to 5.")) from None
        if not SCORE_MIN <= number <= SCORE_MAX:
            raise InputRefused(f"audit_{key}", _l("Answer with a number from 1 to 5."))
        answered[key] = number
    return answered


def save_audit(report: Report, answered: dict[str, int]) -> SafetyAudit | None:
    """Attach the audit to the report (in the caller's transaction); nothing is stored when nothing was answered."""
    if not answered:
        return None
    row = db.session.execute(select(SafetyAudit).where(SafetyAudit.report_id == report.id)).scalar_one_or_none()
    if row is None:
        row = SafetyAudit(report_id=report.id)
        db.session.add(row)
    for key, value in answered.items():
        setattr(row, key, value)
    return row


def _audit_rows(campaign: Campaign) -> list[tuple]:
    columns = [getattr(SafetyAudit, key) for key in AUDIT_PARAMETERS]
    return db.session.execute(
        select(Report.lon, Report.lat, Report.district_id, *columns).join(SafetyAudit, SafetyAudit.report_id == Report.id)
        .where(Report.campaign_id == campaign.id, Report.lat.is_not(None), Report.hidden.is_(False),
               Report.status != ReportStatus.DUPLICATE)).all()


def _summarise(rows: list[tuple]) -> dict:
    """Mean of each parameter over the rows that answered it, and the overall score: the mean of those means."""
    means = {}
    for index, key in enumerate(AUDIT_PARAMETERS):
        values = [row[index] for row in rows if row[index] is not None]
        means[key] = round(sum(values) / len(values), 2) if values else None
    answered = [v for v in means.values() if v is not None]
    return {"audits": len(rows), "means": means, "score": round(sum(answered) / len(answered), 2) if answered else None}


@dataclass
class ScoreGrid:
    size_m: int
    cells: list[dict]   # {"e", "n", "audits", "means", "score"}


def score_grid(campaign: Campaign, size_m: int = SCORE_CELL_M) -> ScoreGrid:
    """The audits of a campaign summarised per square cell of the SWEREF 99 TM grid."""
    cells: dict[tuple[int, int], list[tuple]] = {}
    for row in _audit_rows(campaign):
        e, n = geo.to_sweref(row[0], row[1])
        cells.setdefault((int(e // size_m) * size_m, int(n // size_m) * size_m), []).append(row[3:])
    return ScoreGrid(size_m, [{"e": e, "n": n, **_summarise(rows)} for (e, n), rows in sorted(cells.items())])


def campaign_score(campaign: Campaign) -> dict:
    return _summarise([row[3:] for row in _audit_rows(campaign)])


def score_geojson(grid: ScoreGrid) -> dict:
    return {"type": "FeatureCollection", "cell_size_m": grid.size_m,
            "features": [{"type": "Feature",
                          "geometry": {"type": "Polygon", "coordinates": [cell_polygon(c, grid.size_m)]},
                          "properties": {"score": c["score"], "audits": c["audits"], **c["means"],
                                         "sweref99tm_e": c["e"], "sweref99tm_n": c["n"]}}
                         for c in grid.cells]}


def compare_scores(baseline: Campaign, follow_up: Campaign, size_m: int = SCORE_CELL_M) -> dict:
    """Audit scores before and after: overall, per parameter, and per cell audited in both."""
    before, after = campaign_score(baseline), campaign_score(follow_up)
    parameters = [{"key": key, "before": before["means"][key], "after": after["means"][key],
                   "change": (round(after["means"][key] - before["means"][key], 2)
                              if before["means"][key] is not None and after["means"][key] is not None else None)}
                  for key in AUDIT_PARAMETERS]
    b = {(c["e"], c["n"]): c for c in score_grid(baseline, size_m).cells}
    a = {(c["e"], c["n"]): c for c in score_grid(follow_up, size_m).cells}
    cells = [{"e": key[0], "n": key[1], "before": b[key]["score"], "after": a[key]["score"],
              "change": round(a[key]["score"] - b[key]["score"], 2)}
             for key in sorted(set(b) & set(a)) if b[key]["score"] is not None and a[key]["score"] is not None]
    return {"before": before, "after": after, "parameters": parameters, "cells": cells, "size_m": size_m}


# Walks and their protocol

def _walk_reports(campaign: Campaign, report_ids: list[int]) -> list[Report]:
    if not report_ids:
        raise InputRefused("points", _l("Choose at least one reported place to walk to."))
    if len(report_ids) > MAX_WALK_POINTS:
        raise InputRefused("points", _l("A walk can have at most %(n)d stops.", n=MAX_WALK_POINTS))
    rows = {r.id: r for r in db.session.execute(select(Report).where(
        Report.id.in_(report_ids), Report.campaign_id == campaign.id, Report.lat.is_not(None),
        Report.status != ReportStatus.DUPLICATE)).scalars()}
    if len(rows) != len(set(report_ids)):
        raise InputRefused("points", _l("Choose places reported in this campaign."))
    return [rows[i] for i in dict.fromkeys(report_ids)]


def _walking_order(stops: list[Report], line: LineString | None) -> list[Report]:
    """Stops in the order they are passed: along the drawn line, or else from the westernmost stop always on
    to the nearest one not yet visited."""
    points = {r.id: geo.to_sweref(r.lon, r.lat) for r in stops}
    if line is not None:
        from shapely.geometry import Point

        return sorted(stops, key=lambda r: line.project(Point(r.lon, r.lat)))
    left = sorted(stops, key=lambda r: points[r.id][0])
    ordered = [left.pop(0)] if left else []
    while left:
        x, y = points[ordered[-1].id]
        nearest = min(left, key=lambda r: (points[r.id][0] - x) ** 2 + (points[r.id][1] - y) ** 2)
        left.remove(nearest)
        ordered.append(nearest)
    return ordered


def _route(drawn: str, stops: list[Report]) -> tuple[str, list[Report]]:
    """The drawn line when there is one (it must lie in the kommun), else a line through the stops in walking
    order; and the stops in that order."""
    if drawn and drawn.strip():
        try:
            raw = json.loads(drawn)
            geometry = shape(raw["geometry"] if raw.get("type") == "Feature" else raw)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise InputRefused("route", _l("The drawn route could not be read. Draw it again.")) from None
        if geometry.geom_type != "LineString" or geometry.is_empty:
            raise InputRefused("route", _l("Draw the route as one line."))
        if not geo.kommun_boundary().buffer(0.005).contains(geometry):
            raise InputRefused("route", _l("The route must lie inside %(kommun)s.",
                                          kommun=current_municipality().kommun))
        return json.dumps({"type": "LineString", "coordinates": [[round(x, 6), round(y, 6)]
                                                                 for x, y in geometry.coords]}), \
            _walking_order(stops, geometry)
    stops = _walking_order(stops, None)
    coordinates = [[round(r.lon, 6), round(r.lat, 6)] for r in stops]
    if len(coordinates) < 2:
        return "", stops
    return json.dumps({"type": "LineString", "coordinates": coordinates}), stops


def plan_walk(campaign: Campaign, title: str, *, planned_on: date | None, report_ids: list[int], actor: str,
              drawn_route: str = "", walk: Walk | None = None) -> Walk:
    """Plan (or re-plan) a walk through chosen reports of the campaign, in the order given."""
    if not (title or "").strip():
        raise InputRefused("title", _l("Give the walk a title."))
    stops = _walk_reports(campaign, report_ids)
    route, stops = _route(drawn_route, stops)
    if walk is None:
        walk = Walk(campaign_id=campaign.id, created_by=actor)
        db.session.add(walk)
    if walk.published_at is not None:
        raise InputRefused("points", _l("The protocol is published: withdraw it before changing the route."))
    walk.title, walk.planned_on, walk.route = title.strip()[:200], planned_on, route
    walk.route_drawn = bool(drawn_route and drawn_route.strip())
    kept = {p.report_id: p for p in walk.points}
    walk.points = [kept.get(r.id) or WalkPoint(report_id=r.id, position=0) for r in stops]
    for position, point in enumerate(walk.points, start=1):
        point.position = position
    db.session.flush()
    audit.record("walk", walk.id, "planned", actor, stops=len(stops))
    db.session.flush()
    return walk


@dataclass
class PointRecord:
    report_id: int
    notes: str = ""
    decision: str | None = None
    decision_note: str = ""


def record_walk(walk: Walk, *, walked_on: date | None, participants: int | None, participant_note: str, summary: str,
                points: list[PointRecord], actor: str, today: date | None = None) -> Walk:
    """What happened on the walk: the day, who walked (by role, not by name), and per stop what was seen and
    decided. A stop decided as "no action" or "to be investigated" says why."""
    today = today or local_today()
    if walked_on is None:
        raise InputRefused("walked_on", _l("Give the date of the walk."))
    if walked_on > today:
        raise InputRefused("walked_on", _l("The walk cannot be recorded before it has happened."))
    if participants is None or not 0 <= participants <= 10000:
        raise InputRefused("participants", _l("Give the number of participants (0 or more)."))
    by_report = {p.report_id: p for p in walk.points}
    for index, record in enumerate(points):
        # The field names are the form's (points-0-decision…), so that each refusal stands at its stop.
        if record.report_id not in by_report:
            raise InputRefused("points", _l("A stop does not belong to this walk. Reload the page."))
        if record.decision and record.decision not in DECISIONS:
            raise InputRefused(f"points-{index}-decision", _l("Choose one of the decisions given."))
        if record.decision in NEEDS_REASON and not (record.decision_note or "").strip():
            raise InputRefused(f"points-{index}-decision_note",
                              _l("Say why for %(reference)s: the protocol shows the reason to residents.",
                                 reference=by_report[record.report_id].report.reference))
    walk.walked_on, walk.participants = walked_on, participants
    walk.participant_note, walk.summary = (participant_note or "").strip(), (summary or "").strip()
    for record in points:
        point = by_report[record.report_id]
        point.notes = (record.notes or "").strip()
        point.decision = record.decision or None
        point.decision_note = (record.decision_note or "").strip()
    audit.record("walk", walk.id, "recorded", actor, walked_on=walked_on.isoformat(), participants=participants)
    db.session.flush()
    return walk


def publish(walk: Walk, actor: str) -> Walk:
    """Publish the protocol: only a walk that has been recorded, with a decision for every stop."""
    if walk.walked_on is None:
        raise InputRefused("publish", _l("Record the walk before publishing its protocol."))
    undecided = [p.report.reference for p in walk.points if not p.decision]
    if undecided:
        raise InputRefused("publish", _l("Decide what happens at every stop first: %(references)s.",
                                        references=", ".join(undecided)))
    walk.published_at = utcnow()
    audit.record("walk", walk.id, "published", actor)
    db.session.flush()
    return walk


def withdraw(walk: Walk, actor: str) -> Walk:
    walk.published_at = None
    audit.record("walk", walk.id, "withdrawn", actor)
    db.session.flush()
    return walk


def walks_for(campaign: Campaign, published_only: bool = False) -> list[Walk]:
    query = select(Walk).where(Walk.campaign_id == campaign.id)
    if published_only:
        query = query.where(Walk.published_at.is_not(None))
    return list(db.session.execute(query.order_by(Walk.id)).scalars())


def current_report(report: Report) -> Report:
    """A merged report's current state is its surviving report's."""
    seen = set()
    while report.merged_into is not None and report.id not in seen:
        seen.add(report.id)
        report = report.merged_into
    return report
