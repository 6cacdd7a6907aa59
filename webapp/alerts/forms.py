from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from webapp.formfields import CleanForm, optional_int


def _number(form, field):
    if field.data:
        try:
            float(field.data.replace(",", "."))
        except ValueError:
            raise ValidationError(_l("Write a number.")) from None


class AlertForm(CleanForm):
    email = EmailField(_l("Your e-mail address (never shown publicly)"), validators=[
        InputRequired(message=_l("Write your e-mail address.")),
        Length(max=254, message=_l("That does not look like an e-mail address.")),
        Email(message=_l("That does not look like an e-mail address."), check_deliverability=False)])
    kind = RadioField(_l("What do you want to watch?"),
                      choices=[SelectChoice("district", _l("An area")), SelectChoice("campaign", _l("A campaign")),
                               SelectChoice("radius", _l("Around a place"))],
                      validators=[InputRequired(message=_l("Choose what to watch: an area, a campaign or a place."))],
                      invalid_choice_message=_l("Choose what to watch: an area, a campaign or a place."))
    district = SelectField(_l("Area"), coerce=optional_int, validators=[Optional()],
                           invalid_choice_message=_l("Choose an area from the list."))
    campaign = SelectField(_l("Campaign"), validators=[Optional()],
                           invalid_choice_message=_l("Choose a campaign from the list."))
    lat = StringField(_l("Latitude (WGS 84, e.g. 55.8705)"), validators=[Optional(), Length(max=30), _number])
    lon = StringField(_l("Longitude (WGS 84, e.g. 12.8330)"), validators=[Optional(), Length(max=30), _number])
    radius_m = SelectField(_l("Distance"), coerce=optional_int, validators=[Optional()],
                           choices=[SelectChoice(m, _l("%(metres)d m", metres=m)) for m in (100, 250, 500, 1000, 2000)],
                           invalid_choice_message=_l("Choose a distance from the list."))
    frequency = RadioField(_l("How often?"), default="immediate",
                           choices=[SelectChoice("immediate", _l("An e-mail for each new report")),
                                    SelectChoice("daily", _l("One e-mail a day with the day's new reports"))],
                           validators=[InputRequired(message=_l("Choose at once or once a day."))],
                           invalid_choice_message=_l("Choose at once or once a day."))

    def number(self, name: str) -> float | None:
        value = getattr(self, name).data
        return float(value.replace(",", ".")) if value else None


class UnsubscribeForm(CleanForm):
    """Only the CSRF token: unsubscribing is one button."""
