"""Staff pages for reports: the inbox, a report's full view and its actions, filing on someone's behalf, admin."""
from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from webapp import audit
from webapp.auth import apikeys
from webapp.auth import services as accounts
from webapp.auth.access import actor, require
from webapp.auth.forms import EditUserForm, NewUserForm
from webapp.auth.models import ApiClient, User
from webapp.auth.roles import HOME
from webapp.bounded import query_number
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.formfields import empty_choice
from webapp.media import photo_settings
from webapp.reports import catalogue, intake, lifecycle, moderation, notify
from webapp.reports.labels import SOURCE_LABELS, category_choices, district_choices
from webapp.reports.models import Photo, Report
from webapp.reports.presenters import form_problems
from webapp.reports.status import Moderation
from webapp.reports.submission import report_from_form, show_refusal
from webapp.responses import photo_response
from webapp.staff import forms, presenters, services
from webapp.staff.models import SavedView
from webapp.timeutil import day_ends_utc
from webapp.workorders import services as workorders
from webapp.workorders.models import ResponseTemplate

bp = Blueprint("staff", __name__, url_prefix="/staff")



def _back(report: Report):
    return redirect(url_for("staff.report", report_id=report.id))


def _fail(exc: InputRefused):
    flash(str(exc.message), "error")


def _refused(form) -> None:
    """A small action form (a question, a photo decision) refused: say why, at the top of the page it returns to."""
    flash(_("Check the fields: %(errors)s", errors=presenters.error_text(form)), "error")


@bp.get("/")
@require("staff")
def home():
    return redirect(url_for(HOME.get(current_user.role, "auth.setup_2fa")))


@bp.get("/reports")
@require("view_reports")
def inbox():
    """The inbox. Asked for nothing, it shows the start view: the new and open reports of one's department."""
    args = presenters.inbox_args(request.args, current_user)
    form = forms.FilterForm(args)
    choices = presenters.filter_choices()
    presenters.fill_filter_choices(form, choices)
    valid = form.validate()
    criteria = form.criteria() if valid else services.ReportFilter()
    page = query_number(request.args, "page", default=1)
    per_page = current_app.config["STAFF_PAGE_SIZE"]
    rows, total = services.search_reports(criteria, page=page, per_page=per_page)
    views = presenters.inbox_views(current_user, args, choices)
    current = presenters.canonical_query(args)
    return render_template("staff/inbox.html", form=form, views=views,
                           page=presenters.inbox_page(rows, total, page=page, per_page=per_page, criteria=criteria, views=views, args=args),
                           save_view=presenters.save_view_form(current_user, current),
                           delete_view=forms.ButtonForm(formdata=None, data={"query": current}),
                           can_order=current_user.can("workorders")), 200 if valid else 400


def _back_to_inbox(query: str | None):
    """To the inbox as it was (only the filter's own fields are kept from what the form sent)."""
    return redirect(presenters.inbox_url(presenters.canonical_query(MultiDict(parse_qsl(query or "")))))


@bp.post("/reports/views")
@require("view_reports")
def save_view():
    form = forms.SaveViewForm()
    form.scope.choices = presenters.save_view_form(current_user, "").scope.choices
    query = presenters.canonical_query(MultiDict(parse_qsl(form.query.data or "")))
    if form.validate_on_submit():
        if not query or presenters.criteria_for(query, presenters.filter_choices()) is None:
            flash(_("Choose a filter to save first."), "error")
        else:
            try:
                view = services.save_view(current_user, name=form.name.data, query=query, scope=form.scope.data, actor=actor())
                flash(_("The view %(name)s was saved.", name=view.name), "info")
            except InputRefused as exc:
                _fail(exc)
    else:
        flash(_("Check the fields: %(errors)s", errors=presenters.error_text(form)), "error")
    return _back_to_inbox(query)


@bp.post("/reports/views/<int:view_id>/delete")
@require("view_reports")
def delete_view(view_id: int):
    view = db.get_or_404(SavedView, view_id)
    form = forms.ButtonForm()
    if form.validate_on_submit():
        try:
            name = view.name
            services.delete_view(view, current_user, actor())
            flash(_("The view %(name)s was deleted.", name=name), "info")
        except InputRefused as exc:
            _fail(exc)
    return _back_to_inbox(form.query.data)


@bp.get("/reports/<int:report_id>")
@require("view_reports")
def report(report_id: int):
    found = db.get_or_404(Report, report_id)
    return render_template("staff/report.html", **presenters.report_page(found, current_user))


@bp.post("/reports/<int:report_id>/edit")
@require("triage")
def edit(report_id: int):
    found = db.get_or_404(Report, report_id)
    form = forms.EditForm()
    form.category.choices = category_choices()
    presenters.keep_retired_choices(found, edit_form=form)
    if form.validate_on_submit():
        try:
            lifecycle.edit_report(found, actor=actor(), expected_version=form.expected_version(), reason=form.reason.data,
                                 category_key=form.category.data, lat=form.lat.data, lon=form.lon.data)
            flash(_("The report was changed."), "info")
        except InputRefused as exc:
            _fail(exc)
    else:
        flash(_("Check the fields: %(errors)s", errors=presenters.error_text(form)), "error")
    return _back(found)


@bp.post("/reports/<int:report_id>/hide")
@require("triage")
def hide(report_id: int):
    found = db.get_or_404(Report, report_id)
    form = forms.HideForm()
    hidden = request.args.get("hidden", "1") == "1"
    if form.validate_on_submit():
        try:
            moderation.set_hidden(found, hidden, actor=actor(), expected_version=form.expected_version(), reason=form.reason.data or "")
            flash(_("The report is hidden from the public.") if hidden else _("The report is public again."), "info")
        except InputRefused as exc:
            _fail(exc)
    return _back(found)


@bp.post("/reports/<int:report_id>/merge")
@require("triage")
def merge(report_id: int):
    """Merge into another report, in two steps: the button (or a typed reference) shows what would be merged,
    and only the confirmation on that page merges."""
    found = db.get_or_404(Report, report_id)
    form = forms.MergeForm()
    if form.validate_on_submit():
        target = lifecycle.report_by_reference(form.target.data)
        if target is None:
            flash(_("There is no report %(reference)s.", reference=form.target.data), "error")
            return _back(found)
        try:
            if not form.confirmed.data:
                lifecycle.check_merge(found, target)
                return render_template("staff/merge_confirm.html", **presenters.merge_confirmation(found, target, form))
            lifecycle.merge_reports(found, target, actor(), form.expected_version())
            flash(_("Merged into %(reference)s.", reference=target.reference), "info")
            return redirect(url_for("staff.report", report_id=target.id))
        except InputRefused as exc:
            _fail(exc)
    else:
        flash(_("Check the fields: %(errors)s", errors=presenters.error_text(form)), "error")
    return _back(found)


@bp.post("/reports/<int:report_id>/unmerge")
@require("triage")
def unmerge(report_id: int):
    """Undo a merge made by mistake (from the merged report's page)."""
    found = db.get_or_404(Report, report_id)
    form = forms.UnmergeForm()
    if form.validate_on_submit():
        try:
            target = lifecycle.undo_merge(found, actor=actor(), expected_version=form.expected_version())
            flash(_("The merge with %(reference)s was undone.", reference=target.reference), "info")
        except InputRefused as exc:
            db.session.rollback()
            _fail(exc)
    else:
        _refused(form)
    return _back(found)


@bp.post("/reports/<int:report_id>/assign")
@require("triage")
def assign(report_id: int):
    found = db.get_or_404(Report, report_id)
    form = forms.AssignForm()
    presenters.keep_retired_choices(found, assign_form=form)
    if form.validate_on_submit():
        try:
            lifecycle.assign_report(found, actor=actor(), expected_version=form.expected_version(), department=form.department.data or None,
                                   external_kind=form.external_kind.data or None,
                                   external_name=form.external_name.data or "",
                                   external_contact=form.external_contact.data or "",
                                   public_note=form.public_note.data or "")
            flash(_("The report was assigned."), "info")
        except InputRefused as exc:
            _fail(exc)
    return _back(found)


@bp.post("/reports/<int:report_id>/status")
@require("triage")
def status(report_id: int):
    """Change the status. A refused form (nothing chosen, a closing step not confirmed) comes back on the report
    page with what was chosen and the reason, so that the officer confirms or corrects it there."""
    found = db.get_or_404(Report, report_id)
    form = forms.StatusForm()
    form.status.choices = presenters.status_choices(found)
    if form.validate_on_submit():
        try:
            lifecycle.set_status(found, form.status.data, actor=actor(), expected_version=form.expected_version(), public_note=form.public_note.data or "")
            flash(_("The status was changed."), "info")
        except InputRefused as exc:
            _fail(exc)
        return _back(found)
    if "csrf_token" in form.errors:
        flash(_("Check the fields: %(errors)s", errors=presenters.error_text(form)), "error")
        return _back(found)
    return render_template("staff/report.html", **presenters.report_page(found, current_user, status_form=form)), 400


@bp.post("/reports/<int:report_id>/ask")
@require("triage")
def ask(report_id: int):
    found = db.get_or_404(Report, report_id)
    form = forms.QuestionForm()
    if form.validate_on_submit():
        try:
            info = lifecycle.ask_reporter(found, form.question.data, actor())
            notify.question(found, info, workorders.new_tracking_token(found))
            flash(_("The question was sent to the reporter."), "info")
        except InputRefused as exc:
            _fail(exc)
    else:
        _refused(form)
    return _back(found)



@bp.get("/photos/<int:photo_id>/<any(display, thumb):size>.jpg")
@require("staff")
def photo_file(photo_id: int, size: str):
    """Staff see photos before approval too, within the rule of services.photo_visible_to."""
    photo = db.get_or_404(Photo, photo_id)
    if not services.photo_visible_to(photo, current_user):
        abort(403)
    return photo_response(current_app.extensions["photo_store"], photo.stem, size, "private, no-store")


@bp.post("/photos/<int:photo_id>/moderate")
@require("triage")
def moderate(photo_id: int):
    photo = db.get_or_404(Photo, photo_id)
    form = forms.ModerateForm()
    if form.validate_on_submit():
        try:
            moderation.moderate_photo(photo, form.decision.data, actor())
            flash(_("The photo was approved.") if form.decision.data == Moderation.APPROVED else _("The photo was rejected."), "info")
        except InputRefused as exc:
            _fail(exc)
    else:
        _refused(form)
    return redirect(url_for("staff.report", report_id=photo.report_id))


@bp.post("/photos/<int:photo_id>/redact")
@require("triage")
def redact(photo_id: int):
    photo = db.get_or_404(Photo, photo_id)
    form = forms.RedactForm()
    if form.validate_on_submit():
        try:
            box = moderation.Box(form.x.data, form.y.data, form.w.data, form.h.data)
            moderation.redact_photo(photo, [box], mode=form.mode.data, actor=actor(), store=current_app.extensions["photo_store"])
            flash(_("The area was covered. The uncovered photo no longer exists."), "info")
        except InputRefused as exc:
            _fail(exc)
    else:
        flash(_("Mark the area to cover by dragging over the photo."), "error")
    return redirect(url_for("staff.report", report_id=photo.report_id) + f"#photo-{photo.id}")


@bp.route("/reports/new", methods=["GET", "POST"])
@require("field_report")
def field_report():
    """A report filed by staff: phoned in or handed in (case officers), or from the field (police, contractors)."""
    form = forms.FieldReportForm()
    form.source.choices = [SelectChoice(s, SOURCE_LABELS[s]) for s in services.sources_for(current_user.role)]
    form.category.choices = [SelectChoice(c.key, presenters.category_name(c)) for c in catalogue.active_categories()]
    form.district.choices = [empty_choice(_("Choose an area"))] + district_choices()
    status_code = 200
    if form.validate_on_submit():
        try:
            report_row, token = intake.create_report(report_from_form(form, form.source.data), photo_settings(),
                                                      actor=actor())
        except InputRefused as exc:
            show_refusal(form, exc)
            status_code = 400
        else:
            lifecycle.set_private_contact(report_row, form.reporter_name.data, form.reporter_phone.data, actor())
            notify.receipt(report_row, token)
            flash(_("Report %(reference)s was filed.", reference=report_row.reference), "info")
            if current_user.can("view_reports"):
                return redirect(url_for("staff.report", report_id=report_row.id))
            return redirect(url_for("staff.field_report"))
    elif request.method == "POST":
        status_code = 400
    return render_template("staff/field_report.html", form=form, staff_fields=True,
                           page=presenters.field_form_page(form)), status_code


# Administration

@bp.route("/admin/users", methods=["GET", "POST"])
@require("admin")
def admin_users():
    form = NewUserForm()
    status_code = 200
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.email.data, form.name.data, password=form.password.data, role=form.role.data,
                                        department=form.department.data or None, actor=actor())
            flash(_("The account for %(email)s was created.", email=user.email), "info")
            return redirect(url_for("staff.admin_users"))
        except accounts.AccountError as exc:
            getattr(form, exc.field, form.email).errors.append(exc.message)
    if form.errors:
        status_code = 400
    return render_template("staff/admin_users.html", form=form, users=presenters.users_page()), status_code


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@require("admin")
def admin_user(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = EditUserForm(obj=None if request.method == "POST" else presenters.user_form_data(user))
    if user.department_code and user.department_code not in accounts.department_codes():
        # A retired department stays shown on the accounts still in it.
        form.department.choices = list(form.department.choices) + [SelectChoice(user.department_code,
                                                                                user.department_code)]
    form.work_kinds.choices = [SelectChoice(key, str(label)) for key, label in workorders.KINDS.items()]
    if form.validate_on_submit():
        if user.id == current_user.id and (not form.active.data or form.role.data != user.role):
            flash(_("You cannot disable or re-role your own account."), "error")
        else:
            try:
                accounts.update_user(user, actor(), role=form.role.data, department=form.department.data or "",
                                     active=form.active.data, work_kinds=form.work_kinds.data or [])
                flash(_("The account was saved."), "info")
                return redirect(url_for("staff.admin_users"))
            except accounts.AccountError as exc:
                flash(str(exc.message), "error")
    return render_template("staff/admin_user.html", form=form, user=user,
                           events=audit.history("user", user.id)), 400 if form.errors else 200


@bp.route("/admin/settings", methods=["GET", "POST"])
@require("admin")
def admin_settings():
    form = forms.SiteMessageForm()
    if form.validate_on_submit():
        expires = day_ends_utc(form.expires_on.data)  # the message shows to the end of that day in Stockholm
        try:
            catalogue.set_site_message({"sv": form.text_sv.data, "en": form.text_en.data}, expires, actor())
            flash(_("The site message was saved."), "info")
            return redirect(url_for("staff.admin_settings"))
        except InputRefused as exc:
            flash(str(exc.message), "error")
    return render_template("staff/admin_settings.html", form=form, **presenters.settings_page())


@bp.route("/admin/templates/<int:template_id>", methods=["POST"])
@require("admin")
def admin_template(template_id: int):
    template = db.session.get(ResponseTemplate, template_id)
    if template is None:
        abort(404)
    form = forms.TemplateForm(prefix=forms.template_prefix(template.id))
    if form.validate_on_submit():
        try:
            workorders.update_template(template, {"sv": form.text_sv.data, "en": form.text_en.data}, actor())
            flash(_("The template was saved."), "info")
        except InputRefused as exc:
            flash(str(exc.message), "error")
    return redirect(url_for("staff.admin_settings") + "#templates")


@bp.route("/admin/categories/new", methods=["GET", "POST"])
@require("admin")
def admin_category_new():
    """Add a category: residents can report in it at once."""
    form = forms.NewCategoryForm(data=None if request.method == "POST" else {"active": True, "duplicate_radius_m": 50,
                                                                               "default_priority": "normal"})
    presenters.fill_category_choices(form, None)
    if form.validate_on_submit():
        settings = presenters.category_settings(form)
        settings["extra_questions"] = catalogue.parse_extra_questions(settings.pop("extra_questions_text"))
        try:
            category = catalogue.create_category(form.key.data, actor(), settings)
            flash(_("The category %(name)s was added.", name=presenters.category_name(category)), "info")
            return redirect(url_for("staff.admin_settings") + "#categories")
        except InputRefused as exc:
            db.session.rollback()
            _field_error(form, exc, "key")
    return render_template("staff/admin_category.html", form=form, category=None,
                           problems=form_problems(form, None)), 400 if form.errors else 200


def _field_error(form, exc: InputRefused, fallback: str) -> None:
    field = {"names": "name_sv", "descriptions": "description_sv", "notice": "notice_sv"}.get(exc.field, exc.field)
    getattr(form, field if hasattr(form, field) else fallback).errors.append(exc.message)


@bp.route("/admin/categories/<key>", methods=["GET", "POST"])
@require("admin")
def admin_category(key: str):
    category = catalogue.category_by_any_key(key)
    if category is None:
        abort(404)
    form = forms.CategorySettingsForm(data=None if request.method == "POST" else presenters.category_form_data(category))
    presenters.fill_category_choices(form, category)
    if form.validate_on_submit():
        try:
            catalogue.update_category(category, actor(), presenters.category_settings(form))
            flash(_("The category was saved."), "info")
            return redirect(url_for("staff.admin_settings") + "#categories")
        except InputRefused as exc:
            db.session.rollback()
            _field_error(form, exc, "extra_questions")
    return render_template("staff/admin_category.html", form=form, category=category,
                           problems=form_problems(form, None)), 400 if form.errors else 200


@bp.route("/admin/departments", methods=["GET", "POST"])
@require("admin")
def admin_departments():
    """The kommun's departments, and a form to add one."""
    form = forms.NewDepartmentForm()
    if form.validate_on_submit():
        try:
            department = catalogue.change_department(None, actor(), code=form.code.data,
                                                     names=presenters.department_names(form))
            flash(_("The department %(code)s was added.", code=department.code), "info")
            return redirect(url_for("staff.admin_departments"))
        except InputRefused as exc:
            db.session.rollback()
            _field_error(form, exc, "code")
    return render_template("staff/admin_departments.html", form=form, departments=presenters.departments_page(),
                           problems=form_problems(form, None)), 400 if form.errors else 200


@bp.route("/admin/departments/<code>", methods=["GET", "POST"])
@require("admin")
def admin_department(code: str):
    department = catalogue.department_by_code(code)
    if department is None:
        abort(404)
    form = forms.DepartmentForm(data=None if request.method == "POST" else presenters.department_form_data(department))
    if form.validate_on_submit():
        try:
            catalogue.change_department(department, actor(), names=presenters.department_names(form),
                                        active=form.active.data)
            flash(_("The department was saved."), "info")
            return redirect(url_for("staff.admin_departments"))
        except InputRefused as exc:
            db.session.rollback()
            _field_error(form, exc, "name_sv")
    return render_template("staff/admin_department.html", form=form, department=department,
                           problems=form_problems(form, None)), 400 if form.errors else 200


@bp.route("/admin/api-clients", methods=["GET", "POST"])
@require("admin")
def admin_api_clients():
    """Open311 clients: create a key (shown once) or revoke one."""
    form = forms.ApiClientForm()
    new_key = None
    if form.validate_on_submit():
        try:
            client, new_key = apikeys.create_key(form.name.data, actor())
            flash(_("The key for %(name)s was created. Copy it now: it is not shown again.", name=client.name), "info")
        except InputRefused as exc:
            form.name.errors.append(exc.message)
    return render_template("staff/admin_api_clients.html", form=form, new_key=new_key,
                           clients=presenters.api_clients(), revoke=forms.ModerateForm(formdata=None)), \
        400 if form.errors else 200


@bp.post("/admin/api-clients/<int:client_id>/revoke")
@require("admin")
def admin_api_client_revoke(client_id: int):
    client = db.session.get(ApiClient, client_id)
    if client is None:
        abort(404)
    form = forms.ModerateForm()
    if form.validate_on_submit():
        apikeys.revoke_key(client, actor())
        flash(_("The key for %(name)s was revoked.", name=client.name), "info")
    else:
        _refused(form)
    return redirect(url_for("staff.admin_api_clients"))
