"""Outgoing e-mail: SMTP when MAIL_SERVER is set, otherwise .eml files in MAIL_OUTBOX_DIR (never lost)."""
from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from webapp.municipality import current_municipality

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> bool:
    """Send one plain-text mail (with extra `headers`, e.g. List-Unsubscribe). Returns False (and logs) when it
    could not be sent or written."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=f"trygghetskartan.{current_municipality().mail_domain}")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    try:
        if config["MAIL_SERVER"]:
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(message)
        else:
            outbox = Path(config["MAIL_OUTBOX_DIR"])
            outbox.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
            (outbox / f"{stamp}.eml").write_bytes(bytes(message))
        return True
    except (OSError, smtplib.SMTPException):
        log.exception("Could not send mail to a reporter (subject %r)", subject)
        return False


def outbox_messages(outbox_dir: str | Path) -> list[EmailMessage]:
    """The development outbox, oldest first (used by tests and the README walk-through)."""
    from email import policy
    from email.parser import BytesParser

    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in sorted(Path(outbox_dir).glob("*.eml"))]
