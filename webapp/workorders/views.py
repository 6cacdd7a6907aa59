"""Work orders for case officers, and the crew's task list on a phone."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from webapp import spreadsheets
from webapp.auth.access import actor, require
from webapp.bounded import query_numbers
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.formfields import empty_choice, form_problems
from webapp.media import photo_settings
from webapp.reports.labels import department_choices
from webapp.reports.models import Report
from webapp.responses import go_to
from webapp.timeutil import local_today
from webapp.workorders import forms, presenters, services
from webapp.workorders import status as wo_status
from webapp.workorders.models import WorkOrder

bp = Blueprint("workorders", __name__, url_prefix="/staff")



@bp.get("/workorders")
@require("workorders")
def index():
    status = request.args.get("status", "open")
    department = request.args.get("department") or None
    overdue = request.args.get("overdue") == "1"
    orders = services.list_orders(status=status if status != "all" else None, department=department,
                                  overdue_only=overdue)
    return render_template("workorders/index.html", rows=presenters.rows(orders), status=status,
                           department=department or "", overdue=overdue,
                           departments=[d.value for d in department_choices(retired=True)],
                           statuses=[("open", _("Open")), ("all", _("All"))] + [
                               (k, str(v)) for k, v in wo_status.STATUS_LABELS.items()])


@bp.route("/workorders/new", methods=["GET", "POST"])
@require("workorders")
def new():
    form = forms.NewWorkOrderForm()
    chosen = query_numbers(request.form, "reports") if request.method == "POST" else \
        query_numbers(request.args, "report")
    found = list(db.session.execute(select(Report).where(Report.id.in_(chosen))).scalars()) if chosen else []
    form.reports.choices = [SelectChoice(r.id, r.reference) for r in found]
    form.priority.choices = [SelectChoice(p.code, presenters.priority_label(p)) for p in services.priorities()]
    form.assignee.choices = [empty_choice(_("Anyone in the crew"))] + [
        SelectChoice(u.id, u.name) for u in services.crews()]
    if request.method == "GET":
        form.reports.data = [r.id for r in found]
        presenters.prefill(form, found)
    needs_confirm = None
    if form.validate_on_submit():
        try:
            order = services.create_work_order(form.reports.data, kind=form.kind.data, priority_code=form.priority.data, title=form.title.data,
                                               actor=actor(), instructions=form.instructions.data or "",
                                               assignee_id=form.assignee.data if isinstance(form.assignee.data, int) else None,
                                               confirm=form.confirm.data)
            flash(_("Work order %(number)s was created.", number=order.number), "info")
            return redirect(url_for("workorders.show", order_id=order.id))
        except services.NeedsConfirmation as exc:
            needs_confirm = exc.message
        except services.WorkOrderError as exc:
            getattr(form, exc.field, form.title).errors.append(exc.message)
    status_code = 400 if request.method == "POST" else 200
    return render_template("workorders/new.html", form=form, reports=presenters.linked(found),
                           needs_confirm=needs_confirm, kind_warning=presenters.kind_warning(form.kind.data, found),
                           kind_fits=presenters.kind_fits(found)), status_code


@bp.get("/workorders/<int:order_id>")
@require("workorders")
def show(order_id: int):
    order = db.get_or_404(WorkOrder, order_id)
    form = forms.WorkOrderStatusForm(formdata=None, data={"version": str(order.version)}).for_status(order.status)
    return render_template("workorders/show.html", order=presenters.detail(order), form=form)


@bp.post("/workorders/<int:order_id>/status")
@require("workorders")
def status(order_id: int):
    order = db.get_or_404(WorkOrder, order_id)
    form = forms.WorkOrderStatusForm().for_status(order.status)
    if form.validate_on_submit():
        try:
            services.change_status(order, form.status.data, actor(), expected_version=forms.expected_version(form),
                                   note=form.note.data or "", reason=form.reason.data or "")
            flash(_("The status was changed."), "info")
        except services.WorkOrderError as exc:
            flash(str(exc.message), "error")
        return redirect(url_for("workorders.show", order_id=order.id))
    # Refused (nothing chosen, an ending step not confirmed): the same page with the choice kept and the reason
    # at the field, where the officer confirms or corrects it.
    return render_template("workorders/show.html", order=presenters.detail(order), form=form), 400


# The crew's task list

TASK_ORDERS = ("due", "distance")


def _task_view() -> tuple[str, float | None, float | None]:
    """The order the crew member chose and where they were, kept in their session: coming back to the list
    after a job keeps "nearest first"."""
    order_by = request.args.get("order")
    if order_by in TASK_ORDERS:
        session["task_order"] = order_by
    lat = request.args.get("lat", type=float)
    lon = request.args.get("lon", type=float)
    if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
        session["task_position"] = [lat, lon]
    order_by = session.get("task_order", "due")
    lat, lon = session.get("task_position") or (None, None)
    return (order_by if order_by in TASK_ORDERS else "due"), lat, lon


@bp.get("/tasks")
@require("tasks")
def tasks():
    order_by, lat, lon = _task_view()
    orders = services.tasks_for(current_user, order_by=order_by, lat=lat, lon=lon)
    return render_template("workorders/tasks.html", tasks=presenters.tasks(orders, lat, lon), order_by=order_by,
                           today=presenters.today_label())


@bp.get("/tasks/print")
@require("tasks")
def tasks_print():
    orders = services.tasks_for(current_user)
    return render_template("workorders/tasks_print.html", tasks=presenters.tasks(orders, None, None),
                           today=presenters.today_label(), who=current_user.name)


@bp.get("/tasks.csv")
@require("tasks")
def tasks_csv():
    headers, rows = presenters.csv_rows(services.tasks_for(current_user))
    excel = request.args.get("excel") == "1"  # "CSV för Excel" (webapp/spreadsheets.py)
    name = spreadsheets.csv_name(f"uppdrag-{local_today().isoformat()}.csv", excel)
    return Response(spreadsheets.csv_text(headers, rows, excel=excel), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/tasks/<int:order_id>")
@require("tasks")
def task(order_id: int):
    order = db.get_or_404(WorkOrder, order_id)
    presenters.check_task_access(order, current_user)
    return _task_page(order)


@bp.post("/tasks/<int:order_id>/start")
@require("tasks")
def start(order_id: int):
    order = db.get_or_404(WorkOrder, order_id)
    presenters.check_task_access(order, current_user)
    form = forms.StartForm()
    if form.validate_on_submit():
        try:
            services.start(order, actor(), expected_version=forms.expected_version(form))
            flash(_("Marked as started."), "info")
            return go_to(url_for("workorders.task", order_id=order.id))
        except services.WorkOrderError as exc:
            flash(str(exc.message), "error")
    else:
        flash(_("The form was changed on the way. Reload the page and try again."), "error")
    return _task_page(order), 409


def _task_page(order: WorkOrder, complete_form=None) -> str:
    version = {"version": str(order.version)}
    return render_template("workorders/task.html", task=presenters.detail(order),
                           start=forms.StartForm(formdata=None, data=version),
                           complete=complete_form or forms.CompleteForm(formdata=None, data=version),
                           problems=form_problems(complete_form) if complete_form else [])


@bp.post("/tasks/<int:order_id>/complete")
@require("tasks")
def complete(order_id: int):
    order = db.get_or_404(WorkOrder, order_id)
    presenters.check_task_access(order, current_user)
    form = forms.CompleteForm()
    if form.validate_on_submit():
        settings = photo_settings()
        upload = request.files.get("photo")
        data = upload.stream.read(settings.max_bytes + 1) if upload and upload.filename else None
        try:
            services.complete(order, actor=actor(), note=form.note.data, photo=data, settings=settings,
                              expected_version=forms.expected_version(form),
                              idempotency_key=form.idempotency_key.data or None)
            # Only those who left an address (and follow their report) get a mail: the words say no more.
            flash(_("Done! The reports are marked as fixed, and reporters who left an e-mail address are told."),
                  "info")
            return go_to(url_for("workorders.tasks"))
        except InputRefused as exc:  # includes a refused photo from the pipeline
            target = "photo" if exc.field in ("photo", "photos") else "note"
            getattr(form, target).errors.append(exc.message)
    return _task_page(order, form), 400
