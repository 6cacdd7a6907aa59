"""Plain values for the templates, so that templates only show and never decide."""
from __future__ import annotations

from flask import current_app, url_for
from flask_babel import format_date, format_datetime
from sqlalchemy import select

from webapp.extensions import db
from webapp.geo import geocoder
from webapp.geo import services as geo
from webapp.geo.models import District
from webapp.i18n import current_language, localized
from webapp.reports import catalogue, intake, public
from webapp.reports.lifecycle import open_info_request
from webapp.reports.models import Category, Report
from webapp.reports.status import MAP_STATUS_FILTERS, STATUS_LABELS, Moderation, ReportStatus, is_open
from webapp.timeutil import as_utc


def geocoder_settings() -> geocoder.GeocoderSettings:
    config = current_app.config
    return geocoder.GeocoderSettings(url=config["GEOCODER_URL"], flavour=config["GEOCODER_FLAVOUR"],
                                     user_agent=f"Trygghetskartan ({config['PUBLIC_BASE_URL'] or 'test'})",
                                     language=current_language())


def category_name(category: Category) -> str:
    return localized(category.names)


def icon_url(icon: str) -> str:
    return url_for("static", filename=f"img/icons/{icon}.svg")


def districts_for_choice() -> list[District]:
    return list(db.session.execute(select(District).order_by(District.name)).scalars())


def _map_config() -> dict:
    config = current_app.config
    return {
        "tile_url": config["TILE_URL"],
        "attribution": config["TILE_ATTRIBUTION"],
        "lat": config["MAP_CENTER"][0],
        "lon": config["MAP_CENTER"][1],
        "zoom": config["MAP_ZOOM"],
        "kommun_url": url_for("api.kommun"),
        "districts_url": url_for("api.districts"),
    }


def _questions(category: Category) -> list[dict]:
    from flask import request

    answered = request.form if request.method == "POST" else {}
    return [{"name": f"answer_{category.key}_{q['code']}", "label": localized(q["label"]),
             "choices": [{"key": v["key"], "name": localized(v["name"])} for v in q.get("values", [])],
             "required": bool(q.get("required")),
             "value": answered.get(f"answer_{category.key}_{q['code']}", "")}
            for q in category.extra_questions or []]


# The order of the report form's questions, and where each problem's link in the error summary leads
# (a group of choices: its first choice; the place: the map, which Leaflet makes focusable).
PROBLEM_ORDER = ["lat", "lon", "district", "location_text", "category", "description", "time_of_day",
                 "safety_rating", "photos", "email"]


def form_problems(form, first_category: str | None) -> list[dict]:
    """Every problem of a refused report form, in the form's order, each with the link to its field."""
    targets = {"lat": "report-map", "lon": "report-map", "time_of_day": "time_of_day-0",
               "safety_rating": "safety_rating-0", "category": f"category-{first_category}"}
    names = [n for n in PROBLEM_ORDER if n in form._fields] + [n for n in form._fields if n not in PROBLEM_ORDER]
    problems, seen = [], set()
    for name in names:
        for message in form._fields[name].errors or []:
            target = targets.get(name, form._fields[name].id)
            if (target, str(message)) not in seen:
                seen.add((target, str(message)))
                problems.append({"message": message, "href": f"#{target}"})
    problems += [{"message": message, "href": None} for message in form.form_errors]
    return problems


def report_form_page(form, categories: list[Category] | None = None) -> dict:
    """The report form's page; a campaign passes the categories it asks about."""
    categories = catalogue.active_categories() if categories is None else categories
    def item(c: Category) -> dict:
        return {"key": c.key, "name": category_name(c), "description": localized(c.descriptions),
                "notice": localized(c.notice), "questions": _questions(c),
                "icon": icon_url(c.icon), "safety": c.is_safety, "checked": form.category.data == c.key}
    items = [item(c) for c in categories]
    return {
        "questions": [{"key": i["key"], "name": i["name"], "questions": i["questions"]} for i in items if i["questions"]],
        "safety": [item(c) for c in categories if c.is_safety],
        "faults": [item(c) for c in categories if not c.is_safety],
        "map": _map_config(),
        "districts_approximate": geo.any_approximate(District),
        "nearby_url": url_for("api.nearby"),
        "photo_position_url": url_for("api.photo_position"),
        "find_place_url": url_for("reports.find_place"),
        "location_errors": getattr(form, "location_errors", None) or form.lat.errors or form.lon.errors,
        "problems": form_problems(form, categories[0].key if categories else None),
        "max_description": intake.MAX_DESCRIPTION, "max_location_text": intake.MAX_LOCATION_TEXT,
        "max_photos": current_app.config["MAX_PHOTOS"],
    }


def map_page(category: str | None = None, status: str | None = None) -> dict:
    """The public map, narrowed to a category and a status when the address asks (unknown values are ignored)."""
    from flask_babel import gettext as _
    from flask_babel import ngettext


    categories = [{"key": c.key, "name": category_name(c)} for c in catalogue.active_categories()]
    category = category if any(c["key"] == category for c in categories) else ""
    status = status if status in MAP_STATUS_FILTERS else ""
    groups = [{"key": "open", "name": _("Open (not yet fixed)")},
              {"key": "handled", "name": _("Handled (fixed, closed or referred)")}]
    return {
        "map": _map_config(),
        "reports_url": url_for("api.reports_in_bbox"),
        "districts_approximate": geo.any_approximate(District),
        "categories": categories,
        "statuses": groups + [{"key": key, "name": str(label)} for key, label in STATUS_LABELS.items()],
        "category": category,
        "status": status,
        # "48 rapporter" for the map's clusters: the page's plural forms by CLDR category (Intl.PluralRules in the
        # browser picks one), each from a number that falls in it (Arabic has six, Swedish and English two).
        "cluster_forms": {form: ngettext("%(count)s report", "%(count)s reports", n, count="{n}")
                          for form, n in (("zero", 0), ("one", 1), ("two", 2), ("few", 3), ("many", 11),
                                          ("other", 100))},
    }


def _place(report: Report) -> str:
    parts = [report.public_location_text, report.district.name if report.district else ""]
    return ", ".join(p for p in parts if p)


def _street(report: Report) -> str | None:
    """The street at the report's pin, from the geocoder (None without one, or when it does not know)."""
    if report.lat is None:
        return None
    street = geocoder.street_at(report.lat, report.lon, geocoder_settings())
    # Not repeated when the resident already wrote it.
    return None if street and street.casefold() in (report.location_text or "").casefold() else street


def _history(report: Report) -> list[dict]:
    return [{"when": format_datetime(as_utc(h.created_at), "short"), "iso": as_utc(h.created_at).isoformat(),
             "status": STATUS_LABELS.get(h.to_status, h.to_status), "note": h.public_note}
            for h in report.history]


def _photos(photos) -> list[dict]:
    return [{"thumb": url_for("reports.photo", stem=p.stem, size="thumb"),
             "display": url_for("reports.photo", stem=p.stem, size="display"),
             "width": p.width, "height": p.height} for p in photos]


def public_report(report: Report) -> dict:
    """What anyone may see of a report: no contact data, only approved photos."""
    return {
        "reference": report.reference,
        "category": category_name(report.category),
        "icon": icon_url(report.category.icon),
        "description": report.public_description,
        "place": _place(report),
        "location_text": report.public_location_text,
        "street": _street(report),
        "district": report.district.name if report.district else None,
        "district_approximate": bool(report.district and report.district.is_approximate),
        "lat": report.lat, "lon": report.lon,
        "created": format_date(as_utc(report.created_at), "long"),
        "status": STATUS_LABELS.get(report.status, report.status),
        "status_key": report.status,
        "time_of_day": report.time_of_day,
        "safety_rating": report.safety_rating,
        "history": _history(report),
        "photos": _photos(public.public_photos(report)),
        "after_photos": _photos(public.after_photos(report)),
        "support_count": report.support_count,
        "can_support": is_open(report.status),
        "map": _map_config(),
    }


def tracked_report(report: Report, token: str) -> dict:
    """The reporter's own view: the public view plus what they sent that is not public yet, a question from
    staff to answer, the satisfaction question after a fix, and where a merged report went."""
    view = public_report(report)
    pending = [p for p in report.photos if p.moderation == Moderation.PENDING]
    target = report.merged_into
    question = open_info_request(report)
    satisfaction = public.satisfaction_for(report)
    view.update({
        "tracking_url": url_for("reports.track", token=token, _external=True),
        "public_url": url_for("reports.show", reference=report.reference) if not report.hidden else None,
        "pending_photos": len(pending),
        "has_email": bool(report.reporter_email),
        "merged_into": {"reference": target.reference, "status": STATUS_LABELS.get(target.status, target.status),
                        "url": url_for("reports.show", reference=target.reference) if not target.hidden else None}
        if target else None,
        "question": question.question if question else None,
        "answer_url": url_for("reports.answer", token=token),
        "feedback_url": url_for("reports.feedback", token=token),
        "ask_feedback": report.status in (ReportStatus.FIXED, ReportStatus.CLOSED),
        "satisfaction": satisfaction.score if satisfaction else None,
    })
    return view

