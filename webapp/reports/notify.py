"""Mails to reporters, written in the language they reported in."""
from __future__ import annotations

from flask import render_template, url_for
from flask_babel import force_locale, gettext as _

from webapp.mail import send_mail
from webapp.reports.models import Report


def receipt(report: Report, token: str) -> bool:
    """Confirm a new report to its reporter, if they left an e-mail. Never raises."""
    if not report.reporter_email:
        return False
    with force_locale(report.locale or "sv"):
        subject = _("Your report %(reference)s has been received", reference=report.reference)
        body = render_template("mail/receipt.txt", reference=report.reference,
                               tracking_url=url_for("reports.track", token=token, _external=True))
    return send_mail(report.reporter_email, subject, body)
