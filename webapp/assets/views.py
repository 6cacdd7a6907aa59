"""Staff pages of the inventory: one asset with the reports that name it."""
from __future__ import annotations

from flask import Blueprint, render_template

from webapp.assets import presenters, services
from webapp.assets.models import Asset
from webapp.auth.access import require
from webapp.extensions import db

bp = Blueprint("assets", __name__, url_prefix="/staff/assets")


@bp.record_once
def _register_report_check(state) -> None:
    # The report intake asks this hook whether a new report may name an asset (reports sit below assets).
    state.app.extensions["report_asset_check"] = services.asset_problem
    state.app.extensions["report_asset_link"] = services.link_report


@bp.app_template_global()
def asset_picker() -> dict:
    """What the report form's script needs to offer the assets near the pin: which kind each category may name
    (only kinds with an inventory) and where to ask."""
    return presenters.picker()


@bp.get("/<int:asset_id>")
@require("view_reports")
def show(asset_id: int):
    asset = db.get_or_404(Asset, asset_id)
    return render_template("assets/show.html", page=presenters.asset_page(asset))
