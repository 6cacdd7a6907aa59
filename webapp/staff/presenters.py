"""Plain values for the staff templates."""
from __future__ import annotations

import math
from urllib.parse import parse_qsl, urlencode

from flask import url_for
from flask_babel import format_datetime, format_decimal, ngettext
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from webapp import audit
from webapp.assets import presenters as asset_presenters
from webapp.auth import apikeys
from webapp.auth.roles import ROLE_LABELS
from webapp.auth.services import all_users
from webapp.campaigns.services import all_campaigns
from webapp.extensions import db
from webapp.formfields import empty_choice
from webapp.geo.models import Zone
from webapp.handoff import presenters as handoff_presenters
from webapp.handoff.forms import ResendForm
from webapp.i18n import localized
from webapp.reports import lifecycle, public
from webapp.reports.catalogue import LANGUAGES, current_site_message, departments, icon_names
from webapp.reports.labels import (
    EXTERNAL_LABELS,
    MODERATION_LABELS,
    SOURCE_LABELS,
    TIME_OF_DAY_LABELS,
    actor_label,
    category_choices,
    district_choices,
    value_label,
)
from webapp.reports.models import Category, Report
from webapp.reports.presenters import category_name, icon_url, report_form_page
from webapp.reports.status import STATUS_LABELS, ReportStatus
from webapp.staff import forms, services
from webapp.timeutil import as_utc, local_today
from webapp.workorders import services as workorders
from webapp.workorders import status as wo_status

localized_name = localized


def filter_choices() -> dict[str, list[SelectChoice]]:
    """The inbox filter's choices read from the database, once per page (the views' counts reuse them)."""
    return {
        "category": [empty_choice("—")] + category_choices(retired=True),
        "district": [empty_choice("—")] + district_choices(),
        "zone": [empty_choice("—")] + [
            SelectChoice(z.id, z.name) for z in db.session.execute(select(Zone).order_by(Zone.name)).scalars()],
        "campaign": [empty_choice("—")] + [SelectChoice(c.id, c.name) for c in all_campaigns()],
    }


def fill_filter_choices(form: forms.FilterForm, choices: dict | None = None) -> None:
    for name, values in (choices or filter_choices()).items():
        getattr(form, name).choices = values


def canonical_query(args: MultiDict) -> str:
    """The inbox's filter as a query string: only the filter's fields, only what was chosen, statuses in the order
    of the flow. The same filter always gives the same string: saved views are stored and compared in it."""
    pairs = []
    for key in forms.FILTER_FIELDS:
        values = [v.strip() for v in args.getlist(key) if v and v.strip()]
        if key == "status":
            values = [status for status in STATUS_LABELS if status in values]
        pairs += [(key, value) for value in values]
    return urlencode(pairs)


def inbox_args(args: MultiDict, user) -> MultiDict:
    """What the inbox shows: what its address asks for (a filter, a sort order, a page), or, asked for nothing,
    the start view (the new and open reports of the user's department)."""
    if any(key != "lang" for key in args):
        return args
    return MultiDict(parse_qsl(start_query(services.start_department(user.department_code))))


# The built-in "all reports" view: any filter-free query would do; the sort order is what it says.
ALL_REPORTS_QUERY = "sort=newest"


def start_query(department: str | None) -> str:
    pairs = [("status", status) for status in services.START_STATUSES]
    return canonical_query(MultiDict(pairs + ([("department", department)] if department else [])))


def inbox_url(query: str) -> str:
    return url_for("staff.inbox") + ("?" + query if query else "")


def criteria_for(query: str, choices: dict) -> services.ReportFilter | None:
    """The filter a stored query describes, or None when it no longer makes sense (say, a deleted campaign)."""
    form = forms.FilterForm(MultiDict(parse_qsl(query)))
    fill_filter_choices(form, choices)
    return form.criteria() if form.validate() else None


def _scope_label(view) -> str:
    if view.scope == "department":
        return _("Shared with %(department)s", department=view.department_code)
    if view.scope == "all":
        return _("Shared with all staff")
    return _("Only me")


def inbox_views(user, args: MultiDict, choices: dict) -> list[dict]:
    """The inbox's views with the number of reports in each (one COUNT each): the start view, all reports, then
    the saved views the user sees. The one the page shows is marked current."""
    current = canonical_query(args)
    department = services.start_department(user.department_code)
    start_name = _("New and open for %(department)s", department=department) if department \
        else _("New and open, all departments")
    items = [{"name": start_name, "query": start_query(department), "builtin": True},
             {"name": _("All reports"), "query": ALL_REPORTS_QUERY, "builtin": True}]
    for view in services.views_for(user):
        mine = view.owner_id == user.id
        items.append({"name": view.name, "query": view.query, "builtin": False, "mine": mine,
                      "shared": _scope_label(view), "owner": None if mine else view.owner.name,
                      "delete_url": url_for("staff.delete_view", view_id=view.id)
                      if services.may_delete_view(view, user) else None})
    for item in items:
        criteria = criteria_for(item["query"], choices)
        item["count"] = services.count_reports(criteria) if criteria is not None else None
        item["count_text"] = format_decimal(item["count"]) if item["count"] is not None else "—"
        item["count_label"] = ngettext("%(num)d report", "%(num)d reports", item["count"]) \
            if item["count"] is not None else _("the filter no longer works")
        item["broken"] = item["count"] is None
        item["url"] = inbox_url(item["query"])
        item["current"] = item["query"] == current
    return items


def save_view_form(user, current_query: str) -> forms.SaveViewForm:
    form = forms.SaveViewForm(formdata=None, data={"query": current_query, "scope": "personal"})
    form.scope.choices = [SelectChoice("personal", _("Only me"))] + (
        [SelectChoice("department", _("My department (%(department)s)", department=user.department_code))]
        if user.department_code else []) + [SelectChoice("all", _("All staff"))]
    return form


def error_text(form) -> str:
    return "; ".join(str(e) for errors in form.errors.values() for e in errors)


def _when(value) -> str:
    return format_datetime(as_utc(value), "short")


def order_summaries(orders, today=None) -> list[dict]:
    """A report's work orders as the officer sees them beside it: number, status, whether it is overdue; the open
    ones first (the one being worked on is what matters), then the ended ones."""
    today = today or local_today()
    rows = [{"number": o.number, "status": wo_status.STATUS_LABELS.get(o.status, o.status), "status_key": o.status,
             "open": o.status in wo_status.OPEN_STATUSES, "overdue": workorders.is_overdue(o, today),
             "url": url_for("workorders.show", order_id=o.id)} for o in orders]
    return sorted(rows, key=lambda row: not row["open"])


def report_row(r: Report, orders=()) -> dict:
    return {
        "orders": order_summaries(orders),
        "id": r.id, "reference": r.reference, "category": category_name(r.category), "icon": icon_url(r.category.icon),
        "status": STATUS_LABELS.get(r.status, r.status), "status_key": r.status, "created": _when(r.created_at),
        "place": ", ".join(p for p in [r.location_text, r.district.name if r.district else ""] if p),
        "description": (r.description or "")[:140], "hidden": r.hidden, "photos": len(r.photos),
        "support_count": r.support_count, "source": SOURCE_LABELS.get(r.source, r.source),
        "url": url_for("staff.report", report_id=r.id), "lat": r.lat, "lon": r.lon,
        "in_zone": r.zone_id is not None, "campaign": r.campaign.name if r.campaign else None,
        "owner": r.property_owner.name if r.property_owner else None,
    }


def inbox_page(rows: list[Report], total: int, *, page: int, per_page: int, criteria, views: list[dict],
               args: MultiDict) -> dict:
    """The inbox's list, map and pager for what `args` asks. The filter box opens by itself when the filter is
    no view's."""
    pages = max(1, math.ceil(total / per_page))
    query = canonical_query(args)

    def page_url(number: int) -> str:
        return inbox_url(query + ("&" if query else "") + f"page={number}")

    points = [{"id": p.id, "ref": p.reference, "lat": p.lat, "lon": p.lon, "status": p.status}
              for p in services.map_points(criteria)]
    orders = workorders.orders_by_report([r.id for r in rows])
    return {
        "rows": [report_row(r, orders.get(r.id, ())) for r in rows], "total": total, "page": page, "pages": pages,
        "prev_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page < pages else None,
        "points": points, "filtered": query != ALL_REPORTS_QUERY,
        "custom_filter": not any(view["current"] for view in views),
        "all_reports_url": inbox_url(ALL_REPORTS_QUERY),
        "current_view": next((view["name"] for view in views if view["current"]), None),
    }


def reporter_contact(r: Report, viewer) -> dict | None:
    """The reporter's e-mail, name and phone for the roles that contact reporters; None for the others."""
    if not viewer.can("reporter_contact"):
        return None
    return {"name": r.reporter_name or "", "email": r.reporter_email or "", "phone": r.reporter_phone or ""}


def status_choices(r: Report) -> list[SelectChoice]:
    """The steps the flow allows from the report's status, in the flow's order, after an empty "choose"."""
    return [empty_choice(_("Choose a status"))] + [SelectChoice(k, STATUS_LABELS[k]) for k in lifecycle.next_statuses(r)]


def keep_retired_choices(r: Report, edit_form=None, assign_form=None) -> None:
    """A report in a retired category, or with a retired department, keeps it offered on its own forms, so that
    saving something else does not move it silently (moving it to another is still possible)."""
    if edit_form is not None and not r.category.active:
        edit_form.category.choices = list(edit_form.category.choices) + [SelectChoice(r.category.key, category_name(r.category))]
    department = r.department_code or r.category.department_code
    if assign_form is not None and department and department not in {c.value for c in assign_form.department.choices}:
        assign_form.department.choices = list(assign_form.department.choices) + [SelectChoice(department, department)]


def _candidate(n: Report, distance: float) -> dict:
    """A nearby report offered to merge into."""
    return {"reference": n.reference, "category": category_name(n.category), "distance": round(distance),
            "status": STATUS_LABELS.get(n.status, n.status), "status_key": n.status,
            "description": (n.description or "")[:100], "support_count": n.support_count,
            # Kept on one line in the merge button's label (a reference broken at its hyphen misreads).
            "reference_unbroken": Markup('<span class="nowrap">%s</span>') % n.reference,
            "url": url_for("staff.report", report_id=n.id)}


def _merge_side(r: Report) -> dict:
    return {"reference": r.reference, "category": category_name(r.category),
            "status": STATUS_LABELS.get(r.status, r.status), "status_key": r.status, "created": _when(r.created_at),
            "place": ", ".join(p for p in [r.location_text, r.district.name if r.district else ""] if p),
            "description": r.description or "", "support_count": r.support_count,
            "url": url_for("staff.report", report_id=r.id)}


def merge_confirmation(duplicate: Report, target: Report, form: forms.MergeForm) -> dict:
    """What the officer confirms before a merge: both reports side by side, and a warning when their categories
    differ (a likely mistake, though not refused)."""
    confirm = forms.MergeForm(formdata=None, data={"version": form.version.data, "target": target.reference,
                                                   "confirmed": True})
    return {"duplicate": _merge_side(duplicate), "target": _merge_side(target), "form": confirm,
            "different_categories": duplicate.category_id != target.category_id,
            "action_url": url_for("staff.merge", report_id=duplicate.id),
            "cancel_url": url_for("staff.report", report_id=duplicate.id)}


def report_page(r: Report, viewer, status_form: forms.StatusForm | None = None) -> dict:
    """The staff view of a report, as `viewer` may see it: photos by services.photo_visible_to, the reporter's
    contact by the reporter_contact permission. A refused status change comes back as `status_form`, with what
    was chosen and why it was refused."""
    can_triage = viewer.can("triage")
    version = str(r.version)
    edit = forms.EditForm(formdata=None, data={"version": version, "category": r.category.key, "lat": r.lat, "lon": r.lon})
    edit.category.choices = category_choices()
    status = status_form or forms.StatusForm(formdata=None, data={"version": version})
    next_statuses = lifecycle.next_statuses(r)
    status.status.choices = status_choices(r)
    assign = forms.AssignForm(formdata=None, data={"version": version, "department": r.department_code or
                                                   r.category.department_code or "", "external_kind": r.external_kind or "",
                                                   "external_name": r.external_name or "",
                                                   "external_contact": r.external_contact or ""})
    keep_retired_choices(r, edit, assign)
    photos = [{"id": p.id, "thumb": url_for("staff.photo_file", photo_id=p.id, size="thumb"),
               "display": url_for("staff.photo_file", photo_id=p.id, size="display"),
               "moderation": MODERATION_LABELS.get(p.moderation, p.moderation), "moderation_key": p.moderation,
               "width": p.width, "height": p.height} for p in r.photos
              if services.photo_visible_to(p, viewer)]
    linked_orders = workorders.orders_for(r)
    orders = order_summaries(linked_orders)
    same, other = lifecycle.merge_candidates(r)
    questions = [{"question": q.question, "asked": _when(q.asked_at), "by": q.asked_by,
                  "answer": q.answer, "answered": _when(q.answered_at) if q.answered_at else None}
                 for q in lifecycle.info_requests(r)]
    satisfaction = public.satisfaction_for(r)
    answers = []
    for q in r.category.extra_questions or []:
        value = (r.answers or {}).get(q["code"])
        if value:
            names = {v["key"]: localized(v["name"]) for v in q.get("values", [])}
            answers.append({"question": localized(q["label"]), "answer": names.get(value, value)})
    return {
        "templates": [{"title": t.title, "text": localized(t.texts)} for t in workorders.templates()],
        "answers": answers, "asset": asset_presenters.report_asset(r), "lighting": asset_presenters.lighting(r),
        "handoff": handoff_presenters.report_handoff(r, can_triage), "resend_form": ResendForm(formdata=None),
        "r": r, "row": report_row(r, linked_orders), "can_triage": can_triage, "contact": reporter_contact(r, viewer),
        "department": r.department_code or r.category.department_code or "—",
        "external": EXTERNAL_LABELS.get(r.external_kind) if r.external_kind else None,
        "merged_into": r.merged_into, "photos": photos, "orders": orders,
        "nearby": [_candidate(n, d) for n, d in same], "nearby_other": [_candidate(n, d) for n, d in other],
        "questions": questions, "history": [{"when": _when(h.created_at), "status": STATUS_LABELS.get(h.to_status),
                                             "note": h.public_note, "actor": actor_label(h.actor)} for h in r.history],
        "events": audit.history("report", r.id, value_label),
        "satisfaction": satisfaction.score if satisfaction else None,
        "public_url": url_for("reports.show", reference=r.reference) if not r.hidden else None,
        "safety": {"time_of_day": TIME_OF_DAY_LABELS.get(r.time_of_day, r.time_of_day), "rating": r.safety_rating},
        "edit": edit, "status_form": status, "assign": assign,
        "closing_statuses": [k for k in next_statuses if lifecycle.closes(k)],
        "can_merge": r.status != ReportStatus.DUPLICATE,
        "hide": forms.HideForm(formdata=None, data={"version": version}),
        "merge": forms.MergeForm(formdata=None, data={"version": version}),
        "unmerge": forms.UnmergeForm(formdata=None, data={"version": version}),
        "question": forms.QuestionForm(formdata=None), "moderate": forms.ModerateForm(formdata=None),
        "redact": forms.RedactForm(formdata=None),
        "can_order": r.status != ReportStatus.DUPLICATE and not r.hidden,
        "new_order_url": url_for("workorders.new", report=r.id),
        # An open order is what the officer follows up; a second one is the exception, offered after it.
        "has_open_order": any(o["open"] for o in orders),
        "map": {"lat": r.lat, "lon": r.lon},
    }


def field_form_page(form) -> dict:
    return report_form_page(form)


def users_page() -> list[dict]:
    return [{"id": u.id, "name": u.name, "email": u.email, "role": ROLE_LABELS.get(u.role, u.role),
             "department": u.department_code or "—", "active": u.active, "totp": u.totp_enabled,
             "last_login": _when(u.last_login_at) if u.last_login_at else "—",
             "url": url_for("staff.admin_user", user_id=u.id)} for u in all_users()]


def user_form_data(user):
    class Data:
        role = user.role
        department = user.department_code or ""
        work_kinds = list(user.work_kinds or [])
        active = user.active
    return Data()


def settings_page() -> dict:
    categories = db.session.execute(select(Category).order_by(Category.sort_order)).scalars()
    return {
        "current_message": current_site_message(),
        "templates": [{"id": t.id, "title": t.title, "form": forms.TemplateForm(
            formdata=None, prefix=forms.template_prefix(t.id), data={"text_sv": t.texts.get("sv", ""), "text_en": t.texts.get("en", "")})}
            for t in workorders.templates()],
        "new_category_url": url_for("staff.admin_category_new"),
        "departments_url": url_for("staff.admin_departments"),
        "categories": [{"key": c.key, "name": category_name(c), "department": c.department_code or "—",
                        "priority": c.default_priority, "radius": c.duplicate_radius_m, "active": c.active,
                        "questions": len(c.extra_questions or []),
                        "url": url_for("staff.admin_category", key=c.key)} for c in categories],
    }


def category_form_data(c: Category) -> dict:
    lines = []
    for q in c.extra_questions or []:
        answers = ";".join(localized(v["name"]) for v in q.get("values", []))
        lines.append(" | ".join([q["code"], q["label"].get("sv", ""), q["label"].get("en", "")] + ([answers] if answers else [])))
    data = {"icon": c.icon, "department": c.department_code or "", "work_kind": c.work_kind or "", "default_priority": c.default_priority,
            "duplicate_radius_m": c.duplicate_radius_m, "active": c.active, "positive": c.positive,
            "extra_questions": "\n".join(lines)}
    for lang in LANGUAGES:
        data[f"name_{lang}"] = c.names.get(lang, "")
        data[f"description_{lang}"] = (c.descriptions or {}).get(lang, "")
        data[f"notice_{lang}"] = (c.notice or {}).get(lang, "")
    return data


def _texts(form, prefix: str) -> dict:
    return {lang: (form[f"{prefix}_{lang}"].data or "").strip() for lang in LANGUAGES}


def category_settings(form) -> dict:
    """The settings a category form gives: a text left empty keeps what it was (names and explanations), the
    notice is replaced as written, the icon kept when none is chosen."""
    notice = {k: v for k, v in _texts(form, "notice").items() if v}
    settings = {"names": _texts(form, "name"), "descriptions": _texts(form, "description"),
                "notice": notice or None, "department_code": form.department.data or None,
                "default_priority": form.default_priority.data, "duplicate_radius_m": form.duplicate_radius_m.data,
                "active": form.active.data, "positive": form.positive.data,
                "work_kind": form.work_kind.data or None, "extra_questions_text": form.extra_questions.data or ""}
    if form.icon.data:
        settings["icon"] = form.icon.data
    if "kind" in form:
        settings["kind"] = form.kind.data
    return settings


def fill_category_choices(form, category: Category | None) -> None:
    """The priorities, icons and departments a category form offers (a retired department stays shown on the
    category that still names it)."""
    form.default_priority.choices = [SelectChoice(p.code, localized_name(p.names)) for p in workorders.priorities()]
    form.icon.choices = [SelectChoice(name, name) for name in icon_names()]
    form.work_kind.choices = [SelectChoice("", "—")] + [SelectChoice(k, str(label)) for k, label in workorders.KINDS.items()]
    if category is not None and category.department_code and category.department_code not in \
            {choice.value for choice in form.department.choices}:
        form.department.choices = list(form.department.choices) + [
            SelectChoice(category.department_code, category.department_code)]


def departments_page() -> list[dict]:
    return [{"code": d.code, "name": localized(d.names), "active": d.active,
             "url": url_for("staff.admin_department", code=d.code)} for d in departments()]


def department_form_data(d) -> dict:
    return {**{f"name_{lang}": d.names.get(lang, "") for lang in LANGUAGES}, "active": d.active}


def department_names(form) -> dict:
    return _texts(form, "name")


def api_clients() -> list[dict]:
    return [{"id": c.id, "name": c.name, "prefix": c.key_prefix, "active": c.active, "created": _when(c.created_at),
             "created_by": c.created_by, "revoked": _when(c.revoked_at) if c.revoked_at else None,
             "revoke_url": url_for("staff.admin_api_client_revoke", client_id=c.id)} for c in apikeys.clients()]
