"""Telling residents that their place was fixed, in the language they reported in."""
from __future__ import annotations

from flask import render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.mail import send_mail
from webapp.reports.models import Report


def fixed(report: Report, token: str) -> bool:
    if not report.reporter_email:
        return False
    with force_locale(report.locale or "sv"):
        subject = _("Your report %(reference)s has been fixed", reference=report.reference)
        body = render_template("mail/fixed.txt", reference=report.reference,
                               note=report.history[-1].public_note if report.history else "",
                               tracking_url=url_for("reports.track", token=token, _external=True),
                               feedback_url=url_for("reports.track", token=token, _external=True) + "#feedback")
    return send_mail(report.reporter_email, subject, body)
