from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from webapp.formfields import CleanForm, DayField, optional_int

TIME_CHOICES = [SelectChoice("day", _l("Daytime")), SelectChoice("evening", _l("Evening")),
                SelectChoice("night", _l("Night"))]


class HotspotForm(CleanForm):
    """The hot-spot page's choice; it travels in the URL so that a view can be shared and printed."""

    class Meta:
        csrf = False

    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("To"), validators=[Optional()])
    time_of_day = SelectField(_l("Time of day"), choices=[SelectChoice("", _l("All times"))] + TIME_CHOICES,
                              validators=[Optional()])
    district = SelectField(_l("Area"), coerce=optional_int, validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])


class PatrolForm(CleanForm):
    """The patrol sheet's choice: a time of day (the evening unless another is chosen) and the period read."""

    class Meta:
        csrf = False

    time_of_day = SelectField(_l("Time of day"), choices=TIME_CHOICES, default="evening", validators=[Optional()])
    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("To"), validators=[Optional()])
    district = SelectField(_l("Area"), coerce=optional_int, validators=[Optional()])
