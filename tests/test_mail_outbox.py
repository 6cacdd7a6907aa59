"""Mail is never lost (issue 22.4): the receipt waits in the outbox while the mail server is down and goes once
it is back, through `flask jobs work`, against a real SMTP server (aiosmtpd) on a free port."""
import logging
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.reports.test_views import submit
from tests.server import free_port
from webapp.extensions import db
from webapp.mail import OutgoingMail, outbox_messages, retry_delay, send_mail
from webapp.reports.models import Report
from webapp.timeutil import utcnow

aiosmtpd = pytest.importorskip("aiosmtpd", reason="aiosmtpd is in requirements.txt (pip install aiosmtpd==1.4.6)")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.handlers import Message  # noqa: E402


class Inbox(Message):
    """What the mail server received, as parsed messages."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def outbox_rows() -> list[OutgoingMail]:
    db.session.expire_all()
    return db.session.execute(select(OutgoingMail).order_by(OutgoingMail.id)).scalars().all()


def test_a_receipt_waits_while_the_mail_server_is_down_and_goes_once_it_is_back(client, app, caplog):
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    runner = app.test_cli_runner()

    # The mail server is not running: the report is stored all the same and its receipt waits.
    with caplog.at_level(logging.WARNING, logger="webapp.mail"):
        response = submit(client, email="Boende@Example.org")
    assert response.status_code == 302
    assert db.session.execute(select(func.count(Report.id))).scalar_one() == 1
    [waiting] = outbox_rows()
    assert waiting.status == "waiting" and waiting.attempts == 1 and waiting.last_error == "ConnectionRefusedError"
    assert f"Mail {waiting.id} not delivered" in caplog.text and "ConnectionRefusedError" in caplog.text
    assert "boende@example.org" not in caplog.text.lower()
    status = runner.invoke(args=["mail", "status"])
    assert status.exit_code == 0
    assert "1 waiting" in status.output and "ConnectionRefusedError" in status.output
    assert "@" not in status.output
    assert "mail outbox: 1 waiting" in runner.invoke(args=["jobs", "list"]).output

    # Before its retry time the worker leaves it alone; it has not been lost either.
    runner.invoke(args=["jobs", "work", "--once"])
    assert outbox_rows()[0].status == "waiting"

    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        # The minute until the retry has passed.
        db.session.execute(update(OutgoingMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        result = runner.invoke(args=["jobs", "work", "--once"])
        assert result.exit_code == 0, result.output
        deadline = time.monotonic() + 10
        while not controller.handler.messages and time.monotonic() < deadline:
            time.sleep(0.05)  # the server hands the message to its handler on its own thread
        runner.invoke(args=["jobs", "work", "--once"])  # a second round sends nothing again
    finally:
        controller.stop()

    [received] = controller.handler.messages
    report = db.session.execute(select(Report)).scalar_one()
    assert received["To"] == "boende@example.org" and report.reference in received["Subject"]
    assert re.search(r"http://trygghetskartan\.test/t/\S+", received.get_payload(decode=True).decode())
    [sent] = outbox_rows()
    assert sent.status == "sent" and sent.message is None  # the private link is not kept once delivered
    assert "0 waiting" in runner.invoke(args=["mail", "status"]).output


def test_a_mail_in_a_transaction_that_rolls_back_is_never_queued(app):
    from tests.factories import make_report

    report, _ = make_report()
    report.description = "Ändrad men aldrig sparad"  # work in progress in this transaction
    send_mail("granne@example.org", "Hej", "Texten")
    db.session.rollback()
    assert outbox_rows() == [] and outbox_messages(app.config["MAIL_OUTBOX_DIR"]) == []

    # The same mail with the work committed goes at once (the development outbox here) and is emptied.
    report.description = "Ändrad"
    send_mail("granne@example.org", "Hej", "Texten")
    db.session.commit()
    [written] = outbox_messages(app.config["MAIL_OUTBOX_DIR"])
    assert written["Subject"] == "Hej"
    [row] = outbox_rows()
    assert row.status == "sent" and row.message is None


def test_retries_grow_and_stop_growing_at_an_hour():
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert retry_delay(30) == timedelta(hours=1)


def test_a_mail_is_given_up_after_two_days_and_its_text_removed(app, caplog):
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    send_mail("granne@example.org", "Hej", "Texten med en privat länk")
    [row] = outbox_rows()
    db.session.execute(update(OutgoingMail).values(created_at=utcnow() - timedelta(hours=49),
                                                   next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    with caplog.at_level(logging.WARNING, logger="webapp.mail"):
        app.test_cli_runner().invoke(args=["jobs", "work", "--once"])
    [row] = outbox_rows()
    assert row.status == "failed" and row.message is None and row.last_error == "ConnectionRefusedError"
    assert f"Mail {row.id} given up" in caplog.text
    assert "1 given up" in app.test_cli_runner().invoke(args=["mail", "status"]).output


def test_a_mail_queued_inside_a_savepoint_goes_after_the_real_commit_not_when_the_savepoint_ends(app, caplog):
    """SQLAlchemy also says "after commit" when a savepoint is released; delivering then, on another connection,
    waited out SQLite's lock (10 s for a crew's "done") and logged the attempt as lost. It waits for the commit."""
    outbox = app.config["MAIL_OUTBOX_DIR"]
    with caplog.at_level(logging.WARNING, logger="webapp.mail"):
        with db.session.begin_nested():
            send_mail("boende@example.org", "Ämne", "Text")
        assert outbox_messages(outbox) == []  # the savepoint is released: nothing is sent yet
        db.session.commit()
    [sent] = outbox_messages(outbox)
    assert sent["Subject"] == "Ämne"
    [row] = outbox_rows()
    assert row.status == "sent" and row.attempts == 1
    assert "not recorded" not in caplog.text
