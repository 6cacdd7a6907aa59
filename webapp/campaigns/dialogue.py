"""The citizen dialogue (annex 3, "medborgardialog" → "medborgarlöfte"): a campaign of kind "dialogue" asks its own
questions; residents answer anonymously, optionally with gender, age group and housing form; staff follow the
representation against the kommun's population while it runs, enter answers from physical meetings, read and tag
the results, and record the citizen promise that came of it with its actions.

Every count of respondents split by gender, age group or housing form goes through the disclosure rule
(webapp/disclosure.py). Services flush; the request or command commits."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from shapely.geometry import Point
from sqlalchemy import select

from webapp import audit, disclosure
from webapp.campaigns.models import (
    Campaign,
    CitizenPromise,
    DialogueAnswer,
    DialogueQuestion,
    DialogueResponse,
    PromiseAction,
)
from webapp.campaigns.services import AGE_GROUPS, GENDERS, area_shape, is_open
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.municipality import current_municipality
from webapp.reports.models import Department
from webapp.textclean import clean_text
from webapp.timeutil import local_date, local_today

KIND = "dialogue"
QUESTION_KINDS = {"text": _l("Free text"), "one": _l("One choice"), "several": _l("Several choices"),
                  "scale": _l("Scale 1–5"), "place": _l("Place on the map")}
HOUSING_FORMS = {"rental": _l("Rented flat (hyresrätt)"), "tenant_owned": _l("Tenant-owned flat (bostadsrätt)"),
                 "owned": _l("Own house (äganderätt, villa)"), "other": _l("Other housing"),
                 "undisclosed": _l("Prefer not to say")}
CHANNELS = {"web": _l("Answered on the web"), "meeting": _l("Collected at a meeting")}
ACTION_STATUSES = {"planned": _l("Planned"), "in_progress": _l("In progress"), "done": _l("Carried out")}
LANGUAGES = ("sv", "en", "ar")
ATTRIBUTES = (("gender", GENDERS), ("age_group", AGE_GROUPS), ("housing", HOUSING_FORMS))
MAX_TEXT = 2000
MAX_QUESTIONS = 30
# A group is named under-represented when its share of the respondents is below this part of its share of the
# population (0.8: a fifth short).
UNDER_REPRESENTED = 0.8


def is_dialogue(campaign: Campaign | None) -> bool:
    return campaign is not None and campaign.kind == KIND


def questions(campaign: Campaign) -> list[DialogueQuestion]:
    return list(db.session.execute(select(DialogueQuestion).where(DialogueQuestion.campaign_id == campaign.id)
                                   .order_by(DialogueQuestion.position, DialogueQuestion.id)).scalars())


@dataclass
class QuestionInput:
    kind: str
    text: dict = field(default_factory=dict)          # {lang: text}
    options: dict = field(default_factory=dict)       # {lang: [choice, …]} (one or several)


def add_question(campaign: Campaign, data: QuestionInput, actor: str) -> DialogueQuestion:
    """A new question at the end of the dialogue. The Swedish text is required; a choice question has 2–12
    choices, given in Swedish and, where other languages are given, as many in each."""
    if not is_dialogue(campaign):
        raise InputRefused("campaign", _l("Only a dialogue has questions."))
    if data.kind not in QUESTION_KINDS:
        raise InputRefused("kind", _l("Choose the kind of question."))
    text = {lang: (data.text.get(lang) or "").strip() for lang in LANGUAGES if (data.text.get(lang) or "").strip()}
    if not text.get("sv"):
        raise InputRefused("text_sv", _l("Write the question in Swedish."))
    options = []
    if data.kind in ("one", "several"):
        lines = {lang: [line.strip() for line in (data.options.get(lang) or []) if line.strip()] for lang in LANGUAGES}
        if not 2 <= len(lines["sv"]) <= 12:
            raise InputRefused("options_sv", _l("Give 2 to 12 choices in Swedish, one per line."))
        for lang in ("en", "ar"):
            if lines[lang] and len(lines[lang]) != len(lines["sv"]):
                raise InputRefused(f"options_{lang}", _l("Give as many choices in each language, in the same order."))
        options = [{lang: lines[lang][i] for lang in LANGUAGES if lines[lang]} for i in range(len(lines["sv"]))]
    existing = questions(campaign)
    if len(existing) >= MAX_QUESTIONS:
        raise InputRefused("kind", _l("A dialogue has at most %(n)d questions.", n=MAX_QUESTIONS))
    question = DialogueQuestion(campaign_id=campaign.id, kind=data.kind, text=text, options=options,
                                position=(existing[-1].position + 1) if existing else 1)
    db.session.add(question)
    db.session.flush()
    audit.record("campaign", campaign.id, "question_added", actor, question=question.id)
    db.session.flush()
    return question


def remove_question(campaign: Campaign, question_id: int | None, actor: str) -> None:
    """Remove a question nobody has answered yet (answers given stay with their question)."""
    question = db.session.get(DialogueQuestion, question_id or 0)
    if question is None or question.campaign_id != campaign.id:
        raise InputRefused("question_id", _l("Choose a question of this dialogue."))
    if db.session.execute(select(DialogueAnswer.id).where(DialogueAnswer.question_id == question.id)).first():
        raise InputRefused("question_id", _l("This question has answers already and cannot be removed."))
    db.session.delete(question)
    db.session.flush()
    audit.record("campaign", campaign.id, "question_removed", actor, question=question_id)
    db.session.flush()


# Answering

@dataclass
class Answered:
    """What one person answered, read from the form (the question's id as key) before it is checked."""
    values: dict = field(default_factory=dict)   # question id -> str | list[str]
    gender: str | None = None
    age_group: str | None = None
    housing: str | None = None


def _option(value) -> bool:
    """A choice as the form sends it: its number, in ASCII digits ("²" is a digit to str.isdigit, not to int)."""
    return isinstance(value, str) and re.fullmatch(r"[0-9]{1,3}", value) is not None


def problems(campaign: Campaign, answered: Answered) -> list[tuple[str, object]]:
    """Every problem with an answer, as (field name, message), in the questions' order: an unknown choice, a scale
    value outside 1–5, a text too long, a place outside the dialogue's area, nothing answered at all."""
    found, given = [], 0
    for question in questions(campaign):
        name = f"q{question.id}"
        value = answered.values.get(question.id)
        if question.kind == "several":
            chosen = [v for v in (value or []) if v != ""]
            if any(not _option(v) or int(v) >= len(question.options) for v in chosen):
                found.append((name, _l("Choose among the answers given.")))
            given += bool(chosen)
        elif question.kind == "one":
            if value and (not _option(value) or int(value) >= len(question.options)):
                found.append((name, _l("Choose among the answers given.")))
            given += bool(value)
        elif question.kind == "scale":
            if value and value not in ("1", "2", "3", "4", "5"):
                found.append((name, _l("Choose a value from 1 to 5.")))
            given += bool(value)
        elif question.kind == "place":
            lat, lon, words = (value or ("", "", ""))
            if lat or lon:
                try:
                    point = Point(float(lon), float(lat))
                except ValueError:
                    point = None
                if point is None or not area_shape(campaign).buffer(0.002).contains(point):
                    found.append((name, _l("That place is outside the area of the dialogue. Choose a place "
                                           "inside it, or describe the place in words.")))
            if len(words or "") > MAX_TEXT:
                found.append((name, _l("Write at most %(n)d characters.", n=MAX_TEXT)))
            given += bool(lat or lon or (words or "").strip())
        else:
            if len(value or "") > MAX_TEXT:
                found.append((name, _l("Write at most %(n)d characters.", n=MAX_TEXT)))
            given += bool((value or "").strip())
    for name, labels in ATTRIBUTES:
        value = getattr(answered, name)
        if value and value not in labels:
            found.append((name, _l("Choose one of the answers given.")))
    if not given and not found:
        found.append(("answers", _l("Answer at least one question.")))
    return found


def submit_response(campaign: Campaign, answered: Answered, *, channel: str = "web", actor: str = "resident",
                    today: date | None = None) -> DialogueResponse:
    """Store one person's answers, anonymously: no contact, no address, only the optional gender, age group and
    housing form. The dialogue must be open for answers on the web; staff may enter a meeting's answers at any
    time (marked as collected at a meeting). Raises InputRefused with the first problem."""
    if not is_dialogue(campaign):
        raise InputRefused("campaign", _l("This is not a dialogue."))
    if channel not in CHANNELS:
        raise InputRefused("channel", _l("Choose one of the answers given."))
    if channel == "web" and not is_open(campaign, today):
        raise InputRefused("campaign", _l("This dialogue is closed."))
    found = problems(campaign, answered)
    if found:
        raise InputRefused(*found[0])
    response = DialogueResponse(campaign_id=campaign.id, channel=channel,
                                entered_by=actor if channel == "meeting" else "",
                                gender=answered.gender or None, age_group=answered.age_group or None,
                                housing=answered.housing or None)
    db.session.add(response)
    for question in questions(campaign):
        value = answered.values.get(question.id)
        answer = DialogueAnswer(question_id=question.id, text="", choices=[], themes=[])
        if question.kind == "several":
            answer.choices = sorted({int(v) for v in (value or []) if v != ""})
            keep = bool(answer.choices)
        elif question.kind == "one":
            answer.choices = [int(value)] if value else []
            keep = bool(value)
        elif question.kind == "scale":
            answer.scale = int(value) if value else None
            keep = bool(value)
        elif question.kind == "place":
            lat, lon, words = value or ("", "", "")
            if lat and lon:
                answer.lat, answer.lon = round(float(lat), 6), round(float(lon), 6)
            answer.text = clean_text(words or "").strip()
            keep = answer.lat is not None or bool(answer.text)
        else:
            answer.text = clean_text(value or "").strip()
            keep = bool(answer.text)
        if keep:
            response.answers.append(answer)
    db.session.flush()
    if channel == "meeting":
        audit.record("campaign", campaign.id, "meeting_answers_entered", actor)
        db.session.flush()
    return response


# Representation

@dataclass(frozen=True)
class Population:
    figures: dict          # attribute -> {group: people}
    year: int | None
    invented: bool
    source: str


@lru_cache(maxsize=8)
def _read_population(path: str) -> Population | None:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        figures = {name: {k: int(v) for k, v in data["population"].get(name, {}).items()} for name, _ in ATTRIBUTES}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return Population(figures, data.get("year"), bool(data.get("invented")), str(data.get("source") or ""))


def population() -> Population | None:
    """The kommun's population by gender, age group and housing form (its population_file), None without one."""
    path = current_municipality().population_file
    return _read_population(str(path)) if path else None


def representation(campaign: Campaign, today: date | None = None) -> dict:
    """The respondents by gender, age group and housing form beside the population's shares, through the
    disclosure rule: counted up to the dialogue's last release block (whole blocks of at least the threshold of
    respondents who answered any of the three), each one-way table suppressed with the total published, so a
    group of 1–4 respondents is never shown nor follows by subtraction. `too_small` until the first block.
    `under_represented` names, per attribute, the groups whose share of those who answered is below
    UNDER_REPRESENTED of their share of the population (a hidden figure counts as under-represented when even the
    most it can hold by what is shown would be, so that the missing voices are named without giving a number)."""
    today = today or local_today()
    rows = db.session.execute(select(DialogueResponse.created_at, DialogueResponse.gender,
                                     DialogueResponse.age_group, DialogueResponse.housing)
                              .where(DialogueResponse.campaign_id == campaign.id)).all()
    people = population()
    respondents = len(rows)
    # Each table has its own release blocks, of respondents who gave that table a real answer ("prefer not to
    # say" and nothing do not count): a block of people who mostly declined cannot carry one real answer.
    days = [disclosure.release_day(Counter(local_date(r[0]) for r in rows if r[index] and r[index] != "undisclosed"),
                                   today) for index in range(1, len(ATTRIBUTES) + 1)]
    day = max((d for d in days if d is not None), default=None)
    base = {"respondents": respondents, "population": people, "counted_until": day, "attributes": [],
            "under_represented": [], "too_small": day is None, "counted": None}
    base["meeting"] = db.session.execute(select(db.func.count(DialogueResponse.id)).where(
        DialogueResponse.campaign_id == campaign.id, DialogueResponse.channel == "meeting")).scalar_one()
    if day is None:
        return base
    figures = disclosure.kept_release(f"dialogue-representation:{campaign.id}", day,
                                      lambda: _representation_figures(rows, days))
    limit = disclosure.threshold()
    for (name, labels), table in zip(ATTRIBUTES, figures["tables"]):
        answered = table["answered"]
        shares = (people.figures.get(name) if people else None) or {}
        everyone = sum(shares.values())
        groups = []
        # What the hidden groups hold together: the most any one of them can hold, by what is shown.
        hidden_at_most = answered - sum(n for _k, n in table["groups"] if n is not None)
        for key, shown in table["groups"]:
            expected = shares[key] / everyone if everyone and key in shares else None
            share = shown / answered if shown is not None and answered else None
            if expected is None or not answered:
                under = False
            elif share is not None:
                under = share < UNDER_REPRESENTED * expected
            else:
                under = min(limit - 1, hidden_at_most) / answered < UNDER_REPRESENTED * expected
            groups.append({"key": key, "label": labels[key], "count": shown,
                           "share": round(100 * share, 1) if share is not None else None,
                           "population_share": round(100 * expected, 1) if expected is not None else None,
                           "under": under})
        base["attributes"].append({"name": name, "answered": answered, "not_answered": table["not_answered"],
                                   "groups": groups})
        base["under_represented"] += [g for g in groups if g["under"]]
    base["counted"] = figures["counted"]
    return base


def _representation_figures(rows, days) -> dict:
    """The suppressed one-way tables as plain values (kept as a release's figures), each counted up to its own
    release day and shown rounded to the threshold (5): one more respondent moves no figure by one."""
    tables = []
    counted_all = 0
    for index, ((name, labels), day) in enumerate(zip(ATTRIBUTES, days), start=1):
        keys = [k for k in labels if k != "undisclosed"]
        counted = [r for r in rows if day is not None and local_date(r[0]) <= day]
        counted_all = max(counted_all, len(counted))
        counts = Counter(r[index] for r in counted if r[index] in keys)
        answered = sum(counts.values())
        # One column: its total is the table's total, so both are published (else hiding the column total
        # would let a hidden group follow from the published total).
        shown = disclosure.suppress([[counts.get(k, 0)] for k in keys], published=("total", "columns"))
        tables.append({"answered": disclosure.rounded(shown.total) if answered else 0,
                       "not_answered": disclosure.rounded(len(counted) - answered),
                       "groups": [[k, disclosure.rounded(shown.cells[i][0])] for i, k in enumerate(keys)]})
    return {"counted": disclosure.rounded(counted_all), "tables": tables}


# Results

def responses(campaign: Campaign) -> list[DialogueResponse]:
    return list(db.session.execute(select(DialogueResponse).where(DialogueResponse.campaign_id == campaign.id)
                                   .order_by(DialogueResponse.created_at, DialogueResponse.id)).scalars())


def results(campaign: Campaign, search: str = "", theme: str = "") -> dict:
    """Per question: how many answered, the count of each choice and of each scale value, the mean of the scale,
    the texts (those containing `search`, case-insensitive, and tagged with `theme` when given), and the places.
    Not split by who answered: those counts go through representation()."""
    found = questions(campaign)
    answers = list(db.session.execute(select(DialogueAnswer).join(DialogueResponse)
                                      .where(DialogueResponse.campaign_id == campaign.id)
                                      .order_by(DialogueAnswer.id)).scalars())
    by_question: dict[int, list[DialogueAnswer]] = {}
    for answer in answers:
        by_question.setdefault(answer.question_id, []).append(answer)
    needle = search.strip().casefold()
    out = []
    for question in found:
        given = by_question.get(question.id, [])
        entry = {"question": question, "answered": len(given), "counts": [], "scale": [], "mean": None,
                 "texts": [], "places": []}
        if question.kind in ("one", "several"):
            counter = Counter(i for a in given for i in a.choices)
            entry["counts"] = [(option, counter.get(i, 0)) for i, option in enumerate(question.options)]
        elif question.kind == "scale":
            counter = Counter(a.scale for a in given if a.scale)
            entry["scale"] = [(v, counter.get(v, 0)) for v in range(1, 6)]
            values = [a.scale for a in given if a.scale]
            entry["mean"] = round(sum(values) / len(values), 2) if values else None
        if question.kind in ("text", "place"):
            entry["texts"] = [a for a in given if a.text and (not needle or needle in a.text.casefold())
                              and (not theme or theme in (a.themes or []))]
            entry["places"] = [a for a in given if a.lat is not None]
        out.append(entry)
    return {"questions": out, "respondents": len(responses(campaign)), "themes": themes(campaign)}


def themes(campaign: Campaign) -> list[tuple[str, int]]:
    """The themes staff have tagged the dialogue's texts with, and how many texts each."""
    counter = Counter()
    for tags in db.session.execute(select(DialogueAnswer.themes).join(DialogueResponse)
                                   .where(DialogueResponse.campaign_id == campaign.id)).scalars():
        counter.update(tags or [])
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0].casefold()))


def tag_answer(campaign: Campaign, answer_id: int | None, theme: str, actor: str, *, remove: bool = False) -> DialogueAnswer:
    """Tag a text answer with a theme (or take the tag off). A theme is a short phrase staff choose."""
    answer = db.session.get(DialogueAnswer, answer_id or 0)
    if answer is None or answer.response.campaign_id != campaign.id:
        raise InputRefused("answer_id", _l("Choose an answer of this dialogue."))
    theme = " ".join((theme or "").split())[:60]
    if not theme:
        raise InputRefused("theme", _l("Write the theme, for example “lighting”."))
    tags = [t for t in (answer.themes or []) if t != theme]
    answer.themes = tags if remove else sorted(tags + [theme], key=str.casefold)
    db.session.flush()
    audit.record("campaign", campaign.id, "answer_tagged", actor, answer=answer.id)
    db.session.flush()
    return answer


def dialogues() -> list[Campaign]:
    return list(db.session.execute(select(Campaign).where(Campaign.kind == KIND)
                                   .order_by(Campaign.starts_on.desc())).scalars())


# The citizen promise

def promises() -> list[CitizenPromise]:
    return list(db.session.execute(select(CitizenPromise).order_by(CitizenPromise.year.desc())).scalars())


def save_promise(*, year: int | None, text: str, decided_on: date | None, campaign_id: int | None, actor: str,
                 promise: CitizenPromise | None = None) -> CitizenPromise:
    """Record a year's citizen promise (one per year), with the dialogue it came from."""
    if not year or not 2000 <= year <= 2100:
        raise InputRefused("year", _l("Give a year between 2000 and 2100."))
    if not (text or "").strip():
        raise InputRefused("text", _l("Write the promise."))
    other = db.session.execute(select(CitizenPromise.id).where(CitizenPromise.year == year)).scalar_one_or_none()
    if other is not None and (promise is None or other != promise.id):
        raise InputRefused("year", _l("There is already a promise for %(year)d.", year=year))
    if campaign_id is not None and not is_dialogue(db.session.get(Campaign, campaign_id)):
        raise InputRefused("campaign", _l("Choose a dialogue from the list."))
    if promise is None:
        promise = CitizenPromise(created_by=actor)
        db.session.add(promise)
    promise.year, promise.text, promise.decided_on, promise.campaign_id = year, text.strip(), decided_on, campaign_id
    db.session.flush()
    audit.record("promise", promise.id, "saved", actor, year=year)
    db.session.flush()
    return promise


def add_action(promise: CitizenPromise, *, text: str, department_code: str | None, actor: str,
               status: str = "planned") -> PromiseAction:
    if not (text or "").strip():
        raise InputRefused("text", _l("Write the action."))
    if department_code and db.session.get(Department, department_code) is None:
        raise InputRefused("department", _l("Choose a department from the list."))
    if status not in ACTION_STATUSES:
        raise InputRefused("status", _l("Choose one of the answers given."))
    action = PromiseAction(text=text.strip(), department_code=department_code or None, status=status)
    promise.actions.append(action)
    db.session.flush()
    audit.record("promise", promise.id, "action_added", actor, action_id=action.id)
    db.session.flush()
    return action


def set_action_status(promise: CitizenPromise, action_id: int | None, status: str, actor: str) -> PromiseAction:
    action = db.session.get(PromiseAction, action_id or 0)
    if action is None or action.promise_id != promise.id:
        raise InputRefused("action_id", _l("Choose an action of this promise."))
    if status not in ACTION_STATUSES:
        raise InputRefused("status", _l("Choose one of the answers given."))
    action.status = status
    db.session.flush()
    audit.record("promise", promise.id, "action_status", actor, action_id=action.id, status=status)
    db.session.flush()
    return action


def follow_up(year: int) -> dict:
    """Annex 3's follow-up for a year: the dialogues held that year, whether each one's representation was broad
    (no group under-represented, by representation()), and whether it led to a promise (for any year)."""
    held = [c for c in dialogues() if c.starts_on.year <= year <= c.ends_on.year]
    rows = []
    for campaign in held:
        seen = representation(campaign)
        promise = db.session.execute(select(CitizenPromise).where(CitizenPromise.campaign_id == campaign.id)
                                     .order_by(CitizenPromise.year)).scalars().first()
        rows.append({"campaign": campaign, "respondents": seen["respondents"], "too_small": seen["too_small"],
                     "broad": None if seen["too_small"] or seen["population"] is None else not seen["under_represented"],
                     "under_represented": seen["under_represented"], "promise": promise,
                     "invented_population": bool(seen["population"] and seen["population"].invented)})
    return {"year": year, "held": bool(held), "dialogues": rows,
            "promise": db.session.execute(select(CitizenPromise).where(CitizenPromise.year == year + 1))
            .scalar_one_or_none()}
