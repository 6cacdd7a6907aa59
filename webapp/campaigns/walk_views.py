"""Groups, walks and their protocol, and the audit scores: staff pages and the public protocol page."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from webapp.auth.access import actor, require
from webapp.campaigns import forms, presenters, services, walks
from webapp.campaigns.models import Campaign, Walk
from webapp.campaigns.views import _campaign_page, bp, stored_campaign_form
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.formfields import field_named, form_problems
from webapp.reports import presenters as report_presenters


@bp.post("/staff/campaigns/<int:campaign_id>/groups")
@require("campaigns")
def add_group(campaign_id: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    form = forms.GroupForm()
    if form.validate_on_submit():
        try:
            group = walks.add_group(campaign, form.name.data, kind=form.kind.data, size=form.size.data, actor=actor())
        except InputRefused as exc:
            getattr(form, exc.field, form.name).errors.append(exc.message)
        else:
            flash(_("The group %(name)s has its own link and QR code.", name=group.name), "info")
            return redirect(url_for("campaigns.edit", campaign_id=campaign.id, _anchor="groups"))
    # Show the campaign page again, with the group form's messages.
    return _campaign_page(campaign, stored_campaign_form(campaign), 400, group_form=form)


def _plan_form(campaign: Campaign, walk: Walk | None = None, formdata=True) -> forms.WalkPlanForm:
    kwargs = {} if formdata else {"formdata": None}
    if walk is not None and not formdata:
        kwargs["data"] = {"title": walk.title, "planned_on": walk.planned_on,
                          "points": [p.report_id for p in walk.points],
                          "route": walk.route if walk.route_drawn else ""}
    form = forms.WalkPlanForm(**kwargs)
    form.points.choices = [SelectChoice(r["id"], r["label"]) for r in presenters.stop_choices(campaign)]
    return form


def _plan_input(form: forms.WalkPlanForm) -> dict:
    return {"title": form.title.data or "", "planned_on": form.planned_on.data,
            "report_ids": form.points.data or [], "drawn_route": form.route.data or ""}


@bp.route("/staff/campaigns/<int:campaign_id>/walks/new", methods=["GET", "POST"])
@require("campaigns")
def new_walk(campaign_id: int):
    """Plan the walk after a campaign: stops chosen among its reports, the most reported places first."""
    campaign = db.get_or_404(Campaign, campaign_id)
    form = _plan_form(campaign, formdata=request.method == "POST")
    if request.method == "GET":
        form.title.data = _("Safety walk: %(name)s", name=campaign.name)
    if form.validate_on_submit():
        try:
            walk = walks.plan_walk(campaign, actor=actor(), **_plan_input(form))
        except InputRefused as exc:
            getattr(form, exc.field, form.points).errors.append(exc.message)
        else:
            flash(_("The walk is planned. Record it after walking it, then publish its protocol."), "info")
            return redirect(url_for("campaigns.walk", walk_id=walk.id))
    return render_template("campaigns/walk_plan.html", form=form, campaign=presenters.campaign_row(campaign),
                           walk=None, map=presenters.walk_map(campaign, None),
                           action=url_for("campaigns.new_walk", campaign_id=campaign.id)), \
        400 if form.errors else 200


def _record_form(walk: Walk, formdata=True) -> forms.WalkRecordForm:
    if formdata:
        form = forms.WalkRecordForm()
    else:
        form = forms.WalkRecordForm(formdata=None, data={
            "walked_on": walk.walked_on, "participants": walk.participants, "participant_note": walk.participant_note,
            "summary": walk.summary,
            "points": [{"report_id": p.report_id, "notes": p.notes, "decision": p.decision or "",
                        "decision_note": p.decision_note} for p in walk.points]})
    return form


def _walk_page(walk: Walk, plan_form=None, record_form=None, status: int = 200):
    campaign = walk.campaign
    return render_template("campaigns/walk.html", walk=presenters.walk_page(walk),
                           campaign=presenters.campaign_row(campaign), can_manage=current_user.can("campaigns"),
                           plan_form=plan_form or _plan_form(campaign, walk, formdata=False),
                           record_form=record_form or _record_form(walk, formdata=False),
                           publish_form=FlaskForm(formdata=None), map=presenters.walk_map(campaign, walk),
                           problems=form_problems(record_form or plan_form) if (record_form or plan_form) else []), status


@bp.get("/staff/walks/<int:walk_id>")
@require("campaign_results")
def walk(walk_id: int):
    return _walk_page(db.get_or_404(Walk, walk_id))


@bp.post("/staff/walks/<int:walk_id>/plan")
@require("campaigns")
def replan_walk(walk_id: int):
    walk_ = db.get_or_404(Walk, walk_id)
    form = _plan_form(walk_.campaign, walk_)
    if form.validate_on_submit():
        try:
            walks.plan_walk(walk_.campaign, actor=actor(), walk=walk_, **_plan_input(form))
        except InputRefused as exc:
            db.session.rollback()
            getattr(form, exc.field, form.points).errors.append(exc.message)
        else:
            flash(_("The route was saved."), "info")
            return redirect(url_for("campaigns.walk", walk_id=walk_.id))
    return _walk_page(walk_, plan_form=form, status=400)


@bp.post("/staff/walks/<int:walk_id>/record")
@require("campaigns")
def record_walk(walk_id: int):
    walk_ = db.get_or_404(Walk, walk_id)
    form = _record_form(walk_)
    if form.validate_on_submit():
        try:
            points = []
            for entry in form.points.entries:
                try:
                    report_id = int(entry.form.report_id.data)
                except (TypeError, ValueError):
                    raise InputRefused("points", _("A stop does not belong to this walk. Reload the page.")) from None
                points.append(walks.PointRecord(report_id, entry.form.notes.data or "", entry.form.decision.data or None,
                                                entry.form.decision_note.data or ""))
            walks.record_walk(walk_, walked_on=form.walked_on.data, participants=form.participants.data, participant_note=form.participant_note.data,
                              summary=form.summary.data, points=points, actor=actor())
        except InputRefused as exc:
            db.session.rollback()
            field = field_named(form, exc.field, form.summary)
            field.errors = [*field.errors, exc.message]
        else:
            flash(_("The walk was recorded."), "info")
            return redirect(url_for("campaigns.walk", walk_id=walk_.id))
    return _walk_page(walk_, record_form=form, status=400)


@bp.post("/staff/walks/<int:walk_id>/<any(publish, withdraw):action>")
@require("campaigns")
def publish_walk(walk_id: int, action: str):
    walk_ = db.get_or_404(Walk, walk_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        if action == "publish":
            walks.publish(walk_, actor())
            flash(_("The protocol is published on the campaign page."), "info")
        else:
            walks.withdraw(walk_, actor())
            flash(_("The protocol was withdrawn."), "info")
    except InputRefused as exc:
        flash(str(exc.message), "error")
        return _walk_page(walk_, status=400)
    return redirect(url_for("campaigns.walk", walk_id=walk_.id))


@bp.get("/staff/campaigns/<int:campaign_id>/scores.geojson")
@require("campaign_results")
def scores(campaign_id: int):
    """The structured audit's scores per 100 m cell, for the map layer and for GIS."""
    campaign = db.get_or_404(Campaign, campaign_id)
    return jsonify(walks.score_geojson(walks.score_grid(campaign)))


# The public protocol

@bp.get("/k/<slug>/protokoll/<int:walk_id>")
def protocol(slug: str, walk_id: int):
    """What happens at each point of a walk, with each report's current status: printable, public once published."""
    campaign = services.by_slug(slug)
    walk_ = db.session.get(Walk, walk_id)
    if campaign is None or walk_ is None or walk_.campaign_id != campaign.id or walk_.published_at is None:
        abort(404)
    return render_template("campaigns/protocol.html", walk=presenters.protocol_page(walk_),
                           campaign=presenters.campaign_row(campaign), map=report_presenters.map_page()["map"],
                           route=walk_.route or "null", stops=presenters.stops_json(walk_))
