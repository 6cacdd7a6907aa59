"""Following a report (issue 15.7): confirm by mail, get an update per status change, stop with one click."""
import re

from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import form_token, make_report
from webapp.extensions import db
from webapp.mail import outbox_messages
from webapp.reports import lifecycle
from webapp.reports.models import Follower


def follow(client, reference: str, email: str, lang: str = "sv"):
    return client.post(f"/r/{reference}/follow", data={"csrf_token": csrf_token(client, f"/r/{reference}"),
                                                       "email": email}, headers={"Accept-Language": lang})


def links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.get_content())


def test_follow_confirm_update_and_one_click_unsubscribe(client, app):
    report, _ = make_report()
    assert follow(client, report.reference, "Granne@Example.org").status_code == 302
    [confirmation] = outbox_messages(app.config["MAIL_OUTBOX_DIR"])
    assert confirmation["To"] == "granne@example.org" and report.reference in confirmation["Subject"]
    confirm_url = links(confirmation)[0]
    assert confirm_url.startswith("http://trygghetskartan.test/r/folj/")  # PUBLIC_BASE_URL, absolute

    # Not confirmed yet: no update.
    lifecycle.change_status(report, "confirmed", "officer")
    db.session.commit()  # the request's or command's commit: the mail goes after it
    assert len(outbox_messages(app.config["MAIL_OUTBOX_DIR"])) == 1

    # Opening the link (as a mail system's link scanner does) only asks; the button confirms.
    confirm_path = confirm_url.removeprefix("http://trygghetskartan.test")
    asked = client.get(confirm_path)
    assert asked.status_code == 200 and "Ja, skicka uppdateringarna till mig" in asked.get_data(as_text=True)
    assert db.session.execute(select(Follower.confirmed_at)).scalar_one() is None  # still not following
    assert client.post(confirm_path).status_code == 400  # no form token: nothing
    assert client.post(confirm_path, data={"csrf_token": form_token(client)}).status_code == 302
    lifecycle.change_status(report, "in_progress", "officer", public_note="Vi städar i morgon.")
    db.session.commit()  # the request's or command's commit: the mail goes after it
    update = outbox_messages(app.config["MAIL_OUTBOX_DIR"])[-1]
    assert update["To"] == "granne@example.org" and "Pågår" in update["Subject"]
    assert "Vi städar i morgon." in update.get_content()
    assert all(url.startswith("http://trygghetskartan.test/") for url in links(update))
    unsubscribe = update["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe in links(update)
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The mail program's one-click unsubscribe: a POST without any form token (RFC 8058).
    path = unsubscribe.removeprefix("http://trygghetskartan.test")
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert db.session.execute(select(func.count(Follower.id))).scalar_one() == 0
    lifecycle.change_status(report, "fixed", "officer")
    db.session.commit()  # the request's or command's commit: the mail goes after it
    assert len(outbox_messages(app.config["MAIL_OUTBOX_DIR"])) == 2  # nothing after unsubscribing


def test_following_twice_and_bad_links_reveal_nothing(client, app):
    report, _ = make_report()
    follow(client, report.reference, "a@example.org")
    follow(client, report.reference, "a@example.org")  # unconfirmed, asked again the same day: nothing sent
    assert db.session.execute(select(func.count(Follower.id))).scalar_one() == 1
    follower = db.session.execute(select(Follower)).scalar_one()
    assert client.get(f"/r/folj/{follower.id}/not-the-token").status_code == 404
    assert client.get(f"/avfolj/{follower.id}/not-the-token").status_code == 404
    assert client.post(f"/avfolj/{follower.id}/not-the-token").status_code == 200
    assert db.session.execute(select(func.count(Follower.id))).scalar_one() == 1  # a wrong token removes nothing
    response = follow(client, report.reference, "inte en adress")
    assert response.status_code == 400 and "ser inte ut som en e-postadress" in response.get_data(as_text=True)


def test_update_mail_speaks_the_followers_language(client, app):
    report, _ = make_report()
    follow(client, report.reference, "b@example.org", lang="ar")
    confirm = links(outbox_messages(app.config["MAIL_OUTBOX_DIR"])[0])[0]
    client.post(confirm.removeprefix("http://trygghetskartan.test"), data={"csrf_token": form_token(client)})
    lifecycle.change_status(report, "planned", "officer")
    db.session.commit()  # the request's or command's commit: the mail goes after it
    update = outbox_messages(app.config["MAIL_OUTBOX_DIR"])[-1]
    assert "تحديث عن البلاغ" in update["Subject"]


def test_follow_requests_send_one_confirmation_per_day_and_few_to_one_recipient(client, app):
    """Issue 23.7: three follow requests for the same address and report give one mail (the page answers the
    same each time); many reports followed for one outside address give at most five mails a day; the count is
    kept without the address."""
    from datetime import timedelta

    from webapp.extensions import limiter
    from webapp.reports.models import FollowConfirmationSent
    from webapp.reports.public import CONFIRMATIONS_PER_RECIPIENT

    outbox = app.config["MAIL_OUTBOX_DIR"]
    report, _ = make_report()
    answers = [follow(client, report.reference, "granne@example.org") for _ in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 302]
    assert len(outbox_messages(outbox)) == 1
    follower = db.session.execute(select(Follower)).scalar_one()
    page = client.get(answers[-1].headers["Location"]).get_data(as_text=True)
    assert "Titta i din e-post" in page
    # A day later the confirmation may go once more (it may have been lost).
    follower.confirmation_sent_at -= timedelta(hours=25)
    db.session.commit()
    follow(client, report.reference, "granne@example.org")
    follow(client, report.reference, "granne@example.org")
    assert len(outbox_messages(outbox)) == 2

    # One outside address, many reports (from many clients: the per-client rate limit steps aside): five mails.
    limiter.enabled = False
    try:
        reports = [make_report()[0] for _ in range(8)]
        for other in reports:
            assert follow(client, other.reference, "Offer@Example.org").status_code == 302
    finally:
        limiter.enabled = True
    to_victim = [m for m in outbox_messages(outbox) if m["To"] == "offer@example.org"]
    assert len(to_victim) == CONFIRMATIONS_PER_RECIPIENT == 5
    stored = db.session.execute(select(FollowConfirmationSent.recipient)).scalars().all()
    assert stored and all("@" not in r and "offer" not in r and "granne" not in r for r in stored)


def test_a_reporter_who_gave_an_address_is_told_each_step_privately_and_can_stop_it(client, app):
    """The walk of issue 24: the form asks for an e-mail "for updates", but only the receipt and "fixed" came.
    The reporter now follows their own report from the start: each status change is mailed with the private
    link (not the public page), "fixed" asks how it went, and one click stops the mails."""
    from webapp.reports import notify

    report, token = make_report(email="Boende@Example.org")
    notify.receipt(report, token)  # as the form's submission does
    db.session.commit()
    outbox = app.config["MAIL_OUTBOX_DIR"]
    [receipt] = outbox_messages(outbox)
    assert "status ändras" in receipt.get_content() and "stoppar" in receipt.get_content()
    lifecycle.change_status(report, "planned", "officer", public_note="Vi kommer på tisdag.")
    db.session.commit()
    update = outbox_messages(outbox)[-1]
    assert update["To"] == "boende@example.org" and update["Subject"] == f"Din rapport {report.reference}: Planerad"
    body = update.get_content()
    assert "Vi kommer på tisdag." in body and "/t/" in body and f"/r/{report.reference}" not in body
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # A hidden report has no public page, but its reporter is still told, privately.
    report.hidden = True
    lifecycle.change_status(report, "in_progress", "officer")
    db.session.commit()
    assert len(outbox_messages(outbox)) == 3
    report.hidden = False
    lifecycle.change_status(report, "fixed", "officer")
    db.session.commit()
    fixed = outbox_messages(outbox)[-1]
    assert "är åtgärdad" in fixed["Subject"] and "#feedback" in fixed.get_content()
    # Stopped with one click: no more mails about this report (the reporter's own link still works).
    path = fixed["List-Unsubscribe"].strip().strip("<>").removeprefix("http://trygghetskartan.test")
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert db.session.execute(select(func.count(Follower.id))).scalar_one() == 0


def test_a_neighbour_following_the_same_report_gets_the_public_page_not_the_private_link(client, app):
    from webapp.reports import notify

    report, token = make_report(email="boende@example.org")
    notify.receipt(report, token)  # as the form's submission does: the reporter follows from now on
    db.session.add(Follower(report_id=report.id, email="granne@example.org", locale="sv",
                            confirmed_at=report.created_at))
    db.session.commit()
    lifecycle.change_status(report, "confirmed", "officer")
    db.session.commit()
    by_address = {m["To"]: m for m in outbox_messages(app.config["MAIL_OUTBOX_DIR"])[1:]}  # after the receipt
    assert set(by_address) == {"boende@example.org", "granne@example.org"}
    assert "/t/" in by_address["boende@example.org"].get_content()
    assert "/t/" not in by_address["granne@example.org"].get_content()
    assert f"/r/{report.reference}" in by_address["granne@example.org"].get_content()


def test_an_address_typed_into_many_reports_follows_only_a_few_of_them(client, app):
    """Attack round 4, finding 5: someone typing another person's address into many reports signed them up for
    every status mail of each. The reporter's own follow counts like a confirmation mail: five a day per address."""
    from webapp.reports import notify

    for _ in range(8):
        report, token = make_report(email="offer@example.org")
        notify.receipt(report, token)
    db.session.commit()
    assert db.session.execute(select(func.count(Follower.id))).scalar_one() == 5
    receipts = outbox_messages(app.config["MAIL_OUTBOX_DIR"])
    assert len(receipts) == 8 and sum("status ändras" in m.get_content() for m in receipts) == 5


def test_a_merged_reports_reporter_is_told_and_hears_when_the_other_report_is_fixed(client, app):
    """The fresh-user walk: the reporter of a report merged into another heard nothing, not even when the other
    was fixed."""
    from webapp.reports import notify

    kept, kept_token = make_report(email="forst@example.org")
    notify.receipt(kept, kept_token)
    merged, merged_token = make_report(email="sedan@example.org", locale="ar")
    notify.receipt(merged, merged_token)
    db.session.commit()
    outbox = app.config["MAIL_OUTBOX_DIR"]
    lifecycle.merge_reports(merged, kept, "officer")
    db.session.commit()
    told = outbox_messages(outbox)[-1]
    assert told["To"] == "sedan@example.org" and merged.reference in told["Subject"]
    lifecycle.change_status(kept, "fixed", "officer")
    db.session.commit()
    fixed = {m["To"] for m in outbox_messages(outbox)[-2:]}
    assert fixed == {"forst@example.org", "sedan@example.org"}
