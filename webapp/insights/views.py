"""The planner's heat map and the exports of the same selection (downloads are logged)."""
from __future__ import annotations

import json
import tempfile

from flask import Blueprint, Response, abort, jsonify, render_template, request, send_file, stream_with_context, url_for
from wtforms.fields.choices import SelectChoice

from webapp.auth.access import actor, require
from webapp.campaigns.services import all_campaigns
from webapp.insights import services
from webapp.insights.forms import SelectionForm
from webapp.reports.presenters import category_name
from webapp.reports.services import ReportError, active_categories
from webapp.staff.presenters import district_choices

bp = Blueprint("insights", __name__, url_prefix="/staff")
FORMATS = {("points", "csv"), ("points", "geojson"), ("points", "xlsx"), ("cells", "geojson"), ("heatmap", "png")}


def _form() -> SelectionForm:
    form = SelectionForm(request.args)
    form.categories.choices = [SelectChoice(c.key, category_name(c)) for c in active_categories()]
    form.district.choices = [SelectChoice(None, "—")] + district_choices()
    form.campaign.choices = [SelectChoice(None, "—")] + [SelectChoice(c.id, c.name) for c in all_campaigns()]
    return form


def selection_from(form: SelectionForm) -> services.Selection:
    return services.Selection(
        kinds=form.kinds.data or [], categories=form.categories.data or [], times_of_day=form.times_of_day.data or [],
        date_from=form.date_from.data, date_to=form.date_to.data,
        district=form.district.data if isinstance(form.district.data, int) else None,
        campaign=form.campaign.data if isinstance(form.campaign.data, int) else None).check()


def _selection_or_400():
    form = _form()
    if not form.validate():
        abort(400)
    try:
        return form, selection_from(form)
    except ReportError:
        abort(400)


@bp.get("/heatmap")
@require("insights")
def heatmap():
    form = _form()
    valid = form.validate()
    query = request.query_string.decode()
    exports = [{"label": label, "url": url_for("insights.export", kind=kind, fmt=fmt) + (f"?{query}" if query else "")}
               for kind, fmt, label in [("points", "geojson", "GeoJSON (punkter)"), ("cells", "geojson", "GeoJSON (rutor)"),
                                        ("points", "csv", "CSV"), ("points", "xlsx", "XLSX"), ("heatmap", "png", "PNG")]]
    return render_template("insights/heatmap.html", form=form, exports=exports,
                           cells_url=url_for("insights.cells") + (f"?{query}" if query else ""),
                           log=services.export_log(10)), 200 if valid else 400


@bp.get("/heatmap/cells.json")
@require("insights")
def cells():
    form, selection = _selection_or_400()
    try:
        result = services.grid(selection, form.cell.data or 100)
    except ReportError as exc:
        return jsonify({"error": str(exc.message)}), 400
    return jsonify(services.grid_geojson(result))


@bp.get("/exports/<kind>.<fmt>")
@require("insights")
def export(kind: str, fmt: str):
    if (kind, fmt) not in FORMATS:
        abort(404)
    form, selection = _selection_or_400()
    name = services.dated_name(f"trygghetskartan-{kind}", fmt)
    headers = {"Content-Disposition": f"attachment; filename={name}"}
    who = actor()
    if kind == "cells":
        result = services.grid(selection, form.cell.data or 100)
        services.log_export(kind, fmt, selection, len(result.cells), who)
        return Response(json.dumps(services.grid_geojson(result)), mimetype="application/geo+json",
                        headers=headers)
    if kind == "heatmap":
        result = services.grid(selection, form.cell.data or 100)
        services.log_export(kind, fmt, selection, len(result.cells), who)
        return Response(services.heat_png(result, "Trygghetskartan – värmekarta"), mimetype="image/png",
                        headers=headers)
    if fmt == "xlsx":
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx")
        rows = services.points_xlsx(selection, handle.name)
        services.log_export(kind, fmt, selection, rows, who)
        return send_file(handle.name, as_attachment=True, download_name=name,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    services.log_export(kind, fmt, selection, 0, who)  # streamed: the count is not known before it ends
    body = services.points_csv(selection) if fmt == "csv" else services.points_geojson(selection)
    mimetype = "text/csv" if fmt == "csv" else "application/geo+json"
    return Response(stream_with_context(body), mimetype=mimetype, headers=headers)
