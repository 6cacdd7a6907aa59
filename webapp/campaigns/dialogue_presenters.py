"""Plain values for the citizen dialogue's pages: the questions as a form, the representation, the results, the
promise, and the workbook's sheets (labels, never stored keys)."""
from __future__ import annotations

import json

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _

from webapp.campaigns import dialogue
from webapp.campaigns.models import Campaign, CitizenPromise
from webapp.extensions import db
from webapp.i18n import localized
from webapp.reports.models import Department


def question_fields(campaign: Campaign, values: dict | None = None, errors: dict | None = None) -> list[dict]:
    """The dialogue's questions as form fields in the reader's language, with what was posted and its problem."""
    values, errors = values or {}, errors or {}
    fields = []
    for number, q in enumerate(dialogue.questions(campaign), start=1):
        name = f"q{q.id}"
        value = values.get(q.id)
        chosen = set(value or []) if q.kind == "several" else {value} if value else set()
        place = value if q.kind == "place" and value else ("", "", "")
        fields.append({
            "name": name, "kind": q.kind, "number": number, "label": localized(q.text),
            "options": [{"value": str(i), "label": localized(o), "checked": str(i) in chosen}
                        for i, o in enumerate(q.options)],
            "scale": [{"value": str(v), "checked": str(v) in chosen} for v in range(1, 6)],
            "text": value if q.kind == "text" and isinstance(value, str) else "",
            "lat": place[0], "lon": place[1], "words": place[2], "error": errors.get(name)})
    return fields


def about_choices() -> dict:
    return {name: [("", "—")] + [(k, str(v)) for k, v in labels.items()] for name, labels in dialogue.ATTRIBUTES}


def problem_list(found: list[tuple[str, object]]) -> list[dict]:
    """GOV.UK's error summary: each problem with a link to its question."""
    anchors = {"answers": "#questions", "gender": "#gender", "age_group": "#age_group", "housing": "#housing"}
    return [{"message": str(message), "href": anchors.get(name, f"#{name}")} for name, message in found]


def dialogue_row(c: Campaign) -> dict:
    return {"id": c.id, "name": c.name, "slug": c.slug, "open": dialogue.is_open(c),
            "period": f"{format_date(c.starts_on, 'medium')} – {format_date(c.ends_on, 'medium')}",
            "public_url": url_for("campaigns.dialogue_answer", slug=c.slug, _external=True),
            "url": url_for("campaigns.dialogue_page", dialogue_id=c.id),
            "edit_url": url_for("campaigns.edit", campaign_id=c.id),
            "results_url": url_for("campaigns.dialogue_results", dialogue_id=c.id),
            "meeting_url": url_for("campaigns.dialogue_meeting", dialogue_id=c.id),
            "xlsx_url": url_for("campaigns.dialogue_export", dialogue_id=c.id),
            "summary_url": url_for("campaigns.dialogue_summary", dialogue_id=c.id)}


def question_rows(campaign: Campaign) -> list[dict]:
    return [{"id": q.id, "number": i, "kind": str(dialogue.QUESTION_KINDS.get(q.kind, "")),
             "texts": [(lang, q.text.get(lang, "")) for lang in dialogue.LANGUAGES],
             "options": [" / ".join(o.get(lang, "") for lang in dialogue.LANGUAGES if o.get(lang)) for o in q.options]}
            for i, q in enumerate(dialogue.questions(campaign), start=1)]


def representation_page(data: dict) -> dict:
    """The representation as tables: a shown count, or a dash where the disclosure rule hides it."""
    people = data["population"]
    return {
        "respondents": data["respondents"], "meeting": data["meeting"], "too_small": data["too_small"],
        "counted": data["counted"],
        "counted_until": format_date(data["counted_until"], "medium") if data["counted_until"] else None,
        "population_note": None if people is None else (
            _("The population figures are invented for the demo, not SCB's statistics.") if people.invented
            else _("Population: %(source)s", source=people.source)),
        "no_population": people is None,
        "tables": [{"title": {"gender": _("Gender"), "age_group": _("Age"), "housing": _("Housing form")}[a["name"]],
                    "answered": a["answered"], "not_answered": a["not_answered"],
                    "rows": [{"label": str(g["label"]), "count": "–" if g["count"] is None else g["count"],
                              "share": "–" if g["share"] is None else g["share"],
                              "population_share": "–" if g["population_share"] is None else g["population_share"],
                              "under": g["under"]} for g in a["groups"]]} for a in data["attributes"]],
        "under_represented": [str(g["label"]) for g in data["under_represented"]],
    }


def results_page(campaign: Campaign, data: dict) -> dict:
    out = []
    for entry in data["questions"]:
        q = entry["question"]
        top = max([c for _o, c in entry["counts"]] + [c for _v, c in entry["scale"]] + [1])
        out.append({
            "id": q.id, "label": localized(q.text), "kind": str(dialogue.QUESTION_KINDS.get(q.kind, "")),
            "answered": entry["answered"], "mean": entry["mean"],
            "bars": [{"label": localized(o), "count": c, "percent": round(100 * c / top)} for o, c in entry["counts"]]
            + [{"label": str(v), "count": c, "percent": round(100 * c / top)} for v, c in entry["scale"]],
            "texts": [{"id": a.id, "text": a.text, "themes": a.themes or [],
                       "channel": str(dialogue.CHANNELS.get(a.response.channel, ""))} for a in entry["texts"]],
            "places": len(entry["places"])})
    points = [[a.lat, a.lon] for entry in data["questions"] for a in entry["places"]]
    return {"questions": out, "respondents": data["respondents"], "themes": data["themes"],
            "points_json": json.dumps(points), "area_json": campaign.area, "has_places": bool(points)}


def workbook_sheets(campaign: Campaign, data: dict, seen: dict) -> list[tuple[str, list[list]]]:
    """The dialogue's result as sheets: the answers counted per question, the texts with their themes (never with
    who wrote them), and the representation through the disclosure rule (a hidden figure is an empty cell)."""
    counts = [[_("Question"), _("Answer"), _("Count")]]
    texts = [[_("Question"), _("Text"), _("Themes"), _("Collected")]]
    for entry in data["questions"]:
        label = localized(entry["question"].text)
        counts.append([label, _("Answered"), entry["answered"]])
        counts += [[label, localized(o), c] for o, c in entry["counts"]]
        counts += [[label, str(v), c] for v, c in entry["scale"]]
        texts += [[label, a.text, ", ".join(a.themes or []), str(dialogue.CHANNELS.get(a.response.channel, ""))]
                  for a in entry["texts"]]
    page = representation_page(seen)
    represented = [[_("Group"), _("Count"), _("Share of respondents (per cent)"), _("Share of population (per cent)"),
                    _("Under-represented")]]
    if page["too_small"]:
        represented.append([_("Too few respondents yet to show who answered."), None, None, None, None])
    for table in page["tables"]:
        represented += [[f"{table['title']}: {r['label']}", None if r["count"] == "–" else r["count"],
                         None if r["share"] == "–" else r["share"],
                         None if r["population_share"] == "–" else r["population_share"],
                         _("yes") if r["under"] else _("no")] for r in table["rows"]]
    summary = [[_("Dialogue"), campaign.name], [_("Period"), f"{campaign.starts_on} – {campaign.ends_on}"],
               [_("Respondents"), data["respondents"]], [_("Collected at a meeting"), seen["meeting"]]]
    if page["population_note"]:
        summary.append([_("Population"), page["population_note"]])
    return [(_("Summary"), summary), (_("Answers"), counts), (_("Texts"), texts), (_("Representation"), represented)]


def department_name(code: str | None) -> str:
    if not code:
        return "—"
    department = db.session.get(Department, code)
    return localized(department.names) if department else code


def promise_row(p: CitizenPromise) -> dict:
    return {"id": p.id, "year": p.year, "text": p.text,
            "decided_on": format_date(p.decided_on, "long") if p.decided_on else None,
            "dialogue": p.campaign.name if p.campaign else None,
            "url": url_for("campaigns.promise_page", promise_id=p.id),
            "actions": [{"id": a.id, "text": a.text, "department": department_name(a.department_code),
                         "status": str(dialogue.ACTION_STATUSES.get(a.status, "")), "status_key": a.status}
                        for a in p.actions],
            "invented": p.created_by == "demo"}


def follow_up_page(data: dict) -> dict:
    """Annex 3's follow-up questions for a year, answered in words from the figures."""
    yes, no = _("yes"), _("no")
    rows = []
    for d in data["dialogues"]:
        if d["broad"] is None:
            broad = _("cannot be judged yet")
        elif d["broad"]:
            broad = yes
        else:
            broad = _("no: under-represented %(groups)s", groups=", ".join(str(g["label"]) for g in d["under_represented"]))
        rows.append({"name": d["campaign"].name, "url": url_for("campaigns.dialogue_page", dialogue_id=d["campaign"].id),
                     "respondents": d["respondents"], "broad": broad, "invented": d["invented_population"],
                     "promise": _("yes, for %(year)d", year=d["promise"].year) if d["promise"] else no})
    return {"year": data["year"], "held": yes if data["held"] else no, "rows": rows,
            "promise": data["promise"].year if data["promise"] else None}
