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


def _csv_stream(header: list[str], rows) -> Response:
    import csv
    import io

    def generate():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        yield out.getvalue()
        for row in rows:
            out.seek(0)
            out.truncate()
            writer.writerow(row)
            yield out.getvalue()

    return generate()


@bp.get("/exports/cases.<any(csv, xlsx):fmt>")
@require("insights")
def cases(fmt: str):
    """One row per report with the time of each step, time to fix, work order and department."""
    _, selection = _selection_or_400()
    name = services.dated_name("trygghetskartan-arenden", fmt)
    rows = list(services.case_rows(selection))
    services.log_export("cases", fmt, selection, len(rows), actor())
    if fmt == "csv":
        return Response(_csv_stream(services.CASE_COLUMNS, rows), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}"})
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Ärenden")
    sheet.append(services.CASE_COLUMNS)
    for row in rows:
        sheet.append(row)
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")
    book.save(handle.name)
    return send_file(handle.name, as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/exports/contacts.csv")
@require("admin")
def contacts():
    """Reporter contacts: admins only, and every such export is in the audit log."""
    _, selection = _selection_or_400()
    rows = list(services.contact_rows(selection))
    services.log_export("contacts", "csv", selection, len(rows), actor())
    return Response(_csv_stream(["reference", "email", "name", "phone", "created"], rows), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={services.dated_name('kontakter', 'csv')}"})


@bp.get("/lighting")
@require("insights")
def lighting():
    """The basis for lighting work: dark places, existing lights (TS) and places without lighting (SB)."""
    form = _form()
    valid = form.validate()
    selection = selection_from(form) if valid else services.Selection()
    basis = services.lighting_basis(selection)
    query = request.query_string.decode()
    return render_template("insights/lighting.html", form=form, basis=basis,
                           geojson_url=url_for("insights.lighting_geojson") + (f"?{query}" if query else "")), \
        200 if valid else 400


@bp.get("/lighting.geojson")
@require("insights")
def lighting_geojson():
    _, selection = _selection_or_400()
    basis = services.lighting_basis(selection)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                 "properties": {"group": group, **{k: v for k, v in p.items() if k not in ("lon", "lat", "photos")},
                                "photos": [url_for("reports.photo", photo_id=i, size="display", _external=True)
                                           for i in p["photos"]]}}
                for group, key in (("existing_light", "existing"), ("no_lighting", "new")) for p in basis[key]]
    services.log_export("lighting", "geojson", selection, len(features), actor())
    return Response(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    mimetype="application/geo+json",
                    headers={"Content-Disposition": f"attachment; filename={services.dated_name('belysningsunderlag', 'geojson')}"})
