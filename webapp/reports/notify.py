"""Mails to reporters, written in the language they reported in."""
from __future__ import annotations

from flask import render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.mail import send_mail
from webapp.reports.intake import new_tracking_token
from webapp.reports.models import Report
from webapp.reports.public import follower_token, reporter_follows
from webapp.reports.status import STATUS_LABELS, ReportStatus


def receipt(report: Report, token: str) -> bool:
    """Confirm a new report to its reporter, if they left an e-mail; they follow it from now on
    (public.reporter_follows) unless that address was given too often today. Never raises."""
    if not report.reporter_email:
        return False
    follows = reporter_follows(report)
    with force_locale(report.locale or "sv"):
        subject = _("Your report %(reference)s has been received", reference=report.reference)
        body = render_template("mail/receipt.txt", reference=report.reference, follows=follows,
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


def follow_confirmation(follower) -> bool:
    """The mail that confirms a new follower's address; updates start when its link is opened."""
    report = follower.report
    with force_locale(follower.locale or "sv"):
        subject = _("Confirm that you want updates on report %(reference)s", reference=report.reference)
        body = render_template("mail/follow_confirm.txt", reference=report.reference,
                               confirm_url=url_for("reports.confirm_follow", follower_id=follower.id,
                                                   token=follower_token(follower, "confirm"), _external=True))
    return send_mail(follower.email, subject, body)


def followers(report: Report, change, people) -> int:
    """Tell each confirmed follower that the report's status changed; each mail has a one-click unsubscribe
    link, also as List-Unsubscribe (RFC 8058) headers. The reporter (who follows from the start when they gave an
    address) gets their private link instead of the public page, and on "fixed" the one-click satisfaction
    question. Returns how many mails went out."""
    sent = 0
    for follower in people:
        unsubscribe_url = url_for("reports.unfollow", follower_id=follower.id,
                                  token=follower_token(follower, "unsubscribe"), _external=True)
        status = STATUS_LABELS.get(change.to_status, change.to_status)
        with force_locale(follower.locale or "sv"):
            if follower.email == report.reporter_email:
                tracking_url = url_for("reports.track", token=new_tracking_token(report), _external=True)
                if change.to_status == ReportStatus.FIXED:
                    subject = _("Your report %(reference)s has been fixed", reference=report.reference)
                    body = render_template("mail/fixed.txt", reference=report.reference, note=change.public_note,
                                           tracking_url=tracking_url, feedback_url=tracking_url + "#feedback",
                                           unsubscribe_url=unsubscribe_url)
                else:
                    subject = _("Your report %(reference)s: %(status)s", reference=report.reference, status=status)
                    body = render_template("mail/reporter_update.txt", reference=report.reference, status=status,
                                           note=change.public_note, tracking_url=tracking_url,
                                           unsubscribe_url=unsubscribe_url)
            else:
                subject = _("Update on report %(reference)s: %(status)s", reference=report.reference, status=status)
                body = render_template("mail/follow_update.txt", reference=report.reference, status=status,
                                       note=change.public_note,
                                       report_url=url_for("reports.show", reference=report.reference, _external=True),
                                       unsubscribe_url=unsubscribe_url)
        sent += send_mail(follower.email, subject, body, headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    return sent
