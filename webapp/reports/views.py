"""The resident's pages: report a place, the public map, a report's page, the private tracking page."""
from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from wtforms.fields.choices import SelectChoice

from webapp.errors import NO_DATABASE, InputRefused
from webapp.extensions import csrf, limiter
from webapp.formfields import empty_choice
from webapp.geo import geocoder
from webapp.i18n import current_language
from webapp.media import photo_settings
from webapp.reports import catalogue, intake, lifecycle, notify, presenters, public
from webapp.reports.forms import AnswerForm, FeedbackForm, FollowForm, ReportForm, SupportForm
from webapp.reports.status import Source
from webapp.reports.submission import checked_report_form, report_from_form, show_refusal, support_limit, to_receipt
from webapp.responses import PUBLIC_PHOTO_CACHE, photo_response

bp = Blueprint("reports", __name__)


@bp.app_context_processor
def site_message() -> dict:
    """The city's message (an outage, a storm) on the resident's pages and the error pages, not on staff pages."""
    if not has_request_context() or request.blueprint not in ("reports", None) or g.get(NO_DATABASE):
        return {"site_message": ""}
    return {"site_message": catalogue.current_site_message()}


def _build_form() -> ReportForm:
    form = ReportForm()
    categories = catalogue.active_categories()
    form.category.choices = [SelectChoice(c.key, presenters.category_name(c)) for c in categories]
    form.district.choices = [empty_choice(_("Choose an area"))] + [
        SelectChoice(d.id, d.name) for d in presenters.districts_for_choice()]
    return form


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REPORT_SUBMIT_LIMIT"], methods=["POST"])
def new_report():
    form = _build_form()
    status = 200
    if checked_report_form(form, Source.WEB):
        try:
            report, token = intake.create_report(report_from_form(form, Source.WEB), photo_settings())
        except InputRefused as exc:
            show_refusal(form, exc)
            status = 400
        else:
            return to_receipt(report, token)
    elif request.method == "POST":
        status = 400
    return render_template("reports/new.html", form=form, page=presenters.report_form_page(form)), status


@bp.get("/platser")
@limiter.limit("60 per minute")
def find_place():
    """The report form's place search: streets (the kommun's own list, or the geocoder), localities and districts
    in the kommun, as JSON. Asked by our page only, so that the browser never talks to the geocoder itself.
    When streets cannot be searched here and nothing was found, the areas are offered instead."""
    built_in = geocoder.gazetteer(_("Locality"), _("Area"))
    found = geocoder.find_places(request.args.get("q", ""), presenters.geocoder_settings(), built_in, _("Street"))
    areas = [] if found.places or found.streets_searchable else built_in
    return jsonify({"places": [p.as_dict() for p in found.places], "streets": found.streets_searchable,
                    "areas": [p.as_dict() for p in areas]})


@bp.get("/mina-rapporter")
def my_reports():
    """The reports sent from this phone: the list lives in the phone's own storage (IndexedDB), filled in by
    the page's script; the server keeps no such list (no account, no cookie)."""
    return render_template("reports/mine.html")


@bp.get("/tillganglighet")
def accessibility():
    """The accessibility statement (tillgänglighetsredogörelse) required of Swedish public digital services."""
    return render_template("reports/accessibility.html", contact=current_app.config["ACCESSIBILITY_CONTACT"])


@bp.get("/karta")
def public_map():
    return render_template("reports/map.html",
                           page=presenters.map_page(request.args.get("category"), request.args.get("status")))


def _public_or_404(reference: str):
    report = public.public_report(reference)
    if report is None:
        abort(404)
    return report


def _tracked_or_404(token: str):
    report = public.report_by_token(token)
    if report is None:
        abort(404)
    return report


@bp.get("/r/<reference>")
def show(reference: str):
    report = _public_or_404(reference)
    return render_template("reports/show.html", report=presenters.public_report(report), form=SupportForm(),
                           follow_form=FollowForm(formdata=None))


@bp.post("/r/<reference>/follow")
@limiter.limit("10 per hour")
def follow(reference: str):
    """Ask for e-mail updates on a report; a confirmation mail goes out first."""
    report = _public_or_404(reference)
    form = FollowForm()
    if form.validate_on_submit():
        try:
            follower, ask = public.follow_report(report, form.email.data, current_language())
        except InputRefused as exc:
            form.email.errors.append(exc.message)
        else:
            if ask:
                notify.follow_confirmation(follower)
            # The same answer whether or not the address already follows: nobody learns who follows what.
            flash(_("Check your e-mail: open the link in it to start the updates on %(reference)s.",
                    reference=reference), "info")
            return redirect(url_for("reports.show", reference=reference))
    return render_template("reports/show.html", report=presenters.public_report(report), form=SupportForm(),
                           follow_form=form), 400


@bp.route("/r/folj/<int:follower_id>/<token>", methods=["GET", "POST"])
def confirm_follow(follower_id: int, token: str):
    """The link in the confirmation mail shows a button; only pressing it (a POST with the page's token) starts
    the updates. A mail system that opens every link to scan it (Safe Links) subscribes no one."""
    follower = public.follower_by_token(follower_id, token, "confirm")
    if follower is None:
        abort(404)
    form = SupportForm()
    if not form.validate_on_submit():
        return render_template("reports/follow_confirm.html", reference=follower.report.reference,
                               email=follower.email, form=form), 400 if request.method == "POST" else 200
    public.confirm_follower(follower)
    flash(_("Done: you will get an e-mail when report %(reference)s changes.",
            reference=follower.report.reference), "info")
    return redirect(url_for("reports.show", reference=follower.report.reference))


@bp.route("/avfolj/<int:follower_id>/<token>", methods=["GET", "POST"])
@csrf.exempt  # the token in the address is the permission; mail programs post here (RFC 8058 one-click)
def unfollow(follower_id: int, token: str):
    """One click from the mail (the page's button, or the mail program's own unsubscribe, which posts here)."""
    follower = public.follower_by_token(follower_id, token, "unsubscribe")
    if follower is None:
        # Already unsubscribed (the row is gone) or a wrong link: either way no more mails go there.
        return render_template("reports/unfollow.html", done=True, reference=None), \
            (200 if request.method == "POST" else 404)
    reference = follower.report.reference
    if request.method == "POST":
        public.unfollow(follower)
        return render_template("reports/unfollow.html", done=True, reference=reference)
    return render_template("reports/unfollow.html", done=False, reference=reference, email=follower.email,
                           form=SupportForm())


@bp.post("/r/<reference>/support")
@support_limit()
def support(reference: str):
    report = _public_or_404(reference)
    form = SupportForm()
    if not form.validate_on_submit():
        abort(400)
    supporter = session.setdefault("supporter", secrets.token_urlsafe(16))
    try:
        added = public.support_report(report, supporter, client_address=get_remote_address())
    except InputRefused as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Thank you, your support has been counted.") if added
              else _("You have already supported this report."), "info")
    return redirect(url_for("reports.show", reference=reference))


@bp.get("/t/<token>")
def track(token: str):
    report = _tracked_or_404(token)
    just_sent = session.pop("new_report", None) == report.reference
    return render_template("reports/track.html", report=presenters.tracked_report(report, token),
                           just_sent=just_sent, answer_form=AnswerForm(formdata=None),
                           feedback_form=FeedbackForm(formdata=None))


@bp.post("/t/<token>/answer")
def answer(token: str):
    """The reporter answers a question from staff; the officer who asked is told."""
    report = _tracked_or_404(token)
    form = AnswerForm()
    info = lifecycle.open_info_request(report)
    if info is None or not form.validate_on_submit():
        flash(_("Write your answer."), "error")
        return redirect(url_for("reports.track", token=token))
    try:
        lifecycle.answer_info_request(info, form.answer.data)
    except InputRefused as exc:
        flash(str(exc.message), "error")
    else:
        notify.answer_to_officer(report, info)
        flash(_("Thank you, your answer has been sent."), "info")
    return redirect(url_for("reports.track", token=token))


@bp.post("/t/<token>/feedback")
def feedback(token: str):
    report = _tracked_or_404(token)
    form = FeedbackForm()
    if form.validate_on_submit():
        try:
            public.record_satisfaction(report, form.score.data, form.comment.data or "")
            flash(_("Thank you for your answer!"), "info")
        except InputRefused as exc:
            flash(str(exc.message), "error")
    else:
        flash(_("Choose a number from 1 to 5."), "error")
    return redirect(url_for("reports.track", token=token))


@bp.get("/photos/<stem>/<any(display, thumb):size>.jpg")
def photo(stem: str, size: str):
    """A published photo. Staff can still reject or redact it, so a cache must ask again before each use
    (`no-cache`, answered 304 while unchanged): the old address of a redacted or rejected photo answers 404 at
    once, and no proxy keeps handing out the uncovered picture."""
    found = public.public_photo(stem)
    if found is None:
        abort(404)
    return photo_response(current_app.extensions["photo_store"], found.stem, size, PUBLIC_PHOTO_CACHE)


