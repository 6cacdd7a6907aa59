"""The hand-off settings page (administrators) and "send again" on a report (case officers)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from webapp.auth.access import actor, require
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.handoff import forms, presenters, services
from webapp.handoff.models import HandoffTarget
from webapp.jobs import services as jobs
from webapp.reports.models import Report
from webapp.reports.presenters import form_problems

bp = Blueprint("handoff", __name__, url_prefix="/staff/handoff")


def _route_form(posted: bool) -> forms.RouteForm:
    form = forms.RouteForm() if posted else forms.RouteForm(formdata=None)
    departments, categories = presenters.scope_choices()
    return forms.route_choices(form, departments, categories, presenters.target_choices())


def _save_target(form: forms.TargetForm, target: HandoffTarget | None) -> HandoffTarget | None:
    try:
        codes = services.parse_service_codes(form.service_codes.data or "")
        return services.save_target(actor=actor(), name=form.name.data, method=form.method.data,
                                    email=form.email.data, endpoint=form.endpoint.data,
                                    api_key=form.api_key.data or None, jurisdiction_id=form.jurisdiction_id.data,
                                    service_codes=codes, active=form.active.data, target=target)
    except InputRefused as exc:
        db.session.rollback()
        form[exc.field].errors = [*form[exc.field].errors, exc.message] if exc.field in form else [exc.message]
        return None


@bp.route("/", methods=["GET", "POST"])
@require("admin")
def settings():
    """Receiving systems (a new one here) and which departments and categories send to them."""
    form = forms.TargetForm()
    if form.validate_on_submit():
        target = _save_target(form, None)
        if target is not None:
            flash(_("The receiving system %(name)s was saved.", name=target.name), "info")
            return redirect(url_for("handoff.settings"))
    return render_template("handoff/settings.html", form=form, route_form=_route_form(posted=False),
                           problems=form_problems(form, None), **presenters.settings_page()), \
        400 if form.errors else 200


@bp.route("/targets/<int:target_id>", methods=["GET", "POST"])
@require("admin")
def target(target_id: int):
    found = db.session.get(HandoffTarget, target_id)
    if found is None:
        abort(404)
    form = forms.TargetForm(data=presenters.target_form_data(found))
    if form.validate_on_submit():
        if _save_target(form, found) is not None:
            flash(_("The receiving system %(name)s was saved.", name=found.name), "info")
            return redirect(url_for("handoff.settings"))
    return render_template("handoff/target.html", form=form, target=found, problems=form_problems(form, None)), \
        400 if form.errors else 200


@bp.post("/routes")
@require("admin")
def route():
    form = _route_form(posted=True)
    if not form.validate_on_submit():
        flash(_("Check the fields: %(errors)s", errors=" ".join(str(e) for errs in form.errors.values() for e in errs)),
              "error")
        return redirect(url_for("handoff.settings"))
    kind, _sep, value = form.scope.data.partition(":")
    choice = form.target.data
    found = db.session.get(HandoffTarget, int(choice.split(":")[1])) if choice.startswith("target:") else None
    try:
        services.set_route(actor=actor(), department_code=value if kind == "department" else None,
                           category_key=value if kind == "category" else None, target=found,
                           handled_here=choice == "none")
        flash(_("Saved: new reports go where the table says."), "info")
    except InputRefused as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for("handoff.settings"))


@bp.post("/reports/<int:report_id>/resend")
@require("triage")
def resend(report_id: int):
    report = db.get_or_404(Report, report_id)
    form = forms.ResendForm()
    if not form.validate_on_submit():
        flash(_("The form had expired: try again."), "error")
    else:
        try:
            services.resend(report, actor())
            jobs.enqueue("handoff_send", {}, actor())
            jobs.work_in_background(current_app._get_current_object())
            flash(_("The report will be sent again in a moment."), "info")
        except InputRefused as exc:
            flash(str(exc.message), "error")
    return redirect(url_for("staff.report", report_id=report.id))
