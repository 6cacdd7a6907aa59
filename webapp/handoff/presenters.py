"""The hand-off as people read it: a report's state in the viewer's language, the settings page's tables."""
from __future__ import annotations

from flask import url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.extensions import db
from webapp.handoff import services
from webapp.handoff.forms import METHOD_LABELS
from webapp.handoff.models import HandoffTarget
from webapp.i18n import localized
from webapp.reports.models import Category, Department, Report
from webapp.timeutil import as_utc

STATE_LABELS = {"waiting": _l("Waiting to be sent"), "sent": _l("Sent"), "failed": _l("Sending failed")}
ERROR_LABELS = {"refused": _l("Refused by the receiving system"),
                "unreachable": _l("The receiving system did not answer"),
                "server_error": _l("The receiving system had an error"),
                "bad_answer": _l("The receiving system's answer could not be read")}
EXTERNAL_STATUS_LABELS = {"open": _l("open"), "closed": _l("closed")}


def _when(value) -> str:
    return format_datetime(as_utc(value), "short") if value else ""


def report_handoff(report: Report, can_resend: bool) -> dict | None:
    """What the report page shows: where the report goes, its state, the external id or the reason, and the
    button to send it again. None when neither a hand-off nor a route concerns the report."""
    handoff = services.handoff_of(report)
    target = services.target_for(report)
    if handoff is None and target is None:
        return None
    shown = handoff.target if handoff else target
    return {
        "target": shown.name,
        "method": METHOD_LABELS[shown.method],
        "state": STATE_LABELS[handoff.state] if handoff else _l("Not sent"),
        "state_key": handoff.state if handoff else "none",
        "external_id": (handoff.external_id or handoff.external_token) if handoff else "",
        "sent": _when(handoff.sent_at) if handoff else "",
        "attempts": handoff.attempts if handoff else 0,
        "next_attempt": _when(handoff.next_attempt_at) if handoff and handoff.state == "waiting" and handoff.attempts else "",
        "reason": ERROR_LABELS.get(handoff.error_kind, "") if handoff else "",
        "reason_detail": handoff.error_detail if handoff else "",
        "external_status": EXTERNAL_STATUS_LABELS.get(handoff.external_status, "") if handoff else "",
        "external_note": handoff.external_note if handoff else "",
        "resend_url": url_for("handoff.resend", report_id=report.id) if can_resend and target else None,
    }


def _scope_label(route) -> str:
    if route.category_id:
        category = route_category(route.category_id)
        return f"{_l('Category')}: {localized(category.names)}" if category else ""
    return f"{_l('Department')}: {route.department_code}"


def route_category(category_id: int) -> Category | None:
    return db.session.get(Category, category_id)


def _codes(target: HandoffTarget) -> str:
    names = {c.key: localized(c.names) for c in db.session.execute(select(Category)).scalars()}
    return ", ".join(f"{names.get(k, k)} → {v}" for k, v in sorted((target.service_codes or {}).items()))


def settings_page() -> dict:
    return {
        "targets": [{"name": t.name, "method": METHOD_LABELS[t.method], "where": t.email or t.endpoint,
                     "codes": _codes(t),
                     "active": t.active, "url": url_for("handoff.target", target_id=t.id)} for t in services.targets()],
        "routes": [{"scope": _scope_label(r), "target": r.target.name if r.target else _l("None: handled here"),
                    "since": _when(r.since)} for r in services.routes()],
    }


def scope_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    departments = [(d.code, f"{d.code} – {localized(d.names)}") for d in
                   db.session.execute(select(Department).order_by(Department.code)).scalars()]
    categories = [(c.key, localized(c.names)) for c in
                  db.session.execute(select(Category).order_by(Category.sort_order)).scalars()]
    return departments, categories


def target_choices() -> list[tuple[str, str]]:
    return [(str(t.id), t.name) for t in services.targets()]


def target_form_data(target: HandoffTarget) -> dict:
    return {"name": target.name, "method": target.method, "email": target.email, "endpoint": target.endpoint,
            "jurisdiction_id": target.jurisdiction_id, "active": target.active,
            "service_codes": "\n".join(f"{k}={v}" for k, v in sorted((target.service_codes or {}).items()))}
