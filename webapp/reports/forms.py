from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from webapp.formfields import CleanForm, optional_int
from webapp.reports.intake import MAX_DESCRIPTION, MAX_LOCATION_TEXT


def _coordinate(low: float, high: float):
    def check(form, field):
        if not field.data:
            return
        try:
            value = float(field.data)
        except ValueError:
            raise ValidationError(_l("The position is not valid. Place the pin again.")) from None
        if not math.isfinite(value) or not low <= value <= high:
            raise ValidationError(_l("The position is not valid. Place the pin again."))
    return check



class ReportForm(CleanForm):
    # Made by the page's script; the same report sent twice (a retry, a report queued offline) is stored once.
    idempotency_key = HiddenField()
    lat = HiddenField(validators=[_coordinate(-90, 90)])
    lon = HiddenField(validators=[_coordinate(-180, 180)])
    # The inventory's object the resident tapped (set by the map script): its id, checked by the intake.
    # Anything but a number is refused by the intake like an asset that no longer exists.
    asset = HiddenField()
    district = SelectField(_l("Area"), coerce=optional_int, validators=[Optional()],
                           invalid_choice_message=_l("Choose an area from the list."))
    location_text = StringField(_l("Street or place"), validators=[Length(max=MAX_LOCATION_TEXT, message=_l(
                                    "The place description can be at most %(max)d characters."))],
                                description=_l("For example “Parkgatan at the bus stop” or “the path behind the library”."))
    category = RadioField(_l("What do you want to report?"),
                          validators=[InputRequired(message=_l("Choose what you want to report."))],
                          invalid_choice_message=_l("Choose what you want to report."))
    description = TextAreaField(_l("Describe what you see"), validators=[
        Length(max=MAX_DESCRIPTION, message=_l("The description can be at most %(max)d characters."))])
    time_of_day = RadioField(_l("When does it feel unsafe?"), validators=[Optional()],
                             choices=[SelectChoice("day", _l("Daytime")), SelectChoice("evening", _l("Evening")),
                                      SelectChoice("night", _l("Night"))],
                             invalid_choice_message=_l("Choose day, evening or night."))
    safety_rating = RadioField(_l("How safe does it feel? (1 = very unsafe, 5 = very safe)"),
                               coerce=optional_int, validators=[Optional()],
                               choices=[SelectChoice(n, str(n)) for n in range(1, 6)],
                               invalid_choice_message=_l("Choose a number from 1 to 5."))
    photos = MultipleFileField(_l("Photos (at most 3; JPEG, PNG or WebP, up to 15 MB each)"))
    email = EmailField(_l("E-mail for updates (optional, never shown publicly)"),
                       validators=[Optional(), Length(max=254, message=_l("That does not look like an e-mail address.")),
                                   Email(message=_l("That does not look like an e-mail address."),
                                         check_deliverability=False)])

    def coordinates(self) -> tuple[float | None, float | None]:
        if self.lat.data and self.lon.data:
            return float(self.lat.data), float(self.lon.data)
        return None, None


class SupportForm(CleanForm):
    """Only the CSRF token: supporting is one button."""


class FollowForm(CleanForm):
    email = EmailField(_l("Your e-mail address"), validators=[
        InputRequired(message=_l("Write your e-mail address.")),
        Length(max=254, message=_l("That does not look like an e-mail address.")),
        Email(message=_l("That does not look like an e-mail address."), check_deliverability=False)])


class AnswerForm(CleanForm):
    answer = TextAreaField(_l("Your answer"), validators=[InputRequired(message=_l("Write your answer.")),
                                                          Length(max=MAX_DESCRIPTION)])


class FeedbackForm(CleanForm):
    score = RadioField(_l("How satisfied are you with what was done? (1 = not at all, 5 = very)"),
                       coerce=optional_int, choices=[SelectChoice(n, str(n)) for n in range(1, 6)],
                       validators=[InputRequired(message=_l("Choose a number from 1 to 5."))],
                       invalid_choice_message=_l("Choose a number from 1 to 5."))
    comment = TextAreaField(_l("Anything else? (optional)"), validators=[Length(max=MAX_DESCRIPTION)])
