"""What can be reported and what the site says: categories, their questions, the site message."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp import audit
from webapp.errors import ReportError
from webapp.extensions import db
from webapp.i18n import localized
from webapp.reports.models import Category, SiteMessage
from webapp.timeutil import utcnow


def active_categories() -> list[Category]:
    return list(db.session.execute(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort_order, Category.id)
    ).scalars())


def all_category_names() -> dict[str, dict]:
    """Every category's names by key, the inactive ones too (old reports keep theirs)."""
    return dict(db.session.execute(select(Category.key, Category.names)).all())


def category_by_key(key: str) -> Category | None:
    return db.session.execute(
        select(Category).where(Category.key == key, Category.active.is_(True))
    ).scalar_one_or_none()


def current_site_message() -> str:
    """The text of the newest site message that has not expired, in the current language."""
    message = db.session.execute(
        select(SiteMessage).where(SiteMessage.expires_at > utcnow()).order_by(SiteMessage.id.desc()).limit(1)
    ).scalar_one_or_none()
    return localized(message.texts) if message else ""


def set_site_message(texts: dict, expires_at: datetime, actor: str):
    message = SiteMessage(texts={k: v.strip() for k, v in texts.items() if v and v.strip()},
                          expires_at=expires_at, created_by=actor)
    if not message.texts:
        raise ReportError("texts", _l("Write the message in at least one language."))
    if expires_at <= utcnow():
        raise ReportError("expires_at", _l("The end date must be in the future."))
    db.session.add(message)
    db.session.flush()
    audit.record("site_message", message.id, "created", actor, expires_at=expires_at.isoformat())
    db.session.commit()
    return message


def parse_extra_questions(text: str) -> list[dict]:
    """One question per line: code | Swedish | English | answer;answer;… (answers optional)."""
    questions = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 3 or not parts[0] or not parts[1]:
            raise ReportError("extra_questions", _l("Line %(n)d: write code | Swedish | English.", n=number))
        code = parts[0].lower()
        if not code.replace("_", "").isalnum():
            raise ReportError("extra_questions", _l("Line %(n)d: the code may only have letters, digits and _.",
                                                    n=number))
        values = [v.strip() for v in parts[3].split(";") if v.strip()] if len(parts) > 3 else []
        questions.append({
            "code": code, "label": {"sv": parts[1], "en": parts[2] or parts[1]},
            "datatype": "singlevaluelist" if values else "string", "required": False,
            "values": [{"key": str(i), "name": {"sv": v, "en": v}} for i, v in enumerate(values, start=1)],
        })
    return questions


def update_category(category: Category, actor: str, settings: dict) -> None:
    """Admins' category settings: names, notice, department, default priority, duplicate radius, questions."""
    category.extra_questions = parse_extra_questions(settings.pop("extra_questions_text", ""))
    for key, value in settings.items():
        setattr(category, key, value)
    audit.record("category", category.id, "updated", actor, key=category.key)
    db.session.commit()
