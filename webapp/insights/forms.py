from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from webapp.formfields import CheckboxList, CleanForm, DayField, optional_int


class SelectionForm(CleanForm):
    """The heat map's selection; it travels in the URL so that a view can be shared."""

    class Meta:
        csrf = False

    kinds = CheckboxList(_l("Kind"), choices=[SelectChoice("safety", _l("Safety walk")),
                                              SelectChoice("fault", _l("Fault report"))], validators=[Optional()])
    categories = CheckboxList(_l("Categories"), validators=[Optional()])
    times_of_day = CheckboxList(_l("Time of day"), choices=[SelectChoice("day", _l("Daytime")),
                                                            SelectChoice("evening", _l("Evening")),
                                                            SelectChoice("night", _l("Night"))], validators=[Optional()])
    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("To"), validators=[Optional()])
    district = SelectField(_l("Area"), coerce=optional_int, validators=[Optional()])
    campaign = SelectField(_l("Campaign"), coerce=optional_int, validators=[Optional()])
    gender = SelectField(_l("Gender (safety walks)"), validators=[Optional()])
    age_group = SelectField(_l("Age group (safety walks)"), validators=[Optional()])
    cell = IntegerField(_l("Cell size (m)"), default=100, validators=[Optional(), NumberRange(25, 2000)])


class SurveyForm(CleanForm):
    indicator = SelectField(_l("Indicator"))
    area = SelectField(_l("Area"))
    year = IntegerField(_l("Year"), validators=[NumberRange(2000, 2100)])
    value = DecimalField(_l("Value"), places=1, validators=[NumberRange(0, 100)])
