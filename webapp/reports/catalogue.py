"""What can be reported and what the site says: categories, their questions, the site message."""
from __future__ import annotations

import json
import re
import tomllib
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, column, func, select, table

from webapp import audit
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.i18n import localized
from webapp.reports.models import KIND_FAULT, KIND_SAFETY, WORK_KINDS, Category, Department, Report, SiteMessage
from webapp.timeutil import utcnow


def active_categories() -> list[Category]:
    return list(db.session.execute(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort_order, Category.id)
    ).scalars())


def all_categories() -> list[Category]:
    """Every category, the retired ones too (staff filters: old reports keep theirs)."""
    return list(db.session.execute(select(Category).order_by(Category.sort_order, Category.id)).scalars())


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
        raise InputRefused("texts", _l("Write the message in at least one language."))
    if expires_at <= utcnow():
        raise InputRefused("expires_at", _l("The end date must be in the future."))
    db.session.add(message)
    db.session.flush()
    audit.record("site_message", message.id, "created", actor, expires_at=expires_at.isoformat())
    db.session.flush()
    return message


def parse_extra_questions(text: str) -> list[dict]:
    """One question per line: code | Swedish | English | answer;answer;… (answers optional)."""
    questions = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 3 or not parts[0] or not parts[1]:
            raise InputRefused("extra_questions", _l("Line %(n)d: write code | Swedish | English.", n=number))
        code = parts[0].lower()
        if not code.replace("_", "").isalnum():
            raise InputRefused("extra_questions", _l("Line %(n)d: the code may only have letters, digits and _.",
                                                    n=number))
        values = [v.strip() for v in parts[3].split(";") if v.strip()] if len(parts) > 3 else []
        questions.append({
            "code": code, "label": {"sv": parts[1], "en": parts[2] or parts[1]},
            "datatype": "singlevaluelist" if values else "string", "required": False,
            "values": [{"key": str(i), "name": {"sv": v, "en": v}} for i, v in enumerate(values, start=1)],
        })
    return questions


def update_category(category: Category, actor: str, settings: dict) -> None:
    """Admins' category settings (the settings page): change_category with the questions written as text,
    flushed (the request commits)."""
    settings = dict(settings)
    settings["extra_questions"] = parse_extra_questions(settings.pop("extra_questions_text", ""))
    change_category(category, actor, settings)
    db.session.flush()


# Departments and categories as data a kommun adds, edits and retires (the admin pages, `flask categories` and
# `flask departments`). Nothing is deleted: a retired one is no longer offered, old reports keep it.

LANGUAGES = ("sv", "en", "ar")
KINDS = (KIND_SAFETY, KIND_FAULT)
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
# A department's audit events have entity id 0 (its key is a code, not a number) and name the code.
# The priorities table belongs to the work orders (a domain above this one): read here only to check a code.
_priority = table("priority", column("code", String))


def departments(*, retired: bool = True) -> list[Department]:
    query = select(Department).order_by(Department.code)
    if not retired:
        query = query.where(Department.active.is_(True))
    return list(db.session.execute(query).scalars())


def department_by_code(code: str) -> Department | None:
    return db.session.get(Department, (code or "").strip())


def category_by_any_key(key: str) -> Category | None:
    """The category with this key, retired or not."""
    return db.session.execute(select(Category).where(Category.key == (key or "").strip())).scalar_one_or_none()


def icon_names() -> list[str]:
    """The icons a category may have: the SVG files of the site's icon set."""
    return sorted(p.stem for p in (Path(current_app.static_folder) / "img" / "icons").glob("*.svg"))


def _texts(value, field: str, *, required: tuple[str, ...] = (), limit: int = 500) -> dict:
    """{language: text} for the site's languages, stripped; the required ones must be there."""
    if value is None:
        value = {}
    if not isinstance(value, dict) or any(not isinstance(v, str) for v in value.values()):
        raise InputRefused(field, _l("Give the texts per language (sv, en, ar)."))
    unknown = set(value) - set(LANGUAGES)
    if unknown:
        raise InputRefused(field, _l("Unknown language: %(codes)s.", codes=", ".join(sorted(unknown))))
    texts = {lang: value[lang].strip() for lang in LANGUAGES if value.get(lang, "").strip()}
    for lang in required:
        if lang not in texts:
            raise InputRefused(field, _l("The text in %(lang)s is missing.", lang=lang))
    if any(len(text) > limit for text in texts.values()):
        raise InputRefused(field, _l("At most %(n)d characters.", n=limit))
    return texts


def _merge_texts(old: dict | None, new: dict) -> dict:
    """The new texts over the old: a language a form or file leaves out keeps its text."""
    return {**(old or {}), **new}


def change_department(department: Department | None, actor: str, *, code: str | None = None,
                      names: dict | None = None, active: bool | None = None) -> Department:
    """Add a department (department None) or change its names or whether it is active; flushes. A department
    is never deleted: retired, it keeps its reports, work orders and accounts but is not offered for new ones.
    Refuses to retire one that an active category still sends its reports to."""
    if department is None:
        code = (code or "").strip()
        if not _CODE.match(code):
            raise InputRefused("code", _l("The code may have letters, digits, - and _, at most 20."))
        if department_by_code(code) is not None:
            raise InputRefused("code", _l("There is already a department with that code."))
        department = Department(code=code, names=_texts(names, "names", required=("sv",), limit=120), active=True)
        db.session.add(department)
        db.session.flush()
        audit.record("department", 0, "created", actor, code=code)
    changes = {}
    if names is not None and department.names != _merge_texts(department.names,
                                                               _texts(names, "names", required=("sv",), limit=120)):
        changes["names"] = [department.names, _merge_texts(department.names, _texts(names, "names", limit=120))]
        department.names = changes["names"][1]
    if active is not None and active != department.active:
        if not active and db.session.execute(select(func.count(Category.id)).where(
                Category.department_code == department.code, Category.active.is_(True))).scalar_one():
            raise InputRefused("active", _l("Active categories still go to this department: move or retire them "
                                           "first."))
        changes["active"] = [department.active, active]
        department.active = active
    if changes:
        audit.record("department", 0, "updated", actor, code=department.code, **changes)
    db.session.flush()
    return department


CATEGORY_FIELDS = ("kind", "names", "descriptions", "icon", "department_code", "notice", "extra_questions",
                   "default_priority", "duplicate_radius_m", "positive", "active", "sort_order", "work_kind")


def _category_values(settings: dict, *, new: bool) -> dict:
    """The settings checked one by one; raises InputRefused naming the field."""
    values = {}
    if "kind" in settings or new:
        if not isinstance(settings.get("kind"), str) or settings["kind"] not in KINDS:
            raise InputRefused("kind", _l("Choose whether it is a safety or a fault category."))
        values["kind"] = settings["kind"]
    if "names" in settings or new:
        values["names"] = _texts(settings.get("names"), "names", required=("sv", "en"), limit=100)
    if "descriptions" in settings or new:
        values["descriptions"] = _texts(settings.get("descriptions"), "descriptions")
    if "notice" in settings:
        values["notice"] = _texts(settings.get("notice"), "notice") or None
    if "icon" in settings or new:
        if not isinstance(settings.get("icon"), str) or settings["icon"] not in icon_names():
            raise InputRefused("icon", _l("Choose an icon from the site's icon set."))
        values["icon"] = settings["icon"]
    if "department_code" in settings:
        code = settings.get("department_code") or None
        if code is not None:
            if not isinstance(code, str):
                raise InputRefused("department", _l("Unknown department."))
            department = department_by_code(code)
            if department is None:
                raise InputRefused("department", _l("Unknown department."))
        values["department_code"] = code
    if "default_priority" in settings:
        if not isinstance(settings["default_priority"], str) or not db.session.execute(select(_priority.c.code).where(
                _priority.c.code == settings["default_priority"])).first():
            raise InputRefused("default_priority", _l("Unknown priority."))
        values["default_priority"] = settings["default_priority"]
    if "duplicate_radius_m" in settings:
        radius = settings["duplicate_radius_m"]
        if not isinstance(radius, int) or isinstance(radius, bool) or not 5 <= radius <= 500:
            raise InputRefused("duplicate_radius_m", _l("Between 5 and 500 metres."))
        values["duplicate_radius_m"] = radius
    for flag in ("positive", "active"):
        if flag in settings:
            if not isinstance(settings[flag], bool):
                raise InputRefused(flag, _l("Yes or no (true or false)."))
            values[flag] = settings[flag]
    if "extra_questions" in settings:
        questions = settings["extra_questions"] or None
        if questions is not None and (not isinstance(questions, list)
                                      or not all(isinstance(q, dict) and q.get("code") and isinstance(q.get("label"), dict)
                                                 for q in questions)):
            raise InputRefused("extra_questions", _l("Each question needs a code and a label per language."))
        values["extra_questions"] = questions
    if "sort_order" in settings:
        if not isinstance(settings["sort_order"], int) or isinstance(settings["sort_order"], bool):
            raise InputRefused("sort_order", _l("A whole number."))
        values["sort_order"] = settings["sort_order"]
    if "work_kind" in settings:
        if settings["work_kind"] and (not isinstance(settings["work_kind"], str)
                                      or settings["work_kind"] not in WORK_KINDS):
            raise InputRefused("work_kind", _l("Unknown kind of work."))
        values["work_kind"] = settings["work_kind"] or None
    return values


def create_category(key: str, actor: str, settings: dict) -> Category:
    """Add a category: a key (lower-case letters, digits and _), its kind, names in sv and en (ar too for the
    residents who read Arabic), descriptions, an icon of the set, a department, the rest optional. Flushes."""
    key = (key or "").strip()
    if not _KEY.match(key):
        raise InputRefused("key", _l("The key may have lower-case letters, digits and _, starting with a letter."))
    if category_by_any_key(key) is not None:
        raise InputRefused("key", _l("There is already a category with that key."))
    values = _category_values(settings, new=True)
    if "sort_order" not in values:
        values["sort_order"] = (db.session.execute(select(func.max(Category.sort_order))).scalar() or 0) + 1
    category = Category(key=key, **{"active": True, "duplicate_radius_m": 50, "default_priority": "normal",
                                    "positive": False, **values})
    db.session.add(category)
    db.session.flush()
    audit.record("category", category.id, "created", actor, key=key)
    return category


def change_category(category: Category, actor: str, settings: dict) -> dict:
    """Change a category's settings (only those given); texts in a language left out are kept. Retiring it
    (active False) hides it from residents and new reports; its reports keep it. Flushes; returns the changes."""
    values = _category_values(settings, new=False)
    for name in ("names", "descriptions"):
        if name in values:
            values[name] = _merge_texts(getattr(category, name), values[name])
    changes = {name: value for name, value in values.items() if getattr(category, name) != value}
    for name, value in changes.items():
        setattr(category, name, value)
    if changes:
        audit.record("category", category.id, "retired" if changes.get("active") is False else "updated", actor,
                     key=category.key, fields=sorted(changes))
    db.session.flush()
    return changes


def reports_in_category(category: Category) -> int:
    return db.session.execute(select(func.count(Report.id)).where(Report.category_id == category.id)).scalar_one()


def read_catalogue_file(path: str | Path) -> dict:
    """A kommun's departments and categories from a TOML or JSON file (docs/categories.md shows the format)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise InputRefused("file", f"{path.name}: {exc}") from None
    if not isinstance(data, dict) or not set(data) <= {"departments", "categories"}:
        raise InputRefused("file", f"{path.name}: expected the tables [[departments]] and [[categories]] only")
    return data


def load_catalogue(data: dict, actor: str, *, categories: bool = True) -> dict:
    """Add or update in place, by code and key, the departments (and, unless categories=False, the categories) of
    a catalogue file's data. Loading the same data twice changes nothing the second time. Nothing is deleted or
    retired by leaving it out. Flushes; on an error (InputRefused naming the entry) the caller rolls back.
    Returns {"departments": {"created": n, "updated": n, "unchanged": n}, "categories": {...}}."""
    summary = {"departments": {"created": 0, "updated": 0, "unchanged": 0},
               "categories": {"created": 0, "updated": 0, "unchanged": 0}}
    sections = ("departments", "categories") if categories else ("departments",)
    for section in sections:
        entries = data.get(section) or []
        if not isinstance(entries, list):
            raise InputRefused(section, f"{section}: expected a list")
        for number, entry in enumerate(entries, start=1):
            name = (entry or {}).get("code" if section == "departments" else "key") if isinstance(entry, dict) else None
            try:
                summary[section][_load_entry(section, entry, actor)] += 1
            except InputRefused as exc:
                raise InputRefused(exc.field, f"{section} #{number} ({name or '?'}), {exc.field}: {exc.message}") from None
    return summary


def _load_entry(section: str, entry, actor: str) -> str:
    if not isinstance(entry, dict):
        raise InputRefused("entry", "expected a table of settings")
    if not isinstance(entry.get("code" if section == "departments" else "key", ""), str):
        raise InputRefused("entry", "the code or key must be text")
    if section == "departments":
        unknown = set(entry) - {"code", "names", "active"}
        if unknown:
            raise InputRefused("entry", f"unknown settings {sorted(unknown)}")
        department = department_by_code(entry.get("code", ""))
        if department is None:
            department = change_department(None, actor, code=entry.get("code"), names=entry.get("names"))
            if entry.get("active") is False:
                change_department(department, actor, active=False)
            return "created"
        before = (dict(department.names), department.active)
        change_department(department, actor, names=entry.get("names"), active=entry.get("active"))
        return "unchanged" if before == (department.names, department.active) else "updated"
    settings = dict(entry)
    key = settings.pop("key", "")
    if "department" in settings:
        settings["department_code"] = settings.pop("department")
    if "questions" in settings:
        settings["extra_questions"] = settings.pop("questions")
    unknown = set(settings) - set(CATEGORY_FIELDS)
    if unknown:
        raise InputRefused("entry", f"unknown settings {sorted(unknown)}")
    category = category_by_any_key(key)
    if category is None:
        create_category(key, actor, settings)
        return "created"
    return "updated" if change_category(category, actor, settings) else "unchanged"
