"""A sent report form, handled the same way by the resident's, a campaign's and staff's pages: what the form
describes, every problem shown at once at its field, the receipt, and the shared budget for supports."""
from __future__ import annotations

from flask import current_app, request, session, url_for

from webapp.errors import InputRefused
from webapp.extensions import limiter
from webapp.i18n import current_language
from webapp.reports import catalogue, intake, notify
from webapp.reports.forms import ReportForm
from webapp.reports.intake import NewReport
from webapp.responses import go_to


def uploaded_photos(limit_bytes: int) -> list[bytes]:
    """The non-empty files of the photos field, each read to at most one byte past the limit."""
    return [f.stream.read(limit_bytes + 1) for f in request.files.getlist("photos") if f and f.filename]


def submitted_answers(category_key: str | None) -> dict:
    """The extra-question answers for the chosen category (fields answer_<category>_<code>)."""
    prefix = f"answer_{category_key}_"
    return {key[len(prefix):]: value for key, value in request.form.items() if key.startswith(prefix)}


# Which form field shows a refused report's message.
FIELD_FOR_ERROR = {"location": "lat", "support": "category", "answers": "category", "campaign": "category",
                   "idempotency_key": "category"}


def chosen_asset(raw: str | None) -> int | None:
    """The asset id the map script set: none, or a number (0 for anything else, which the intake refuses)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() and len(raw) <= 12 else 0


def report_from_form(form: ReportForm, source: str, with_photos: bool = True) -> NewReport:
    """The report a filled-in form describes (the resident's, a campaign's or staff's own)."""
    lat, lon = (None, None) if form.lat.errors or form.lon.errors else form.coordinates()
    return NewReport(
        category_key=form.category.data, description=form.description.data or "", lat=lat, lon=lon,
        district_id=form.district.data if isinstance(form.district.data, int) else None,
        location_text=form.location_text.data or "",
        # A field the form refused already has its message; its raw value is not handed on.
        time_of_day=None if form.time_of_day.errors else form.time_of_day.data or None,
        safety_rating=None if form.safety_rating.errors else form.safety_rating.data, email=form.email.data or None, locale=current_language(),
        source=source, photos=uploaded_photos(current_app.config["MAX_PHOTO_BYTES"]) if with_photos else [],
        answers=submitted_answers(form.category.data), idempotency_key=form.idempotency_key.data or None,
        asset_id=chosen_asset(form.asset.data),
    )


def show_refusal(form: ReportForm, exc: InputRefused) -> None:
    """Put a refused report's message next to the field it is about."""
    field = getattr(form, FIELD_FOR_ERROR.get(exc.field, exc.field), form.category)
    if not isinstance(field.errors, list):  # a field the form did not validate has a tuple
        field.errors = list(field.errors)
    field.errors.append(exc.message)
    if exc.field == "location":
        form.location_errors = [*getattr(form, "location_errors", []), exc.message]


def checked_report_form(form: ReportForm, source: str) -> bool:
    """Validate a sent report form with the form's checks and the service's rules together, so that every
    problem is shown at once, each at its field (not one per attempt). True when there is nothing to fix."""
    form_ok = form.validate_on_submit()
    if request.method != "POST":
        return False
    data = report_from_form(form, source, with_photos=False)
    problems = intake.report_problems(data, catalogue.category_by_key(data.category_key) if data.category_key
                                        else None)
    for problem in problems:
        field = getattr(form, FIELD_FOR_ERROR.get(problem.field, problem.field), form.category)
        if not field.errors:  # the form's own message for that field comes first and is enough
            show_refusal(form, problem)
    return form_ok and not problems


def to_receipt(report, token: str):
    """Mail the receipt (if there is an e-mail; not again for a report sent twice) and show it."""
    if not getattr(report, "was_replayed", False):
        notify.receipt(report, token)
    session["new_report"] = report.reference
    return go_to(url_for("reports.track", token=token), reference=report.reference)


def support_limit():
    """One budget per client address for "me too", shared by the page's button and the JSON API."""
    return limiter.shared_limit(lambda: current_app.config["SUPPORT_LIMIT"], scope="support",
                                override_defaults=False)
