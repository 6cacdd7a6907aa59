"""Plain values, charts and a workbook for the follow-up dashboard."""
from __future__ import annotations

from flask_babel import gettext as _

from webapp import spreadsheets
from webapp.campaigns.presenters import category_labels
from webapp.insights import charts
from webapp.insights.indicators import AREA_INDICATORS, SURVEY
from webapp.municipality import current_municipality

SOURCE_KEYS = ["web", "campaign", "instagram", "field", "staff"]


def _source_labels() -> dict:
    return {"web": _("Website"), "campaign": _("Campaign"), "instagram": _("Instagram"), "field": _("Field"),
            "staff": _("Phone") + "/" + _("Visit")}


def _change(now, then):
    if now is None or then is None:
        return None
    return round(now - then, 2)


def _number(value):
    return "–" if value is None else f"{value:g}"


def dashboard_page(data: dict, by_year: dict, charts) -> dict:
    now, then = data["now"], data["then"]
    period, before = data["period"], data["before"]
    area = current_municipality().programme_area
    rows = [
        (_("Fault reports"), now["fault_reports"], then["fault_reports"]),
        (_("Comments and opinions (safety walk)"), now["comments"], then["comments"]),
        (_("All reports"), now["total"], then["total"]),
        *([(area, now["focus"], then["focus"]), (_("Rest of the kommun"), now["rest"], then["rest"])] if area else []),
        (_("Fixed in the period"), now["fixed"], then["fixed"]),
        (_("Median days to fix"), now["median_days"], then["median_days"]),
        (_("90th percentile, days to fix"), now["p90_days"], then["p90_days"]),
        (_("Share fixed within the response time (%)"), now["share_in_time"], then["share_in_time"]),
        (_("– fixed with a work order: measured by its due date"), now["with_due"], then["with_due"]),
        (_("– fixed without a work order: measured by the category's response time"), now["by_category_time"],
         then["by_category_time"]),
        (_("Satisfaction after a fix (1–5)"), now["mean"], then["mean"]),
        (_("Answers about satisfaction"), now["answers"], then["answers"]),
        (_("Engagement activities"), now["activities"], then["activities"]),
        (_("Participants in activities"), now["participants"], then["participants"]),
        (_("Campaigns"), now["campaigns"], then["campaigns"]),
        (_("Reports through campaigns"), now["campaign_reports"], then["campaign_reports"]),
        (_("Campaign participants (group members and individual reporters)"), now["campaign_participants"],
         then["campaign_participants"]),
    ]
    districts = sorted(set(now["by_district"]) | set(then["by_district"]))
    labels = category_labels()
    categories = sorted(set(now["by_category"]) | set(then["by_category"]))
    sources = _source_labels()
    survey = data["survey"]
    notes = []
    for label, values in ((period.label, now), (before.label, then)):
        if values["fixed"] and values["share_in_time"] is None:
            notes.append(_("%(period)s: the share fixed within the response time cannot be computed: none of the "
                           "%(n)d fixed reports had a work order, and their categories have no priority with a "
                           "response time.", period=label, n=values["fixed"]))
        elif values["not_measured"]:
            notes.append(_("%(period)s: %(n)d fixed reports are left out of the share: they had no work order and "
                           "their category has no priority with a response time.", period=label,
                           n=values["not_measured"]))
    by_area = data.get("by_area", [])
    return {
        "title": (_("Follow-up: %(programme)s", programme=current_municipality().programme)
                  if current_municipality().programme else _("Follow-up")),
        "annex1": _annex1(by_area, period.start.year, before.start.year),
        "response_time_notes": notes,
        "by_area_columns": [{"key": k, "label": str(SURVEY[("trygghetsmatning", k)])} for k in AREA_INDICATORS],
        "by_area": [{"area": r["area"], "reports_now": r["reports_now"], "reports_then": r["reports_then"],
                     "survey": {k: {"now": _number(v["now"]), "then": _number(v["then"])}
                                for k, v in r["survey"].items()}} for r in by_area],
        "by_area_demo": any(r["demo"] for r in by_area) or any(s["demo"] for s in survey),
        "period": period.label, "before": before.label,
        "period_value": period.label if "–" not in period.label else "", "start": period.start, "end": period.end,
        "rows": [{"label": label, "now": a if a is not None else "–", "then": b if b is not None else "–",
                  "change": _change(a, b) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else "–"}
                 for label, a, b in rows],
        "district_chart": charts.bars(districts, [(period.label, [now["by_district"].get(d, 0) for d in districts]),
                                                  (before.label, [then["by_district"].get(d, 0) for d in districts])],
                                      _("Reports per area")),
        "category_table": [{"label": labels.get(k, k), "now": now["by_category"].get(k, 0),
                            "then": then["by_category"].get(k, 0)} for k in categories],
        "source_table": [{"label": sources[k], "now": now["by_source"].get(k, 0), "then": then["by_source"].get(k, 0)}
                         for k in SOURCE_KEYS],
        "survey_chart": charts.lines([(f"{s['label']} – {s['area']}", s["points"]) for s in survey],
                                     _("Survey indicators by year")) if survey else None,
        "survey": [{"label": s["label"], "area": s["area"], "demo": s["demo"],
                    "points": ", ".join(f"{y}: {v:g}" for y, v in s["points"])} for s in survey],
        "by_year": sorted(by_year.items()),
    }


ANNEX1_INDICATORS = ["safe_evening", "avoided_activity"]


def _annex1(by_area: list[dict], year: int, last: int) -> dict:
    """Annex 1's follow-up (hot-spot patrols): the safety survey's evening-safety and avoided-activity shares per
    area, for the period's year and the year before; areas with neither value are left out."""
    columns = [{"label": _("%(indicator)s, %(year)d", indicator=SURVEY[("trygghetsmatning", k)], year=y),
                "key": k, "when": when} for k in ANNEX1_INDICATORS for y, when in ((year, "now"), (last, "then"))]
    rows = [{"area": r["area"], "figures": [_number(r["survey"][c["key"]][c["when"]]) for c in columns]}
            for r in by_area if any(r["survey"][k][w] is not None for k in ANNEX1_INDICATORS for w in ("now", "then"))]
    return {"columns": [c["label"] for c in columns], "rows": rows}


def dashboard_workbook(data: dict) -> bytes:
    page = dashboard_page(data, {}, charts)
    summary = [[_("Indicator"), page["period"], page["before"], _("Change")]]
    summary += [[row["label"], row["now"], row["then"], row["change"]] for row in page["rows"]]
    areas = [[_("Area"), page["period"], page["before"]]]
    areas += [[name, data["now"]["by_district"].get(name, 0), data["then"]["by_district"].get(name, 0)]
              for name in sorted(set(data["now"]["by_district"]) | set(data["then"]["by_district"]))]
    categories = [[_("Category"), page["period"], page["before"]]]
    categories += [[row["label"], row["now"], row["then"]] for row in page["category_table"]]
    survey = [[*spreadsheets.heading(["source", "indicator", "area", "year", "value"]), _("Note")]]
    sources = {"trygghetsmatning": _("The police's safety survey"), "kritik_pa_teknik": _("Kritik på teknik")}
    survey += [[sources.get(series["source"], series["source"]),
                str(SURVEY.get((series["source"], series["indicator"]), series["indicator"])), series["area"], year, value,
                _("demo values, invented") if series["demo"] else ""]
               for series in data["survey"] for year, value in series["points"]]
    if page["by_area_demo"]:
        # A spreadsheet travels without the page: it says itself that the survey values are made up.
        summary += [[], [_("The survey values shown are invented demo values, not the police's results.")]]
    return spreadsheets.xlsx_bytes([(_("Follow-up"), summary), (_("Areas"), areas), (_("Categories"), categories),
                                    (_("Survey"), survey)])


# The basis for lighting work (insights.lighting)

LIGHTING_ROWS = 100  # places per list on the page; the exports hold every one


def lighting_groups(basis: dict, need: str) -> tuple[list[tuple[str, list[dict]]], list[dict]]:
    """The page's lists (repairs for TS, new lighting for SB, or one of them), each place numbered as on the map,
    and the map's points: where, which list, its number."""
    wanted = []
    if need != "new":
        wanted.append(("repair", _("Existing light broken or weak (TS)"), basis["existing"]))
    if need != "repair":
        wanted.append(("new", _("No lighting here (SB)"), basis["new"]))
    groups, points, number = [], [], 0
    for key, title, places in wanted:
        shown = []
        for place in places[:LIGHTING_ROWS]:
            number += 1
            shown.append({**place, "number": number, "linked": list(zip(place["references"], place["report_ids"]))})
            points.append({"lat": place["lat"], "lon": place["lon"], "number": number, "group": key,
                           "count": place["count"]})
        groups.append((title, shown, len(places)))
    return groups, points


def period_words(selection) -> str:
    """Which reports the page counts, in words: the period chosen, or every report."""
    if selection.date_from and selection.date_to:
        return _("Reports from %(start)s to %(end)s.", start=selection.date_from.isoformat(),
                 end=selection.date_to.isoformat())
    if selection.date_from:
        return _("Reports from %(start)s on.", start=selection.date_from.isoformat())
    if selection.date_to:
        return _("Reports up to %(end)s.", end=selection.date_to.isoformat())
    return _("All reports, whenever they were made. Choose a period under Selection.")
