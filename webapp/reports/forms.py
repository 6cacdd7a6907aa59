from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from webapp.reports.services import MAX_DESCRIPTION, MAX_LOCATION_TEXT


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


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class ReportForm(FlaskForm):
    lat = HiddenField(validators=[_coordinate(-90, 90)])
    lon = HiddenField(validators=[_coordinate(-180, 180)])
    district = SelectField(_l("Area"), coerce=_optional_int, validate_choice=True, validators=[Optional()])
    location_text = StringField(_l("Street or place"), validators=[Length(max=MAX_LOCATION_TEXT)],
                                description=_l("For example “Parkgatan at the bus stop” or “the path behind the library”."))
    category = RadioField(_l("What do you want to report?"),
                          validators=[InputRequired(message=_l("Choose what you want to report."))])
    description = TextAreaField(_l("Describe what you see"), validators=[Length(max=MAX_DESCRIPTION)])
    time_of_day = RadioField(_l("When does it feel unsafe?"), validators=[Optional()],
                             choices=[("day", _l("Daytime")), ("evening", _l("Evening")), ("night", _l("Night"))])
    safety_rating = RadioField(_l("How safe does it feel? (1 = very unsafe, 5 = very safe)"),
                               coerce=_optional_int, validators=[Optional()],
                               choices=[(n, str(n)) for n in range(1, 6)])
    photos = MultipleFileField(_l("Photos (at most 3; JPEG, PNG or WebP, up to 15 MB each)"))
    email = EmailField(_l("E-mail for updates (optional, never shown publicly)"),
                       validators=[Optional(), Length(max=254),
                                   Email(message=_l("That does not look like an e-mail address."),
                                         check_deliverability=False)])

    def coordinates(self) -> tuple[float | None, float | None]:
        if self.lat.data and self.lon.data:
            return float(self.lat.data), float(self.lon.data)
        return None, None


class SupportForm(FlaskForm):
    """Only the CSRF token: supporting is one button."""
