"""The planner's heat map and the exports of the same selection (downloads are logged)."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from webapp import disclosure, spreadsheets
from webapp.auth.access import actor, require
from webapp.campaigns import dialogue, dialogue_presenters
from webapp.campaigns.services import AGE_GROUPS, GENDERS, all_campaigns
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.formfields import empty_choice
from webapp.insights import charts, presenters, services
from webapp.insights import indicators as ind
from webapp.insights.forms import SelectionForm, SurveyForm
from webapp.insights.presenters import dashboard_page, dashboard_workbook
from webapp.jobs import services as jobs
from webapp.municipality import current_municipality
from webapp.reports.catalogue import all_categories
from webapp.reports.labels import district_choices
from webapp.reports.presenters import category_name
from webapp.timeutil import local_today, parse_day

bp = Blueprint("insights", __name__, url_prefix="/staff")
SPLIT_ARGS = ("gender", "age_group")


def takes_split(view):
    """Marks a view that reads the selection's gender and age through services.Selection, where the disclosure
    rule is kept (webapp/disclosure.py: single reports refused, small selections not split, small figures and
    those that would give them away left out)."""
    view.takes_split = True
    return view


@bp.before_app_request
def refuse_ignored_split():
    """A staff page or download that cannot split by gender or age refuses such a request instead of quietly
    giving everyone's data, which a planner would take for the split."""
    if request.path.startswith("/staff/") and any(request.args.get(a) for a in SPLIT_ARGS):
        view = current_app.view_functions.get(request.endpoint)
        if view is not None and not getattr(view, "takes_split", False):
            return Response(_("This page cannot be split by gender or age."), status=400, mimetype="text/plain")
    return None


@bp.errorhandler(services.SplitRefused)
@bp.errorhandler(disclosure.TooSmallToSplit)
def split_refused(exc: services.SplitRefused | disclosure.TooSmallToSplit):
    """One answer whatever the split value asked for: the refusal's message, nothing else."""
    return Response(str(exc.message), status=400, mimetype="text/plain")


def _form() -> SelectionForm:
    form = SelectionForm(request.args)
    # Staff filters offer retired categories too: their reports still count.
    form.categories.choices = [SelectChoice(c.key, category_name(c)) for c in all_categories()]
    form.district.choices = [empty_choice("—")] + district_choices()
    form.campaign.choices = [empty_choice("—")] + [SelectChoice(c.id, c.name) for c in all_campaigns()]
    form.gender.choices = [SelectChoice("", "—")] + [SelectChoice(k, v) for k, v in GENDERS.items()]
    form.age_group.choices = [SelectChoice("", "—")] + [SelectChoice(k, v) for k, v in AGE_GROUPS.items()]
    return form


def selection_from(form: SelectionForm) -> services.Selection:
    return services.Selection(
        kinds=form.kinds.data or [], categories=form.categories.data or [], times_of_day=form.times_of_day.data or [],
        date_from=form.date_from.data, date_to=form.date_to.data,
        district=form.district.data if isinstance(form.district.data, int) else None,
        campaign=form.campaign.data if isinstance(form.campaign.data, int) else None,
        gender=form.gender.data or None, age_group=form.age_group.data or None).check()


def _selection_or_400():
    form = _form()
    if not form.validate():
        abort(400)
    try:
        return form, selection_from(form)
    except InputRefused:
        abort(400)


def _with_query(url: str, query: str, excel: bool = False) -> str:
    """A download's address with the page's selection, and excel=1 for "CSV för Excel" (spreadsheets.csv_lines)."""
    query = "&".join(part for part in (query, "excel=1" if excel else "") if part)
    return url + (f"?{query}" if query else "")


def _excel() -> bool:
    return request.args.get("excel") == "1"


@bp.get("/heatmap")
@takes_split
@require("insights")
def heatmap():
    form = _form()
    valid = form.validate()
    query = request.query_string.decode()
    split = bool(form.gender.data or form.age_group.data)
    exports = [{"label": label, "url": _with_query(url_for("insights.export", kind=kind, fmt=fmt), query, excel)}
               for kind, fmt, label, excel in [
                   ("points", "geojson", "GeoJSON (punkter)", False), ("cells", "geojson", "GeoJSON (rutor)", False),
                   ("points", "csv", "CSV", False), ("points", "csv", _("CSV for Excel"), True),
                   ("points", "xlsx", "XLSX", False), ("heatmap", "png", "PNG", False)]
               if not (split and kind == "points")]
    # The case export is of the same selection as the map (issue 24.14: it used to export every report).
    cases = [{"label": label, "url": _with_query(url_for("insights.cases", fmt=fmt), query, excel)}
             for fmt, label, excel in [("csv", _("Case export (CSV)"), False),
                                       ("csv", _("Case export (CSV for Excel)"), True),
                                       ("xlsx", _("Case export (XLSX)"), False)]]
    return render_template("insights/heatmap.html", form=form, exports=exports, cases=cases,
                           cells_url=url_for("insights.cells") + (f"?{query}" if query else ""),
                           log=services.export_log(10), filtered=bool(query), split=split), 200 if valid else 400


@bp.get("/heatmap/cells.json")
@takes_split
@require("insights")
def cells():
    form, selection = _selection_or_400()
    try:
        result = services.grid(selection, form.cell.data or 100)
    except InputRefused as exc:
        return jsonify({"error": str(exc.message)}), 400
    return _compact_json(services.grid_compact(result))


def _compact_json(data: dict) -> Response:
    """The map's cells as orjson writes them, gzip-compressed for a browser that accepts it (all do): thousands
    of cells are a few hundred kilobytes of digits, a tenth of that compressed."""
    import gzip

    import orjson

    body = orjson.dumps(data)
    response = Response(body, mimetype="application/json")
    response.vary.add("Accept-Encoding")
    if request.accept_encodings["gzip"]:
        # Level 1: a third of the time of level 5 for a fifth more bytes (still under a third of the JSON).
        response.set_data(gzip.compress(body, compresslevel=1, mtime=0))
        response.content_encoding = "gzip"
    return response


@bp.get("/exports/<kind>.<fmt>")
@takes_split
@require("insights")
def export(kind: str, fmt: str):
    if fmt not in services.EXPORT_FORMATS.get(kind, ()):
        abort(404)
    form, selection = _selection_or_400()
    name = services.dated_name(f"trygghetskartan-{kind}", fmt)
    headers = {"Content-Disposition": f"attachment; filename={name}"}
    who = actor()
    if kind == "cells":
        result = services.grid(selection, form.cell.data or 100)
        services.log_export(kind, fmt, selection, rows=len(result.cells), actor=who)
        return Response(json.dumps(services.grid_geojson(result)), mimetype="application/geo+json",
                        headers=headers)
    if kind == "heatmap":
        result = services.grid(selection, form.cell.data or 100)
        services.log_export(kind, fmt, selection, rows=len(result.cells), actor=who)
        return Response(services.heat_png(result, _("Trygghetskartan – heat map"), selection=selection), mimetype="image/png",
                        headers=headers)
    if fmt in ("xlsx", "geojson") and services.count(selection) > current_app.config["XLSX_WEB_LIMIT"]:
        # A workbook cannot be streamed, and a full GeoJSON file takes minutes to stream (149 s at a million
        # reports): rather than hold the request that long, a worker writes the file and its page links to it.

        job = services.start_export(selection, fmt, who, str(Path(current_app.instance_path) / "exports"))
        jobs.work_in_background(current_app._get_current_object())
        return redirect(url_for("insights.export_job", job_id=job.id))
    if fmt == "xlsx":
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx")
        rows = services.points_xlsx(selection, handle.name)
        services.log_export(kind, fmt, selection, rows=rows, actor=who)
        return send_file(handle.name, as_attachment=True, download_name=name,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    body = services.points_csv(selection, excel=_excel()) if fmt == "csv" else services.points_geojson(selection)
    services.log_export(kind, fmt, selection, rows=0, actor=who)  # streamed: the count is not known before it ends
    mimetype = "text/csv" if fmt == "csv" else "application/geo+json"
    if fmt == "csv":
        headers = {"Content-Disposition": f"attachment; filename={spreadsheets.csv_name(name, _excel())}"}
    return Response(stream_with_context(body), mimetype=mimetype, headers=headers)


def _own_export_job(job):
    """An export job is its maker's (and the administrators'): another user's job number finds nothing."""
    if job is None or job.kind != "points_export" or not (job.created_by == actor() or current_user.can("admin")):
        abort(404)
    return job


@bp.get("/exports/jobs/<int:job_id>")
@require("insights")
def export_job(job_id: int):
    """A large export being written by a worker: its progress, then the link to the file."""
    db.session.expire_all()
    job = _own_export_job(jobs.get(job_id))
    return render_template("insights/export_job.html", job=job, fmt=job.params["fmt"],
                           busy=job.status in ("queued", "running"),
                           ready=services.export_file(job) is not None)


@bp.get("/exports/jobs/<int:job_id>/file")
@require("insights")
def export_job_file(job_id: int):
    job = _own_export_job(jobs.get(job_id))
    path = services.export_file(job)
    if path is None:
        abort(404)
    fmt = job.params["fmt"]
    return send_file(path, as_attachment=True, download_name=services.dated_name("trygghetskartan-points", fmt),
                     mimetype="application/geo+json" if fmt == "geojson" else
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/exports/cases.<any(csv, xlsx):fmt>")
@takes_split
@require("insights")
def cases(fmt: str):
    """One row per report with the time of each step, time to fix, work order and department."""
    _form, selection = _selection_or_400()
    name = services.dated_name("trygghetskartan-arenden", fmt)
    rows = list(services.case_rows(selection))
    services.log_export("cases", fmt, selection, rows=len(rows), actor=actor())
    if fmt == "csv":
        return Response(spreadsheets.csv_lines(services.CASE_COLUMNS, rows, excel=_excel()), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={spreadsheets.csv_name(name, _excel())}"})
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")
    spreadsheets.write_xlsx(handle.name, [(_("Cases"), [spreadsheets.heading(services.CASE_COLUMNS), *rows])])
    return send_file(handle.name, as_attachment=True, download_name=name, mimetype=spreadsheets.XLSX_MIMETYPE)


@bp.get("/exports/contacts.csv")
@takes_split
@require("admin")
def contacts():
    """Reporter contacts: admins only, and every such export is in the audit log."""
    _form, selection = _selection_or_400()
    rows = list(services.contact_rows(selection))
    services.log_export("contacts", "csv", selection, rows=len(rows), actor=actor())
    return Response(spreadsheets.csv_lines(["reference", "email", "name", "phone", "created"], rows),
                    mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={services.dated_name('kontakter', 'csv')}"})


@bp.get("/lighting")
@takes_split
@require("insights")
def lighting():
    """The basis for lighting work: dark places, existing lights (TS) and places without lighting (SB)."""
    form = _form()
    valid = form.validate()
    try:
        selection = selection_from(form) if valid else services.Selection()
    except InputRefused as exc:  # fields that each pass but say nothing together: the form shows why
        form.date_to.errors = [*form.date_to.errors, str(exc.message)] if exc.field == "date_to" else form.date_to.errors
        valid, selection = False, services.Selection()
    too_small = None
    try:
        basis = services.lighting_basis(selection)
    except disclosure.TooSmallToSplit as exc:
        basis, too_small = {"existing": [], "new": [], "split": True}, exc.message
    # Only new lighting (SB) or only repairs (TS): the same basis, one of its two lists.
    need = request.args.get("need") or ""
    if need not in ("", "new", "repair"):
        valid, need = False, ""
    groups, map_places = presenters.lighting_groups(basis, need)
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "need"}
    need_links = [(label, url_for("insights.lighting", **args, **({"need": key} if key else {})), key == need)
                  for key, label in (("", _("Both")), ("repair", _("Only repairs (TS)")),
                                     ("new", _("Only new lighting (SB)")))]
    query = request.query_string.decode()
    return render_template("insights/lighting.html", form=form, basis=basis, split=selection.demographic,
                           too_small=too_small, groups=groups, need_links=need_links, need=need,
                           map_places=map_places, period_words=presenters.period_words(selection),
                           filtered=bool(set(request.args) - {"need"}),
                           geojson_url=url_for("insights.lighting_geojson") + (f"?{query}" if query else ""),
                           csv_url=_with_query(url_for("insights.lighting_csv"), query),
                           excel_url=_with_query(url_for("insights.lighting_csv"), query, excel=True)), \
        200 if valid else 400


@bp.get("/lighting.csv")
@takes_split
@require("insights")
def lighting_csv():
    _form, selection = _selection_or_400()
    basis = services.lighting_basis(selection)
    header = ["group", "reports", "day", "evening", "night", "area", "address", "lon", "lat", "sweref99tm_e",
              "sweref99tm_n", "light_repairs", "light_repairs_done", "new_lighting_orders", "nearest_light",
              "references"]
    # Plain CSV names its groups by code (for programs), "CSV för Excel" in words, as its header.
    words = {"existing_light": _("Existing light broken or weak (TS)"), "no_lighting": _("No lighting here (SB)")}
    rows = []
    for group, key in (("existing_light", "existing"), ("no_lighting", "new")):
        for p in basis[key]:
            rows.append([words[group] if _excel() else group, p["count"], p["times"]["day"], p["times"]["evening"],
                         p["times"]["night"], p["area"], p["address"], p["lon"], p["lat"], p["sweref99tm_e"],
                         p["sweref99tm_n"], p["repairs"], p["repairs_done"], p["new_lighting_orders"],
                         p["light"] or "", " ".join(p["references"])])
    services.log_export("lighting", "csv", selection, rows=len(rows), actor=actor())
    name = spreadsheets.csv_name(services.dated_name("belysningsunderlag", "csv"), _excel())
    return Response(spreadsheets.csv_lines(header, rows, excel=_excel()), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/lighting.geojson")
@takes_split
@require("insights")
def lighting_geojson():
    _form, selection = _selection_or_400()
    basis = services.lighting_basis(selection)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                 "properties": {"group": group, **{k: v for k, v in p.items() if k not in ("lon", "lat", "photos", "report_ids")},
                                "photos": [url_for("reports.photo", stem=stem, size="display", _external=True)
                                           for stem in p["photos"]]}}
                for group, key in (("existing_light", "existing"), ("no_lighting", "new")) for p in basis[key]]
    services.log_export("lighting", "geojson", selection, rows=len(features), actor=actor())
    return Response(json.dumps({"type": "FeatureCollection", "features": features,
                                "split": basis["split"]}, ensure_ascii=False),
                    mimetype="application/geo+json",
                    headers={"Content-Disposition": f"attachment; filename={services.dated_name('belysningsunderlag', 'geojson')}"})


# The follow-up dashboard (Uppföljning)

def _default_period() -> str:
    return str(local_today().year - 1)  # the last full year (Stockholm's calendar)


def _period():
    def day(name):
        return parse_day(request.args.get(name), name)

    return ind.parse_period(request.args.get("period") or _default_period(), day("from"), day("to"))


def _survey_form():
    form = SurveyForm()
    form.indicator.choices = [SelectChoice(f"{s}:{i}", label) for (s, i), label in ind.SURVEY.items()]
    form.area.choices = [SelectChoice(a, a) for a in current_municipality().survey_areas]
    return form


@bp.get("/indicators")
@require("indicators")
def indicators():
    """The dashboard for a period. A period that cannot be read is said at its field, with what was typed kept,
    and the page says which period it shows instead (400), rather than showing another year silently."""
    refusal = None
    try:
        period = _period()
    except InputRefused as exc:
        period = ind.parse_period(_default_period())
        field = {"date_from": "from", "date_to": "to"}.get(exc.field, exc.field)
        refusal = {"field": field if field in ("period", "from", "to") else "period", "message": str(exc.message),
                   "typed": {name: (request.args.get(name) or "")[:40] for name in ("period", "from", "to")},
                   "instead": _("The page shows %(period)s instead.", period=period.label)}
    page = dashboard_page(ind.dashboard(period), ind.report_counts_by_year(), charts)
    annex3 = dialogue_presenters.follow_up_page(dialogue.follow_up(period.start.year))
    return render_template("insights/indicators.html", page=page, survey_form=_survey_form(), annex3=annex3,
                           can_enter=current_user.can("survey_data"), can_see_hotspots=current_user.can("hotspots"),
                           refusal=refusal,
                           xlsx_url=url_for("insights.indicators_xlsx", period=period.label) if refusal
                           else url_for("insights.indicators_xlsx", **request.args)), 400 if refusal else 200


@bp.get("/indicators.xlsx")
@require("indicators")
def indicators_xlsx():
    try:
        period = _period()
    except InputRefused:
        return redirect(url_for("insights.indicators", **request.args))  # the page says what is wrong
    data = ind.dashboard(period)
    services.log_export("indicators", "xlsx", services.Selection(date_from=period.start, date_to=period.end), rows=0,
                        actor=actor())
    return Response(dashboard_workbook(data), headers={"Content-Disposition": "attachment; filename="
                                                       + services.dated_name(f"uppfoljning-{period.label}", "xlsx")},
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.post("/indicators/survey")
@require("survey_data")
def survey_save():
    from flask import flash


    form = _survey_form()
    if form.validate_on_submit():
        source, indicator = form.indicator.data.split(":", 1)
        try:
            ind.save_survey_value(source=source, indicator=indicator, area=form.area.data, year=form.year.data, value=float(form.value.data), actor=actor())
            flash(_("The value was saved."), "info")
        except InputRefused as exc:
            flash(str(exc.message), "error")
    else:
        flash("; ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("insights.indicators") + "#survey")


@bp.post("/indicators/survey/import")
@require("survey_data")
def survey_import():
    from flask import flash
    from flask_wtf import FlaskForm


    if not FlaskForm().validate_on_submit():
        abort(400)
    upload = request.files.get("csv_file")
    if not upload or not upload.filename:
        flash(_("Choose the CSV file."), "error")
        return redirect(url_for("insights.indicators") + "#survey")
    try:
        saved, errors = ind.import_survey_csv(upload.read(1024 * 1024), actor())
        flash(_("%(n)d values were saved.", n=saved), "info")
        for line, message in errors[:20]:
            flash(_("Line %(line)d: %(message)s", line=line, message=message), "error")
    except InputRefused as exc:
        flash(str(exc.message), "error")
    return redirect(url_for("insights.indicators") + "#survey")
