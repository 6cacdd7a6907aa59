"""Plain values for campaign pages: results as tables and bars, comparisons, owners' letters."""
from __future__ import annotations

import json

from flask import url_for
from flask_babel import gettext as _
from flask_babel import format_date

from webapp.campaigns import services
from webapp.reports.models import Category
from webapp.reports.presenters import category_name
from webapp.reports.status import STATUS_LABELS
from webapp.timeutil import as_utc


def _bars(counts: dict, labels: dict | None = None) -> list[dict]:
    top = max(counts.values(), default=0) or 1
    return [{"label": (labels or {}).get(k, k), "count": v, "percent": round(100 * v / top)}
            for k, v in sorted(counts.items(), key=lambda kv: -kv[1])]


def category_labels() -> dict:
    from webapp.extensions import db
    from sqlalchemy import select

    return {c.key: category_name(c) for c in db.session.execute(select(Category)).scalars()}


def campaign_row(c) -> dict:
    return {"id": c.id, "name": c.name, "slug": c.slug, "kind": services.KINDS.get(c.kind, c.kind),
            "period": f"{format_date(c.starts_on, 'medium')} – {format_date(c.ends_on, 'medium')}",
            "open": services.is_open(c), "public_url": url_for("campaigns.landing", slug=c.slug, _external=True),
            "url": url_for("campaigns.edit", campaign_id=c.id),
            "results_url": url_for("campaigns.results", campaign_id=c.id),
            "follows": c.follows.name if c.follows else None}


def results_page(campaign, data: dict) -> dict:
    kinds = {"safety": "Trygghetsvandring", "fault": "Felanmälan"}
    points = [[r.lat, r.lon] for r in data["rows"] if r.lat is not None]
    return {
        "campaign": campaign_row(campaign), "total": data["total"], "fixed": data["fixed"],
        "unplaced": data["unplaced"],
        "by_kind": _bars(data["by_kind"], kinds), "by_category": _bars(data["by_category"], category_labels()),
        "by_district": _bars(data["by_district"]),
        "places": [{"count": p["count"], "lat": round(p["lat"], 5), "lon": round(p["lon"], 5),
                    "references": ", ".join(r.reference for r in p["reports"][:6]),
                    "category": category_name(p["reports"][0].category)} for p in data["places"]],
        "photos": [url_for("reports.photo", photo_id=p.id, size="thumb") for p in data["photos"]],
        "points_json": json.dumps(points), "area_json": campaign.area,
    }


def compare_page(baseline, follow_up, data: dict) -> dict:
    labels = category_labels()
    kinds = {"safety": "Trygghetsvandring", "fault": "Felanmälan"}
    top = max([c["before"] for c in data["cells"]] + [c["after"] for c in data["cells"]] + [1])
    return {
        "baseline": campaign_row(baseline), "follow_up": campaign_row(follow_up),
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


def export_rows(rows) -> tuple[list[str], list[list]]:
    from webapp.geo.services import to_sweref

    header = ["reference", "created", "category", "kind", "status", "district", "place", "lon", "lat",
              "sweref99tm_e", "sweref99tm_n", "source", "support_count", "description"]
    table = []
    for r in rows:
        e, n = to_sweref(r.lon, r.lat) if r.lat is not None else (None, None)
        table.append([r.reference, as_utc(r.created_at).isoformat(), r.category.key, r.category.kind, r.status,
                      r.district.name if r.district else "", r.location_text, r.lon, r.lat,
                      round(e, 1) if e else None, round(n, 1) if n else None, r.source, r.support_count,
                      r.description])
    return header, table


def owner_page(owner, rows) -> dict:
    return {"id": owner.id, "name": owner.name, "contact": owner.contact, "address": owner.address,
            "reports": [{"reference": r.reference, "category": category_name(r.category),
                         "place": ", ".join(p for p in [r.location_text, r.district.name if r.district else ""] if p),
                         "created": format_date(as_utc(r.created_at), "medium"),
                         "status": STATUS_LABELS.get(r.status, r.status), "description": r.description,
                         "photos": [url_for("reports.photo", photo_id=p.id, size="display", _external=True)
                                    for p in r.photos if p.moderation == "approved"],
                         "url": url_for("staff.report", report_id=r.id)} for r in rows],
            "letter_url": url_for("campaigns.owner_letter", owner_id=owner.id),
            "csv_url": url_for("campaigns.owner_csv", owner_id=owner.id)}


def splits(campaign) -> list[dict]:
    """Results by gender and by age group, with small cells suppressed."""
    labels = category_labels()
    keys = campaign.category_keys or sorted({k for attribute in ("gender", "age_group")
                                            for row in services.split_by(campaign, attribute) for k in row["by_category"]})
    return [{"title": title, "categories": [labels.get(k, k) for k in keys],
             "rows": [{"label": row["label"], "total": row["total"],
                       "cells": [row["by_category"].get(k) for k in keys]}
                      for row in services.split_by(campaign, attribute)]}
            for title, attribute in ((_("By gender"), "gender"), (_("By age group"), "age_group"))]
