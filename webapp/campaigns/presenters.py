"""Plain values for campaign pages: results as tables and bars, comparisons, owners' letters."""
from __future__ import annotations

import json

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from webapp import disclosure
from webapp.campaigns import services, walks
from webapp.extensions import db
from webapp.geo.models import District
from webapp.geo.services import to_sweref
from webapp.reports.labels import KIND_LABELS, export_words, worded
from webapp.reports.models import Category
from webapp.reports.presenters import category_name, map_page
from webapp.reports.public import is_published
from webapp.reports.status import STATUS_LABELS, Moderation, Source
from webapp.timeutil import as_utc, local_time


def _bars(counts: dict, labels: dict | None = None) -> list[dict]:
    top = max(counts.values(), default=0) or 1
    return [{"label": (labels or {}).get(k, k), "count": v, "percent": round(100 * v / top)}
            for k, v in sorted(counts.items(), key=lambda kv: -kv[1])]


def category_labels() -> dict:
    return {c.key: category_name(c) for c in db.session.execute(select(Category)).scalars()}


def campaign_row(c) -> dict:
    return {"id": c.id, "name": c.name, "slug": c.slug, "kind": services.KINDS.get(c.kind, c.kind),
            "period": f"{format_date(c.starts_on, 'medium')} – {format_date(c.ends_on, 'medium')}",
            "open": services.is_open(c), "public_url": url_for("campaigns.landing", slug=c.slug, _external=True),
            "url": url_for("campaigns.edit", campaign_id=c.id),
            "results_url": url_for("campaigns.results", campaign_id=c.id),
            "follows": c.follows.name if c.follows else None}


def results_page(campaign, data: dict) -> dict:
    kinds = {k: str(v) for k, v in KIND_LABELS.items()}
    points = [[r.lat, r.lon] for r in data["rows"] if r.lat is not None]
    return {
        "campaign": campaign_row(campaign), "total": data["total"], "fixed": data["fixed"],
        "unplaced": data["unplaced"],
        "by_kind": _bars(data["by_kind"], kinds), "by_category": _bars(data["by_category"], category_labels()),
        "by_district": _bars(data["by_district"]),
        "places": [{"count": p["count"], "lat": round(p["lat"], 5), "lon": round(p["lon"], 5),
                    "references": ", ".join(r.reference for r in p["reports"][:6]),
                    "category": category_name(p["reports"][0].category)} for p in data["places"]],
        "photos": [url_for("reports.photo", stem=p.stem, size="thumb") for p in data["photos"]],
        "points_json": json.dumps(points), "area_json": campaign.area,
    }


def compare_page(baseline, follow_up, data: dict) -> dict:
    labels = category_labels()
    kinds = {k: str(v) for k, v in KIND_LABELS.items()}
    top = max([c["before"] for c in data["cells"]] + [c["after"] for c in data["cells"]] + [1])
    return {
        "baseline": campaign_row(baseline), "follow_up": campaign_row(follow_up),
        "caveats": comparison_caveats(baseline, follow_up),
        "before_total": data["before_total"], "after_total": data["after_total"],
        "cells": [{**c, "kind": kinds.get(c["kind"], c["kind"]), "before_pct": round(100 * c["before"] / top),
                   "after_pct": round(100 * c["after"] / top)} for c in data["cells"]],
        "by_category": [{"label": labels.get(k, k), **v, "change": v["after"] - v["before"]}
                        for k, v in sorted(data["by_category"].items())],
        "persisting": [{"count": p["count"], "lat": round(p["lat"], 5), "lon": round(p["lon"], 5),
                        "category": category_name(p["reports"][0].category)} for p in data["persisting"]],
        "disappeared": [{"count": p["count"], "lat": round(p["lat"], 5), "lon": round(p["lon"], 5),
                         "category": category_name(p["reports"][0].category)} for p in data["disappeared"]],
    }


def _area_name(campaign) -> str:
    if not campaign.district_ids:
        return _("an area drawn on the map")
    names = db.session.execute(select(District.name).where(District.id.in_(campaign.district_ids))
                               .order_by(District.name)).scalars()
    return ", ".join(names)


def comparison_caveats(baseline, follow_up) -> list[str]:
    """Why the comparison's figures cannot be read as they stand (services.comparison_caveats), in words."""
    found = services.comparison_caveats(baseline, follow_up)
    said = []
    for campaign in found["running"]:
        if services.is_open(campaign):
            said.append(_("%(name)s is still running (until %(end)s): its figures will still grow.",
                          name=campaign.name, end=format_date(campaign.ends_on, "long")))
        else:
            said.append(_("%(name)s has not started yet (it runs %(start)s – %(end)s).", name=campaign.name,
                          start=format_date(campaign.starts_on, "long"), end=format_date(campaign.ends_on, "long")))
    if found["areas_differ"]:
        said.append(_("The two campaigns cover different areas (%(before)s; %(after)s): a change may come from the "
                      "area rather than from the place itself.", before=_area_name(baseline),
                      after=_area_name(follow_up)))
    return said


def queue_photo(report, can) -> str | None:
    """The photo to place a queued post by, for a user whose permissions `can` tells: the first not rejected
    that staff.photo_file will show them (the rule of webapp/staff/services.py photo_visible_to, for the roles
    that work this queue)."""
    for photo in report.photos:
        if photo.moderation == Moderation.REJECTED:
            continue
        if can("moderate_photos") or is_published(photo) or (report.import_key and can("photos_of_imported_posts")):
            return url_for("staff.photo_file", photo_id=photo.id, size="thumb")
    return None


def queue_row(report, can) -> dict:
    """A report in the queue of reports that need a place or a category, with what helps to place it: its photo
    and the post it came from."""
    return {"id": report.id, "version": report.version, "reference": report.reference,
            "category": category_name(report.category), "description": report.description,
            "place": report.location_text, "source": report.source,
            "url": url_for("staff.report", report_id=report.id), "photo": queue_photo(report, can),
            "link": report.media_url if (report.media_url or "").startswith(("https://", "http://")) else None,
            "link_text": _("Open the post on Instagram") if report.source == Source.INSTAGRAM
            else _("Open the linked photo")}


def export_rows(rows) -> tuple[list[str], list[list]]:
    header = ["reference", "created", "category", "kind", "status", "district", "place", "lon", "lat",
              "sweref99tm_e", "sweref99tm_n", "source", "support_count", "description", "category_code"]
    words = export_words()
    table = []
    for r in rows:
        e, n = to_sweref(r.lon, r.lat) if r.lat is not None else (None, None)
        table.append([r.reference, local_time(r.created_at), worded(words, "category", r.category.key),
                      worded(words, "kind", r.category.kind), worded(words, "status", r.status),
                      r.district.name if r.district else "", r.location_text, r.lon, r.lat,
                      round(e, 1) if e else None, round(n, 1) if n else None, worded(words, "source", r.source),
                      r.support_count, r.description, r.category.key])
    return header, table


def owner_page(owner, rows) -> dict:
    return {"id": owner.id, "name": owner.name, "contact": owner.contact, "address": owner.address,
            "reports": [{"reference": r.reference, "category": category_name(r.category),
                         "place": ", ".join(p for p in [r.location_text, r.district.name if r.district else ""] if p),
                         "created": format_date(as_utc(r.created_at), "medium"),
                         "status": STATUS_LABELS.get(r.status, r.status), "description": r.description,
                         "photos": [url_for("reports.photo", stem=p.stem, size="display", _external=True)
                                    for p in r.photos if p.moderation == Moderation.APPROVED],
                         "url": url_for("staff.report", report_id=r.id)} for r in rows],
            "letter_url": url_for("campaigns.owner_letter", owner_id=owner.id),
            "csv_url": url_for("campaigns.owner_csv", owner_id=owner.id),
            "excel_url": url_for("campaigns.owner_csv", owner_id=owner.id, excel=1)}


def splits(campaign) -> dict:
    """Results by gender and by age group as the disclosure rule lets them be shown (services.split_results):
    None for a hidden figure, or `too_small` with no tables at all."""
    data = services.split_results(campaign)
    labels = category_labels()
    return {"too_small": data["too_small"],
            "counted_until": format_date(data["counted_until"], "long") if data["counted_until"] else None,
            "threshold": disclosure.threshold(),
            "tables": [{"title": title, "categories": [labels.get(k, k) for k in data["categories"]],
                        "rows": [{"label": row["label"], "total": row["total"],
                                  "cells": [row["by_category"][k] for k in data["categories"]]}
                                 for row in data[attribute]]}
                       for title, attribute in ((_("By gender"), "gender"), (_("By age group"), "age_group"))]}


# Groups, the structured audit and walks

def group_rows(campaign) -> list[dict]:
    counts = {g["id"]: g["reports"] for g in walks.participation(campaign)["groups"]}
    return [{"id": g.id, "name": g.name, "kind": walks.GROUP_KINDS.get(g.kind, g.kind), "size": g.size,
             "reports": counts.get(g.id, 0),
             "link": url_for("campaigns.group_landing", slug=campaign.slug, code=g.code, _external=True),
             "qr_svg": url_for("campaigns.group_qr", campaign_id=campaign.id, group_id=g.id, qr_format="svg"),
             "qr_png": url_for("campaigns.group_qr", campaign_id=campaign.id, group_id=g.id, qr_format="png")}
            for g in walks.groups_for(campaign)]


def group_banner(group) -> dict | None:
    if group is None:
        return None
    return {"name": group.name, "kind": walks.GROUP_KINDS.get(group.kind, group.kind)}


def audit_questions(answers, errors: dict) -> list[dict]:
    """The audit's questions for the report form, keeping the answers given when a form comes back."""
    return [{"key": key, "name": f"audit_{key}", "label": label, "hint": hint,
             "value": str(answers.get(f"audit_{key}") or ""), "error": errors.get(key),
             "options": [str(n) for n in range(walks.SCORE_MIN, walks.SCORE_MAX + 1)]}
            for key, (label, hint) in walks.AUDIT_PARAMETERS.items()]


def _decision(point) -> str:
    return str(walks.DECISIONS.get(point.decision, "")) if point.decision else _("Not decided yet")


def walk_rows(campaign) -> list[dict]:
    return [{"title": w.title, "url": url_for("campaigns.walk", walk_id=w.id), "stops": len(w.points),
             "walked_on": format_date(w.walked_on, "medium") if w.walked_on else None,
             "planned_on": format_date(w.planned_on, "medium") if w.planned_on else None,
             "published": w.published_at is not None,
             "protocol_url": url_for("campaigns.protocol", slug=campaign.slug, walk_id=w.id)}
            for w in walks.walks_for(campaign)]


def protocol_links(campaign) -> list[dict]:
    return [{"title": w.title, "walked_on": format_date(w.walked_on, "long") if w.walked_on else "",
             "url": url_for("campaigns.protocol", slug=campaign.slug, walk_id=w.id)}
            for w in walks.walks_for(campaign, published_only=True)]


def stop_choices(campaign) -> list[dict]:
    """The campaign's placed reports as possible stops, the most reported places first."""
    rows = services.campaign_reports(campaign)
    choices = []
    for place in services.places(rows):
        for report in place["reports"]:
            if report.hidden:
                continue
            label = f"{report.reference} · {category_name(report.category)}"
            if report.location_text:
                label += f" · {report.location_text[:60]}"
            if place["count"] > 1:
                label += " · " + _("%(n)d reports here", n=place["count"])
            choices.append({"id": report.id, "label": label})
    return choices


def walk_map(campaign, walk) -> dict:
    chosen = {p.report_id: p.position for p in walk.points} if walk else {}
    points = [{"id": r.id, "lat": r.lat, "lon": r.lon, "reference": r.reference, "stop": chosen.get(r.id)}
              for r in services.campaign_reports(campaign) if r.lat is not None and not r.hidden]
    return {**map_page()["map"], "points": json.dumps(points), "route": (walk.route if walk and walk.route else ""),
            "area": campaign.area}


def _stop(point, public: bool) -> dict:
    report = point.report
    now = walks.current_report(report)
    photos = [] if report.hidden else [url_for("reports.photo", stem=p.stem, size="display")
                                       for p in report.photos if p.moderation == Moderation.APPROVED][:2]
    return {"position": point.position, "reference": report.reference, "category": category_name(report.category),
            "place": "" if report.hidden else ", ".join(x for x in [report.location_text,
                                                                     report.district.name if report.district else ""] if x),
            "description": "" if report.hidden else report.public_description, "photos": photos,
            "hidden": report.hidden, "notes": point.notes, "decision": _decision(point),
            "decision_key": point.decision or "", "decision_note": point.decision_note,
            "status": str(STATUS_LABELS.get(now.status, now.status)), "status_key": now.status,
            "report_url": (url_for("reports.show", reference=report.reference) if public and not report.hidden
                           else url_for("staff.report", report_id=report.id))}


def walk_page(walk) -> dict:
    return {"id": walk.id, "title": walk.title, "published": walk.published_at is not None,
            # Publishing is offered once it can succeed: the walk recorded and every stop decided.
            "publishable": walk.walked_on is not None and all(p.decision for p in walk.points),
            "planned_on": format_date(walk.planned_on, "medium") if walk.planned_on else None,
            "walked_on": format_date(walk.walked_on, "medium") if walk.walked_on else None,
            "participants": walk.participants, "participant_note": walk.participant_note, "summary": walk.summary,
            "stops": [_stop(p, public=False) for p in walk.points],
            "protocol_url": url_for("campaigns.protocol", slug=walk.campaign.slug, walk_id=walk.id),
            "campaign_url": url_for("campaigns.edit", campaign_id=walk.campaign_id)}


def protocol_page(walk) -> dict:
    decided = {}
    for point in walk.points:
        decided[_decision(point)] = decided.get(_decision(point), 0) + 1
    return {**walk_page(walk), "stops": [_stop(p, public=True) for p in walk.points],
            "decided": sorted(decided.items(), key=lambda kv: -kv[1]),
            "walked_on": format_date(walk.walked_on, "long") if walk.walked_on else None,
            "campaign_page": url_for("campaigns.landing", slug=walk.campaign.slug)}


def stops_json(walk) -> str:
    return json.dumps([{"n": p.position, "lat": p.report.lat, "lon": p.report.lon}
                       for p in walk.points if not p.report.hidden])


def audit_summary(campaign) -> dict | None:
    """The audit's overall and per-question means for the results page."""
    if not campaign.uses_audit:
        return None
    score = walks.campaign_score(campaign)
    return {"audits": score["audits"], "score": score["score"],
            "rows": [{"label": walks.AUDIT_PARAMETERS[k][0], "mean": v,
                      "percent": round(100 * v / walks.SCORE_MAX) if v is not None else 0}
                     for k, v in score["means"].items()],
            "scores_url": url_for("campaigns.scores", campaign_id=campaign.id)}


def audit_comparison(baseline, follow_up) -> dict | None:
    if not (baseline.uses_audit or follow_up.uses_audit):
        return None
    data = walks.compare_scores(baseline, follow_up)
    return {"before": data["before"]["score"], "after": data["after"]["score"],
            "before_audits": data["before"]["audits"], "after_audits": data["after"]["audits"],
            "rows": [{"label": walks.AUDIT_PARAMETERS[p["key"]][0], **p} for p in data["parameters"]],
            "cells": data["cells"], "size_m": data["size_m"]}


def participation(campaign) -> dict:
    return walks.participation(campaign)
