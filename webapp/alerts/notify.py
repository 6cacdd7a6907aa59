"""The mails of area alerts, each in the language the subscriber asked in; every mail after the confirmation has
a one-click unsubscribe link, also as List-Unsubscribe and List-Unsubscribe-Post headers (RFC 8058)."""
from __future__ import annotations

from flask import render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.alerts.models import AreaAlert
from webapp.alerts.services import alert_token
from webapp.mail import send_mail
from webapp.reports.presenters import category_name
from webapp.timeutil import local_date


def area_name(alert: AreaAlert) -> str:
    """The watched area in words, in the current language."""
    if alert.kind == "district" and alert.district is not None:
        return alert.district.name
    if alert.kind == "campaign" and alert.campaign is not None:
        return alert.campaign.name
    return _("within %(radius)d m of the place you chose", radius=alert.radius_m or 0)


def _unsubscribe(alert: AreaAlert) -> tuple[str, dict]:
    url = url_for("alerts.unsubscribe", token=alert_token(alert, "unsubscribe"), _external=True)
    return url, {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _item(report) -> dict:
    return {"reference": report.reference, "category": category_name(report.category),
            "day": local_date(report.created_at).isoformat(),
            "url": url_for("reports.show", reference=report.reference, _external=True)}


def confirmation(alert: AreaAlert) -> bool:
    """The mail that confirms the address; nothing else is sent before its link is opened."""
    with force_locale(alert.locale or "sv"):
        area = area_name(alert)
        subject = _("Confirm the alerts for new reports: %(area)s", area=area)
        body = render_template("mail/area_alert_confirm.txt", area=area,
                               confirm_url=url_for("alerts.confirm", token=alert_token(alert, "confirm"),
                                                   _external=True))
    return send_mail(alert.email, subject, body)


def new_report(alert: AreaAlert, report) -> bool:
    """One new public report in the area, at once."""
    url, headers = _unsubscribe(alert)
    with force_locale(alert.locale or "sv"):
        area, item = area_name(alert), _item(report)
        subject = _("New report in %(area)s: %(category)s", area=area, category=item["category"])
        body = render_template("mail/area_alert.txt", area=area, items=[item], unsubscribe_url=url)
    return send_mail(alert.email, subject, body, headers=headers)


def digest(alert: AreaAlert, day, reports) -> bool:
    """The day's new public reports in the area, in one mail."""
    url, headers = _unsubscribe(alert)
    with force_locale(alert.locale or "sv"):
        area = area_name(alert)
        subject = _("New reports in %(area)s on %(day)s: %(count)d", area=area, day=day.isoformat(),
                    count=len(reports))
        body = render_template("mail/area_alert.txt", area=area, items=[_item(r) for r in reports],
                               unsubscribe_url=url)
    return send_mail(alert.email, subject, body, headers=headers)
