"""The alerts pages: subscribe, confirm, one-click unsubscribe, and the Atom feeds per district and campaign."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from webapp.alerts import feeds, notify, services
from webapp.alerts.forms import AlertForm, UnsubscribeForm
from webapp.errors import InputRefused
from webapp.extensions import csrf, limiter
from webapp.formfields import empty_choice, form_problems
from webapp.i18n import current_language
from webapp.municipality import current_municipality

bp = Blueprint("alerts", __name__)


def _form() -> AlertForm:
    form = AlertForm()
    districts, campaigns = services.districts(), services.campaigns()
    form.district.choices = [empty_choice(_("Choose an area"))] + [SelectChoice(d.id, d.name) for d in districts]
    form.campaign.choices = [empty_choice(_("Choose a campaign"))] + [SelectChoice(c.slug, c.name) for c in campaigns]
    return form


def _page(form: AlertForm, status: int = 200):
    feeds_list = [{"name": d.name, "url": url_for("alerts.district_feed", slug=d.slug)} for d in services.districts()]
    feeds_list += [{"name": c.name, "url": url_for("alerts.campaign_feed", slug=c.slug)} for c in services.campaigns()]
    return render_template("alerts/subscribe.html", form=form, problems=form_problems(form),
                           feeds=feeds_list), status


@bp.get("/bevakning")
def subscribe_page():
    form = _form()
    if not form.is_submitted():  # a link from the map may name the place
        for name in ("lat", "lon"):
            value = request.args.get(name, "")[:30]
            if value:
                getattr(form, name).data = value
                form.kind.data = "radius"
    return _page(form)


@bp.post("/bevakning")
@limiter.limit("10 per hour")
def subscribe():
    """Ask for alerts; a confirmation mail goes out first. The same answer whether or not the address already
    watches the area or has reached its limits: nobody learns what an address watches."""
    form = _form()
    if form.validate_on_submit():
        try:
            alert, ask = services.subscribe(services.AlertRequest(
                email=form.email.data, kind=form.kind.data, frequency=form.frequency.data,
                locale=current_language(), district_id=form.district.data, campaign_slug=form.campaign.data or None,
                lat=form.number("lat"), lon=form.number("lon"), radius_m=form.radius_m.data))
        except InputRefused as exc:
            field = getattr(form, exc.field, None)
            (field.errors if field is not None else form.email.errors).append(exc.message)
        else:
            if ask:
                notify.confirmation(alert)
            flash(_("Check your e-mail: open the link in it to start the alerts."), "info")
            return redirect(url_for("alerts.subscribe_page"))
    return _page(form, 400)


@bp.route("/bevakning/bekrafta/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """The link in the mail shows a button; only pressing it starts the alerts (a mail system that opens every
    link to scan it subscribes no one)."""
    alert = services.alert_by_token(token, "confirm")
    if alert is None:
        abort(404)
    area = notify.area_name(alert)
    form = UnsubscribeForm()
    if not form.validate_on_submit():
        return render_template("alerts/confirm.html", area=area, email=alert.email, form=form), \
            400 if request.method == "POST" else 200
    services.confirm(alert)
    return render_template("alerts/confirmed.html", area=area,
                           unsubscribe_url=url_for("alerts.unsubscribe",
                                                   token=services.alert_token(alert, "unsubscribe")))


@bp.route("/bevakning/avsluta/<token>", methods=["GET", "POST"])
@csrf.exempt  # the token in the address is the permission; mail programs post here (RFC 8058 one-click)
def unsubscribe(token: str):
    """One click from the mail (the page's button, or the mail program's own unsubscribe, which posts here)."""
    alert = services.alert_by_token(token, "unsubscribe")
    if alert is None:
        # Already unsubscribed (the row is gone) or a wrong link: either way no more mails go there.
        return render_template("alerts/unsubscribe.html", done=True, area=None), \
            (200 if request.method == "POST" else 404)
    area = notify.area_name(alert)
    if request.method == "POST":
        services.unsubscribe(alert)
        return render_template("alerts/unsubscribe.html", done=True, area=area)
    return render_template("alerts/unsubscribe.html", done=False, area=area, email=alert.email,
                           form=UnsubscribeForm())


def _feed(title: str, slug: str, reports) -> Response:
    body = feeds.atom(title, url_for(request.endpoint, slug=slug, _external=True),
                      url_for("alerts.subscribe_page", _external=True), reports,
                      current_municipality().organisation)
    return Response(body, mimetype="application/atom+xml", headers={"Cache-Control": "public, max-age=300"})


@bp.get("/bevakning/omrade/<slug>.atom")
def district_feed(slug: str):
    district = services.district_by_slug(slug)
    if district is None:
        abort(404)
    return _feed(_("New reports in %(area)s", area=district.name), slug, services.feed_reports(district=district))


@bp.get("/bevakning/kampanj/<slug>.atom")
def campaign_feed(slug: str):
    campaign = services.campaign_by_slug(slug)
    if campaign is None:
        abort(404)
    return _feed(_("New reports in %(area)s", area=campaign.name), slug, services.feed_reports(campaign=campaign))
