"""Names shown for a report's values, shared by the staff desk, campaigns and insights: where a report came from,
who outside the city it was referred to, and the choices of category and district."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from webapp.extensions import db
from webapp.geo.models import District
from webapp.reports.catalogue import active_categories, all_categories, departments
from webapp.reports.models import Category
from webapp.reports.presenters import category_name
from webapp.reports.status import STATUS_LABELS, Moderation, Source

SOURCE_LABELS = {
    Source.WEB: _l("Website"), Source.PHONE: _l("Phone"), Source.VISIT: _l("Visit"), Source.CAMPAIGN: _l("Campaign"),
    Source.INSTAGRAM: _l("Instagram"), Source.FIELD: _l("Field"), Source.POLICE: _l("Police"),
    Source.CONTRACTOR: _l("Contractor"), Source.CLEANING: _l("Cleaning staff"), Source.OPEN311: _l("Open311"),
}
MODERATION_LABELS = {Moderation.PENDING: _l("waiting for review"), Moderation.APPROVED: _l("approved"),
                     Moderation.REJECTED: _l("rejected")}
TIME_OF_DAY_LABELS = {"day": _l("day"), "evening": _l("evening"), "night": _l("night")}
KIND_LABELS = {"safety": _l("Safety walk"), "fault": _l("Fault report")}
# Who made a step, where it was not a member of staff (whose address is shown as it is).
ACTOR_LABELS = {"resident": _l("the resident"), "demo": _l("demo data"), "system": _l("the system")}


def actor_label(actor: str | None):
    return ACTOR_LABELS.get(actor, actor) if actor else actor
EXTERNAL_LABELS = {
    "trafikverket": _l("Trafikverket (state road)"),
    "property_owner": _l("Private property owner"),
    "housing_company": _l("Municipal housing company"),
    "other_authority": _l("Other authority"),
}


def category_choices(*, retired: bool = False) -> list[SelectChoice]:
    """The categories to choose from: residents and new reports get the active ones; staff filters (retired=True)
    every one, so that old reports in a retired category can still be found."""
    return [SelectChoice(c.key, category_name(c)) for c in (all_categories() if retired else active_categories())]


def department_choices(*, retired: bool = False) -> list[SelectChoice]:
    """The kommun's departments by code, as the database holds them; filters (retired=True) include retired ones."""
    return [SelectChoice(d.code, d.code) for d in departments(retired=retired)]


def district_choices() -> list[SelectChoice]:
    return [SelectChoice(d.id, d.name) for d in db.session.execute(select(District).order_by(District.name)).scalars()]


def value_label(name: str, value):
    """A report's stored value in words, for audit lines and exports: statuses, sources, referrals, times of day
    and photo decisions by their labels; anything else as it is."""
    if not isinstance(value, str):
        return value
    for labels in (STATUS_LABELS, SOURCE_LABELS, EXTERNAL_LABELS, TIME_OF_DAY_LABELS, MODERATION_LABELS, KIND_LABELS):
        if value in labels:
            return labels[value]
    return value


def export_words() -> dict:
    """What a spreadsheet writes for a report's coded values, in the reader's language: one lookup per column,
    built once per export (category names from the database). Codes stay only in columns named *_code."""
    names = {c.key: str(category_name(c)) for c in db.session.execute(select(Category)).scalars()}
    return {"category": names, "kind": {k: str(v) for k, v in KIND_LABELS.items()},
            "status": {k: str(v) for k, v in STATUS_LABELS.items()},
            "time_of_day": {k: str(v) for k, v in TIME_OF_DAY_LABELS.items()},
            "source": {k: str(v) for k, v in SOURCE_LABELS.items()}}


def worded(words: dict, column: str, value):
    return words.get(column, {}).get(value, value) if value is not None else value
