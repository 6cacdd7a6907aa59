"""Open311 rules: API keys, the mapping of our reports and categories to GeoReport v2, and its dates."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import select

from webapp.extensions import db
from webapp.reports.labels import KIND_LABELS
from webapp.reports.models import KIND_SAFETY, Category, Report, StatusChange
from webapp.reports.status import OPEN_STATUSES, ReportStatus
from webapp.timeutil import EARLIEST_DAY, LATEST_DAY, as_utc, instant_in_range, utcnow

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEFAULT_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000

# The richer statuses FixMyStreet reads from the updates extension.
FMS_STATUS = {
    ReportStatus.RECEIVED: "OPEN", ReportStatus.CONFIRMED: "INVESTIGATING", ReportStatus.PLANNED: "ACTION_SCHEDULED",
    ReportStatus.IN_PROGRESS: "IN_PROGRESS", ReportStatus.FIXED: "FIXED", ReportStatus.CLOSED: "CLOSED",
    ReportStatus.REFERRED: "NOT_COUNCILS_RESPONSIBILITY", ReportStatus.DUPLICATE: "DUPLICATE",
}
SAFETY_ATTRIBUTES = [
    {"code": "time_of_day", "description": {"sv": "När känns det otryggt?", "en": "When does it feel unsafe?"},
     "values": [("day", {"sv": "Dagtid", "en": "Daytime"}), ("evening", {"sv": "Kväll", "en": "Evening"}),
                ("night", {"sv": "Natt", "en": "Night"})]},
    {"code": "safety_rating", "description": {"sv": "Hur tryggt känns det? (1 = mycket otryggt, 5 = mycket tryggt)",
                                              "en": "How safe does it feel? (1 = very unsafe, 5 = very safe)"},
     "values": [(str(n), {"sv": str(n), "en": str(n)}) for n in range(1, 6)]},
]


class Open311Error(Exception):
    """An error in the specification's form: an HTTP status and a description."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def w3c(value: datetime | None) -> str | None:
    """W3C date-time with the Stockholm offset, e.g. 2019-03-01T18:30:00+01:00."""
    if value is None:
        return None
    return as_utc(value).astimezone(STOCKHOLM).replace(microsecond=0).isoformat()


def parse_w3c(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise Open311Error(400, f"{name} is not a valid W3C date-time, e.g. 2019-03-01T18:30:00+01:00") from None
    if not instant_in_range(parsed):  # checked before any arithmetic: year 1 at +14:00 has no UTC
        raise Open311Error(400, f"{name} must lie between {EARLIEST_DAY.year} and {LATEST_DAY.year}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=STOCKHOLM)
    return parsed.astimezone(timezone.utc)


def active_categories() -> list[Category]:
    return list(db.session.execute(select(Category).where(Category.active.is_(True))
                                   .order_by(Category.sort_order)).scalars())


def category_for_code(code: str | None) -> Category | None:
    if not code:
        return None
    return db.session.execute(select(Category).where(Category.key == code, Category.active.is_(True))
                              ).scalar_one_or_none()


def has_metadata(category: Category) -> bool:
    return category.kind == KIND_SAFETY or bool(category.extra_questions)


def kind_name(kind: str, lang: str) -> str:
    """The service group in the asker's language ("Trygghetsvandring", "Safety walk"), from the kinds' labels."""
    with force_locale(lang):
        return str(KIND_LABELS.get(kind, kind))


def service(category: Category, lang: str) -> dict:
    return {
        "service_code": category.key,
        "service_name": category.names.get(lang) or category.names["sv"],
        "description": (category.descriptions or {}).get(lang) or (category.descriptions or {}).get("sv", ""),
        "metadata": has_metadata(category),
        "type": "realtime",
        "keywords": ",".join(filter(None, [category.key.replace("_", " "), category.kind])),
        "group": kind_name(category.kind, lang),
    }


def service_definition(category: Category, lang: str) -> dict:
    attributes = []
    order = 1
    if category.kind == KIND_SAFETY:
        for attribute in SAFETY_ATTRIBUTES:
            attributes.append({
                "variable": True, "code": attribute["code"], "datatype": "singlevaluelist", "required": False,
                "datatype_description": "", "order": order,
                "description": attribute["description"].get(lang) or attribute["description"]["sv"],
                "values": [{"key": key, "name": names.get(lang) or names["sv"]} for key, names in attribute["values"]],
            })
            order += 1
    for question in category.extra_questions or []:
        values = [{"key": v["key"], "name": v["name"].get(lang) or v["name"]["sv"]} for v in question.get("values", [])]
        attributes.append({
            "variable": True, "code": question["code"], "datatype": "singlevaluelist" if values else "string",
            "required": bool(question.get("required")), "datatype_description": "", "order": order,
            "description": question["label"].get(lang) or question["label"]["sv"], "values": values,
        })
        order += 1
    return {"service_code": category.key, "attributes": attributes}


def find_requests(*, ids: list[str] | None = None, service_codes: list[str] | None = None,
                  start: datetime | None = None, end: datetime | None = None,
                  statuses: list[str] | None = None) -> list[Report]:
    """Public requests as the specification filters them: ids win over every other filter; without dates a
    90-day window; at most 1000, newest first."""
    query = select(Report).join(Category, Category.id == Report.category_id).where(Report.hidden.is_(False))
    if ids:
        query = query.where(Report.reference.in_([i.strip().upper() for i in ids if i.strip()]))
    else:
        if service_codes:
            query = query.where(Category.key.in_(service_codes))
        if start is None and end is None:
            start = utcnow() - DEFAULT_WINDOW
        if start is not None:
            query = query.where(Report.created_at >= start)
        if end is not None:
            query = query.where(Report.created_at <= end)
        if statuses:
            wanted = set(statuses)
            if wanted - {"open", "closed"}:
                raise Open311Error(400, "status must be open, closed or both (comma-separated)")
            if wanted == {"open"}:
                query = query.where(Report.status.in_(OPEN_STATUSES))
            elif wanted == {"closed"}:
                query = query.where(Report.status.not_in(OPEN_STATUSES))
    return list(db.session.execute(query.order_by(Report.created_at.desc()).limit(MAX_REQUESTS)).scalars())


def updates_between(start: datetime | None, end: datetime | None) -> list[tuple[StatusChange, Report]]:
    start = start or utcnow() - timedelta(days=1)
    query = (select(StatusChange, Report).join(Report, Report.id == StatusChange.report_id)
             .where(Report.hidden.is_(False), StatusChange.created_at >= start))
    if end is not None:
        query = query.where(StatusChange.created_at <= end)
    return list(db.session.execute(query.order_by(StatusChange.id).limit(MAX_REQUESTS)).all())


def by_client_token(token: str) -> Report | None:
    return db.session.execute(select(Report).where(Report.client_token == token)).scalar_one_or_none()
