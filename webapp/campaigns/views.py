"""Campaign pages: staff set-up, import, results and comparison; the public page /k/<slug> with its QR code;
engagement activities; property owners and their letters."""
from __future__ import annotations

import io

import segno
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from webapp import spreadsheets
from webapp.auth.access import actor, require
from webapp.bounded import query_number
from webapp.campaigns import forms, imports, presenters, services, walks
from webapp.campaigns.drawing import draw_words
from webapp.campaigns.models import Campaign, ImportRun, WalkGroup
from webapp.errors import InputRefused
from webapp.extensions import db, limiter
from webapp.formfields import empty_choice
from webapp.i18n import localized
from webapp.jobs import services as jobs
from webapp.media import photo_settings
from webapp.reports import catalogue, lifecycle
from webapp.reports import presenters as report_presenters
from webapp.reports.forms import ReportForm
from webapp.reports.labels import SOURCE_LABELS, category_choices, district_choices, export_words
from webapp.reports.models import PropertyOwner, Report
from webapp.reports.status import Source
from webapp.reports.submission import report_from_form, show_refusal, to_receipt

bp = Blueprint("campaigns", __name__)
bp.add_app_template_global(draw_words)  # the drawing maps' words (campaign area, walk route)
FIELD_SOURCES = (Source.CLEANING, Source.CONTRACTOR, Source.POLICE)



def _fill(form: forms.CampaignForm, campaign: Campaign | None = None) -> None:
    form.districts.choices = district_choices()
    form.categories.choices = [SelectChoice(c.key, report_presenters.category_name(c))
                               for c in catalogue.active_categories()]
    form.follows.choices = [empty_choice("—")] + [SelectChoice(c.id, c.name) for c in services.all_campaigns()
                                                  if campaign is None or c.id != campaign.id]


def _input(form: forms.CampaignForm) -> services.CampaignInput:
    return services.CampaignInput(
        name=form.name.data or "", slug=form.slug.data or "", kind=form.kind.data, starts_on=form.starts_on.data,
        ends_on=form.ends_on.data, district_ids=form.districts.data or [], drawn_area=form.drawn_area.data or "",
        category_keys=form.categories.data or [], hashtag=form.hashtag.data or "", intro_sv=form.intro_sv.data or "",
        intro_en=form.intro_en.data or "", intro_ar=form.intro_ar.data or "", follows_id=form.follows.data if isinstance(form.follows.data, int) else None,
        asks_demographics=form.asks_demographics.data, uses_audit=form.uses_audit.data)


@bp.get("/staff/campaigns")
@require("campaign_results")
def index():
    return render_template("campaigns/index.html", rows=[presenters.campaign_row(c) for c in services.all_campaigns()],
                           can_manage=current_user.can("campaigns"))


@bp.route("/staff/campaigns/new", methods=["GET", "POST"])
@require("campaigns")
def new():
    form = forms.CampaignForm()
    _fill(form)
    if form.validate_on_submit():
        try:
            campaign = services.save_campaign(_input(form), actor())
            flash(_("The campaign %(name)s was saved.", name=campaign.name), "info")
            return redirect(url_for("campaigns.edit", campaign_id=campaign.id))
        except InputRefused as exc:
            getattr(form, {"districts": "districts", "category_keys": "categories", "follows_id": "follows"}
                    .get(exc.field, exc.field), form.name).errors.append(exc.message)
    return render_template("campaigns/form.html", form=form, campaign=None,
                           map=report_presenters.map_page()["map"]), 400 if form.errors else 200


def _campaign_page(campaign: Campaign, form: forms.CampaignForm, status: int = 200,
                   group_form: forms.GroupForm | None = None):
    return render_template("campaigns/form.html", form=form, campaign=presenters.campaign_row(campaign),
                           can_manage=current_user.can("campaigns"), import_form=forms.ImportForm(formdata=None),
                           imports=imports.imports_for(campaign), map=report_presenters.map_page()["map"],
                           group_form=group_form or forms.GroupForm(formdata=None),
                           groups=presenters.group_rows(campaign), walks=presenters.walk_rows(campaign)), status


def stored_campaign_form(campaign: Campaign) -> forms.CampaignForm:
    """The campaign form filled with what is saved."""
    form = forms.CampaignForm(formdata=None, data={
        "name": campaign.name, "slug": campaign.slug, "kind": campaign.kind, "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on, "districts": campaign.district_ids, "categories": campaign.category_keys,
        "hashtag": campaign.hashtag, "intro_sv": campaign.intro.get("sv", ""), "intro_en": campaign.intro.get("en", ""),
        "intro_ar": campaign.intro.get("ar", ""),
        "follows": campaign.follows_id, "drawn_area": "" if campaign.district_ids else campaign.area,
        "asks_demographics": campaign.asks_demographics, "uses_audit": campaign.uses_audit})
    _fill(form, campaign)
    return form


@bp.get("/staff/campaigns/<int:campaign_id>")
@require("campaign_results")
def edit(campaign_id: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    return _campaign_page(campaign, stored_campaign_form(campaign))


@bp.post("/staff/campaigns/<int:campaign_id>")
@require("campaigns")
def save(campaign_id: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    form = forms.CampaignForm()
    _fill(form, campaign)
    if form.validate_on_submit():
        try:
            services.save_campaign(_input(form), actor(), campaign)
            flash(_("The campaign %(name)s was saved.", name=campaign.name), "info")
            return redirect(url_for("campaigns.edit", campaign_id=campaign.id))
        except InputRefused as exc:
            getattr(form, exc.field if hasattr(form, exc.field) else "name").errors.append(exc.message)
    return _campaign_page(campaign, form, 400)


@bp.post("/staff/campaigns/<int:campaign_id>/import")
@require("campaigns")
def import_posts(campaign_id: int):
    """Queue an import as a job and show its progress, instead of holding the request."""
    from pathlib import Path


    campaign = db.get_or_404(Campaign, campaign_id)
    form = forms.ImportForm()
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("csv_file")
    images = request.files.get("images")
    if not upload or not upload.filename:
        flash(_("Choose the CSV file."), "error")
        return redirect(url_for("campaigns.edit", campaign_id=campaign.id))
    csv_bytes = upload.read(5 * 1024 * 1024)
    if not csv_bytes.strip():
        flash(_("The CSV file needs at least the columns caption and posted_at."), "error")
        return redirect(url_for("campaigns.edit", campaign_id=campaign.id))
    work_dir = str(Path(current_app.instance_path) / "imports")
    try:
        run = imports.start_import(campaign, csv_bytes, upload.filename, actor=actor(),
                                   zip_bytes=images.read() if images and images.filename else None, work_dir=work_dir)
    except InputRefused as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("campaigns.edit", campaign_id=campaign.id))
    flash(imports.read_csv(csv_bytes).described(), "info")
    jobs.work_in_background(current_app._get_current_object())
    return redirect(url_for("campaigns.import_status", run_id=run.id))


@bp.get("/staff/imports/<int:run_id>")
@require("campaigns")
def import_status(run_id: int):
    db.session.expire_all()
    run = db.session.get(ImportRun, run_id)
    if run is None:
        abort(404)
    campaign = db.session.get(Campaign, run.campaign_id)
    job = jobs.get(run.job_id)
    # The job row says how far it is; the run what came of it.
    status = job.status if job else run.status
    return render_template("campaigns/import_status.html", run=run, campaign=presenters.campaign_row(campaign),
                           status=status, busy=status in ("queued", "running"),
                           done=job.done if job else run.done_rows, total=job.total if job else run.total_rows,
                           stalled=bool(job) and jobs.is_stalled(job, current_app.config["JOB_STALE_SECONDS"]))


@bp.get("/staff/campaigns/<int:campaign_id>/results")
@require("campaign_results")
def results(campaign_id: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    others = [c for c in services.all_campaigns() if c.id != campaign.id]
    return render_template("campaigns/results.html", page=presenters.results_page(campaign, services.results(campaign)),
                           others=others, default_compare=campaign.follows_id,
                           splits=presenters.splits(campaign) if campaign.asks_demographics else None,
                           participation=presenters.participation(campaign), audit=presenters.audit_summary(campaign),
                           walks=presenters.walk_rows(campaign))


@bp.get("/staff/campaigns/<int:campaign_id>/results.<any(csv, xlsx):fmt>")
@require("campaign_results")
def results_export(campaign_id: int, fmt: str):
    campaign = db.get_or_404(Campaign, campaign_id)
    header, rows = presenters.export_rows(services.campaign_reports(campaign))
    name = f"kampanj-{campaign.slug}"
    if fmt == "csv":
        excel = request.args.get("excel") == "1"  # "CSV för Excel" (webapp/spreadsheets.py)
        return Response(spreadsheets.csv_text(header, rows, excel=excel), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={spreadsheets.csv_name(name + '.csv', excel)}"})
    data = services.results(campaign)
    summary = [[_("Campaign"), campaign.name], [_("Period"), f"{campaign.starts_on} – {campaign.ends_on}"],
               [_("Reports"), data["total"]], [_("Fixed reports"), data["fixed"]], [], [_("Category"), _("Count")]]
    names = export_words()["category"]
    summary += [[names.get(key, key), count] for key, count in sorted(data["by_category"].items())]
    return Response(spreadsheets.xlsx_bytes([(_("Reports"), [spreadsheets.heading(header), *rows]), (_("Summary"), summary)]),
                    mimetype=spreadsheets.XLSX_MIMETYPE,
                    headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})


@bp.get("/staff/campaigns/<int:campaign_id>/compare")
@require("campaign_results")
def compare(campaign_id: int):
    follow_up = db.get_or_404(Campaign, campaign_id)
    baseline = db.session.get(Campaign, query_number(request.args, "with") or follow_up.follows_id or 0)
    if baseline is None:
        flash(_("Choose the campaign to compare with."), "error")
        return redirect(url_for("campaigns.results", campaign_id=follow_up.id))
    return render_template("campaigns/compare.html",
                           page=presenters.compare_page(baseline, follow_up, services.compare(baseline, follow_up)),
                           audit=presenters.audit_comparison(baseline, follow_up))


def _queue_version(name: str) -> int:
    """The version of the report as the queue page showed it (a missing or tampered one never matches)."""
    return query_number(request.form, name, default=-1, low=0)


def _queue_refusal(exc: InputRefused) -> int:
    """The status for a refused queue action: 409 when the report changed or left the queue, 400 otherwise."""
    flash(str(exc.message), "error")
    return 409 if isinstance(exc, (imports.NotInQueue, lifecycle.ConflictError)) else 400


def _campaigns_only() -> bool:
    """The communications officer works the queue for the campaigns' reports only; triage for all of them."""
    return not current_user.can("place_queue_all")


@bp.route("/staff/places", methods=["GET", "POST"])
@require("place_queue")
def needs_place():
    """Reports without a position (imported posts, Open311 addresses) waiting to be placed on the map. Only a
    report in this queue is placed from it, and only as it was when the page was loaded (its version)."""
    form = forms.PlaceForm()
    status = 200
    if form.validate_on_submit():
        report_id = query_number(request.form, "report_id")
        report = db.session.get(Report, report_id or 0)
        if report is None:
            abort(404)
        try:
            imports.place_report(report, float(form.lat.data), float(form.lon.data), actor(),
                                 _queue_version(f"version-{report_id}"), campaigns_only=_campaigns_only())
            flash(_("%(reference)s was placed on the map.", reference=report.reference), "info")
            return redirect(url_for("campaigns.needs_place"))
        except InputRefused as exc:
            db.session.rollback()
            status = _queue_refusal(exc)
        except ValueError:
            flash(_("Tap the map where the report is, then save."), "error")
            status = 400
    return _queue_page(status)


def _queue_page(status: int = 200):
    rows = [presenters.queue_row(r, current_user.can)
            for r in imports.needing_a_place(campaigns_only=_campaigns_only())]
    unsorted = [presenters.queue_row(r, current_user.can)
                for r in imports.needing_a_category(campaigns_only=_campaigns_only())]
    return render_template("campaigns/places.html", rows=rows, form=forms.PlaceForm(formdata=None),
                           unsorted=unsorted, category_form=_category_form(formdata=None),
                           campaigns_only=_campaigns_only(),
                           map=report_presenters.map_page()["map"]), status


def _category_form(**kwargs) -> forms.ChooseCategoryForm:

    form = forms.ChooseCategoryForm(**kwargs)
    form.category.choices = category_choices()
    return form


@bp.post("/staff/places/category")
@require("place_queue")
def choose_category():
    """Choose the category of an imported post the caption rules were unsure of (only a post in the queue, at
    the version the page showed)."""
    form = _category_form()
    report = db.session.get(Report, query_number(request.form, "report_id") or 0)
    if report is None:
        abort(404)
    if form.validate_on_submit():
        try:
            imports.categorise_report(report, form.category.data, actor(), _queue_version("version"),
                                      campaigns_only=_campaigns_only())
            flash(_("%(reference)s now has a category.", reference=report.reference), "info")
        except InputRefused as exc:
            db.session.rollback()
            return _queue_page(_queue_refusal(exc))
    else:
        flash(_("Choose what you want to report."), "error")
    return redirect(url_for("campaigns.needs_place") + "#unsorted")


# The public campaign page

def _landing_form(campaign: Campaign) -> ReportForm:
    form = ReportForm()
    form.category.choices = [SelectChoice(c.key, report_presenters.category_name(c))
                             for c in services.categories_for(campaign)]
    form.district.choices = [empty_choice(_("Choose an area"))] + district_choices()
    return form


@bp.route("/k/<slug>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REPORT_SUBMIT_LIMIT"], methods=["POST"])
def landing(slug: str):
    campaign = services.by_slug(slug)
    if campaign is None:
        abort(404)
    if campaign.kind == "dialogue":  # a citizen dialogue asks its own questions (dialogue_views.py)
        return redirect(url_for("campaigns.dialogue_answer", slug=slug), 303)
    return _landing(campaign, None)


@bp.route("/k/<slug>/g/<code>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REPORT_SUBMIT_LIMIT"], methods=["POST"])
def group_landing(slug: str, code: str):
    """A group's own link (a QR code for a class): its reports are tagged with the group."""
    campaign = services.by_slug(slug)
    group = walks.group_by_code(campaign, code) if campaign else None
    if group is None or campaign.kind == "dialogue":
        abort(404)
    return _landing(campaign, group)


def _audit_answers() -> dict:
    return {key: request.form.get(f"audit_{key}") for key in walks.AUDIT_PARAMETERS}


def _landing(campaign: Campaign, group):
    if not services.is_open(campaign):
        return render_template("campaigns/closed.html", campaign=presenters.campaign_row(campaign),
                               page=presenters.results_page(campaign, services.results(campaign)),
                               intro=localized(campaign.intro),
                               protocols=presenters.protocol_links(campaign))
    needs_login = campaign.kind == "experience_collection"
    if needs_login and not (current_user.is_authenticated and current_user.can("field_report")):
        session["next"] = request.path
        flash(_("This collection is for cleaning staff, contractors and the police: log in first."), "info")
        return redirect(url_for("auth.login"))
    form = _landing_form(campaign)
    status = 200
    audit_errors = {}
    if form.validate_on_submit():
        source = Source.CAMPAIGN
        if needs_login:  # who saw it: cleaning staff, a contractor or the police
            source = request.form.get("source") if request.form.get("source") in FIELD_SOURCES else Source.FIELD
        try:
            report, token = services.submit(campaign, report_from_form(form, source), photo_settings(), actor=actor(),
                                            gender=request.form.get("gender") or None,
                                            age_group=request.form.get("age_group") or None, group=group,
                                            audit_answers=_audit_answers())
        except InputRefused as exc:
            if exc.field.startswith("audit"):
                audit_errors[exc.field.removeprefix("audit_")] = exc.message
                form.form_errors.append(exc.message)
            else:
                show_refusal(form, exc)
            status = 400
        else:
            return to_receipt(report, token)
    elif request.method == "POST":
        status = 400
    page = report_presenters.report_form_page(form, services.categories_for(campaign))

    sources = [{"key": k, "label": SOURCE_LABELS[k]} for k in FIELD_SOURCES] if needs_login else []
    demographics = {"genders": list(services.GENDERS.items()), "ages": list(services.AGE_GROUPS.items())} \
        if campaign.asks_demographics else None
    audit_questions = presenters.audit_questions(request.form if request.method == "POST" else {}, audit_errors) \
        if campaign.uses_audit else None
    return render_template("campaigns/landing.html", form=form, page=page, campaign=presenters.campaign_row(campaign),
                           intro=localized(campaign.intro), area=campaign.area, hashtag=campaign.hashtag,
                           sources=sources, demographics=demographics, audit_questions=audit_questions,
                           audit_open=bool(audit_errors),
                           group=presenters.group_banner(group), protocols=presenters.protocol_links(campaign)), status


def _qr(link: str, title: str, fmt: str) -> Response:
    code = segno.make(link, error="m")
    out = io.BytesIO()
    if fmt == "png":
        code.save(out, kind="png", scale=10, border=4)
        return Response(out.getvalue(), mimetype="image/png")
    code.save(out, kind="svg", scale=10, border=4, title=title)
    return Response(out.getvalue(), mimetype="image/svg+xml")


@bp.get("/k/<slug>/qr.<any(png, svg):fmt>")
def qr(slug: str, fmt: str):
    """A QR code of the campaign's link, for posters and Instagram posts."""
    campaign = services.by_slug(slug)
    if campaign is None:
        abort(404)
    return _qr(url_for("campaigns.landing", slug=slug, _external=True), campaign.name, fmt)


@bp.get("/staff/campaigns/<int:campaign_id>/groups/<int:group_id>/qr.<any(png, svg):qr_format>")
@require("campaign_results")
def group_qr(campaign_id: int, group_id: int, qr_format: str):
    """The QR code of a group's own link: staff only, since the link tags reports with the group."""
    group = db.get_or_404(WalkGroup, group_id)
    if group.campaign_id != campaign_id:
        abort(404)
    return _qr(url_for("campaigns.group_landing", slug=group.campaign.slug, code=group.code, _external=True),
               group.name, qr_format)


# Engagement activities

@bp.route("/staff/activities", methods=["GET", "POST"])
@require("activities")
def activities():
    form = forms.ActivityForm()
    form.district.choices = [empty_choice("—")] + district_choices()
    form.campaign.choices = [empty_choice("—")] + [SelectChoice(c.id, c.name) for c in services.all_campaigns()]
    if form.validate_on_submit():
        try:
            services.add_activity(held_on=form.held_on.data, kind=form.kind.data, title=form.title.data, participants=form.participants.data, actor=actor(),
                                  district_id=form.district.data if isinstance(form.district.data, int) else None,
                                  campaign_id=form.campaign.data if isinstance(form.campaign.data, int) else None,
                                  notes=form.notes.data or "")
            flash(_("The activity was saved."), "info")
            return redirect(url_for("campaigns.activities"))
        except InputRefused as exc:
            getattr(form, exc.field, form.title).errors.append(exc.message)
    rows = [{"date": a.held_on.isoformat(), "kind": services.ACTIVITY_KINDS.get(a.kind, a.kind), "title": a.title,
             "district": a.district.name if a.district else "—", "participants": a.participants,
             "campaign": a.campaign.name if a.campaign else "—", "notes": a.notes} for a in services.activities()]
    return render_template("campaigns/activities.html", form=form, rows=rows,
                           total=sum(r["participants"] for r in rows)), 400 if form.errors else 200


# Property owners

@bp.route("/staff/owners", methods=["GET", "POST"])
@require("owners")
def owners():
    form = forms.OwnerForm()
    if form.validate_on_submit():
        try:
            lifecycle.save_owner(form.name.data, form.contact.data, form.address.data, actor())
            flash(_("The property owner was saved."), "info")
            return redirect(url_for("campaigns.owners"))
        except InputRefused as exc:
            form.name.errors.append(exc.message)
    rows = [presenters.owner_page(o, lifecycle.owner_reports(o)) for o in lifecycle.owners()]
    return render_template("campaigns/owners.html", form=form, rows=rows), 400 if form.errors else 200



@bp.get("/staff/owners/<int:owner_id>/letter")
@require("owners")
def owner_letter(owner_id: int):
    owner = db.get_or_404(PropertyOwner, owner_id)
    return render_template("campaigns/letter.html", owner=presenters.owner_page(owner, lifecycle.owner_reports(owner)))


@bp.get("/staff/owners/<int:owner_id>.csv")
@require("owners")
def owner_csv(owner_id: int):
    owner = db.get_or_404(PropertyOwner, owner_id)
    header, rows = presenters.export_rows(lifecycle.owner_reports(owner))
    excel = request.args.get("excel") == "1"  # "CSV för Excel" (webapp/spreadsheets.py)
    name = spreadsheets.csv_name(f"fastighetsagare-{owner.id}.csv", excel)
    return Response(spreadsheets.csv_text(header, rows, excel=excel), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})

