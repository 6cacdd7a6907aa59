"""The police's hot-spot page, the patrol sheet and the cells for their GIS. Read-only."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from webapp.auth.access import require
from webapp.errors import InputRefused
from webapp.formfields import empty_choice
from webapp.hotspots import presenters, services
from webapp.hotspots.forms import HotspotForm, PatrolForm
from webapp.reports.catalogue import all_categories
from webapp.reports.labels import district_choices
from webapp.reports.presenters import category_name
from webapp.timeutil import local_today

bp = Blueprint("hotspots", __name__, url_prefix="/staff/hotspots")


def _form() -> HotspotForm:
    form = HotspotForm(request.args)
    form.district.choices = [empty_choice("—")] + district_choices()
    keys = set(services.safety_category_keys())
    form.category.choices = [SelectChoice("", "—")] + [SelectChoice(c.key, category_name(c))
                                                       for c in all_categories() if c.key in keys]
    return form


def _query(form, **fixed) -> services.HotspotQuery:
    """The query the form asks for (the last eight weeks unless a period is given); InputRefused when its
    fields, each valid, say nothing together."""
    chosen = {"time_of_day": form.time_of_day.data or None,
              "district": form.district.data if isinstance(form.district.data, int) else None, **fixed}
    query = services.default_query(local_today(), **chosen)
    if form.date_from.data or form.date_to.data:
        end = form.date_to.data or local_today()
        start = form.date_from.data or end - (query.date_to - query.date_from)
        query = services.HotspotQuery(date_from=start, date_to=end, **chosen)
    return query.check()


def _valid_query(form, **fixed):
    """The query, or the default with the form's error shown and a 400."""
    valid = form.validate()
    try:
        return (_query(form, **fixed) if valid else services.default_query(local_today())), valid
    except InputRefused as exc:
        field = getattr(form, exc.field, form.date_to)
        field.errors = [*field.errors, str(exc.message)]
        return services.default_query(local_today()), False


@bp.get("/")
@require("hotspots")
def index():
    form = _form()
    query, valid = _valid_query(form, category=form.category.data or None)
    page = presenters.hotspot_page(services.hotspots(query))
    args = request.query_string.decode()
    return render_template("hotspots/index.html", form=form, page=page,
                           patrol_url=url_for("hotspots.patrol", time_of_day=query.time_of_day or "evening",
                                              district=query.district or None),
                           csv_url=url_for("hotspots.cells_csv") + (f"?{args}" if args else ""),
                           geojson_url=url_for("hotspots.cells_geojson") + (f"?{args}" if args else "")), \
        200 if valid else 400


@bp.get("/patrol")
@require("hotspots")
def patrol():
    form = PatrolForm(request.args)
    form.district.choices = [empty_choice("—")] + district_choices()
    if not form.time_of_day.data:
        form.time_of_day.data = "evening"
    query, valid = _valid_query(form)
    result = services.hotspots(query)
    services.with_public_texts(result.places, query)
    return render_template("hotspots/patrol.html", form=form,
                           sheet=presenters.patrol_sheet(result, local_today())), 200 if valid else 400


def _export_query() -> services.HotspotQuery:
    form = _form()
    if not form.validate():
        abort(400)
    try:
        return _query(form)
    except InputRefused:
        abort(400)


def _attachment(name: str) -> dict:
    return {"Content-Disposition": f"attachment; filename={local_today().isoformat()}_{name}"}


@bp.get("/cells.csv")
@require("hotspots")
def cells_csv():
    """The cells for the police's GIS, under the disclosure threshold (services.export_cells)."""
    return Response(presenters.cells_csv(_export_query()), mimetype="text/csv",
                    headers=_attachment("trygghetskartan-hotspots.csv"))


@bp.get("/cells.geojson")
@require("hotspots")
def cells_geojson():
    return Response(json.dumps(services.cells_geojson(_export_query()), ensure_ascii=False),
                    mimetype="application/geo+json", headers=_attachment("trygghetskartan-hotspots.geojson"))
