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


def question(report: Report, info, token: str) -> bool:
    """Staff ask the reporter something; the answer is given on the tracking page."""
    if not report.reporter_email:
        return False
    with force_locale(report.locale or "sv"):
        subject = _("A question about your report %(reference)s", reference=report.reference)
        body = render_template("mail/question.txt", reference=report.reference, question=info.question,
                               tracking_url=url_for("reports.track", token=token, _external=True))
    return send_mail(report.reporter_email, subject, body)


def answer_to_officer(report: Report, info) -> bool:
    """Tell the officer who asked that the reporter has answered."""
    with force_locale("sv"):
        subject = _("The reporter answered your question on %(reference)s", reference=report.reference)
        body = render_template("mail/answered.txt", reference=report.reference, question=info.question,
                               answer=info.answer,
                               staff_url=url_for("staff.report", report_id=report.id, _external=True))
    return send_mail(info.asked_by, subject, body)
