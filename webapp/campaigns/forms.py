from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from webapp.campaigns.services import ACTIVITY_KINDS, KINDS
from webapp.formfields import CheckboxList, optional_int


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the campaign a name.")), Length(max=200)])
    slug = StringField(_l("Short name in the link (/k/…)"), validators=[Length(max=80)],
                       description=_l("Lower-case letters, digits and hyphens; made from the name when empty."))
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in KINDS.items()])
    starts_on = DateField(_l("Starts"), validators=[InputRequired(message=_l("Give a start and an end date."))])
    ends_on = DateField(_l("Ends"), validators=[InputRequired(message=_l("Give a start and an end date."))])
    districts = CheckboxList(_l("Area: districts"), coerce=int, validators=[Optional()])
    drawn_area = HiddenField()
    categories = CheckboxList(_l("What the campaign asks about (none ticked: everything)"), validators=[Optional()])
    hashtag = StringField(_l("Hashtag"), validators=[Length(max=80)])
    intro_sv = TextAreaField(_l("Introduction in Swedish"), validators=[Length(max=2000)])
    intro_en = TextAreaField(_l("Introduction in English"), validators=[Length(max=2000)])
    follows = SelectField(_l("Follows up (for comparison)"), coerce=optional_int, validators=[Optional()])
    asks_demographics = BooleanField(_l("Ask residents, optionally and anonymously, for gender and age group "
                                        "(results only in groups of 5 or more)"))


class ImportForm(FlaskForm):
    csv_file = FileField(_l("CSV file with the posts (caption, posted_at, link, lat, lon, place, image, category)"))
    images = FileField(_l("Zip file with the images (optional)"))


class ActivityForm(FlaskForm):
    held_on = DateField(_l("Date"), validators=[InputRequired(message=_l("Give the date."))])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in ACTIVITY_KINDS.items()])
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give the activity a title.")), Length(max=200)])
    district = SelectField(_l("Area"), coerce=optional_int, validators=[Optional()])
    participants = IntegerField(_l("Participants"), validators=[InputRequired(
        message=_l("Give the number of participants (0 or more).")), NumberRange(0, 100000)])
    campaign = SelectField(_l("Campaign"), coerce=optional_int, validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])


class OwnerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the owner's name.")), Length(max=200)])
    contact = StringField(_l("Contact (e-mail or phone)"), validators=[Length(max=200)])
    address = StringField(_l("Postal address"), validators=[Length(max=300)])


class PlaceForm(FlaskForm):
    lat = HiddenField(validators=[DataRequired()])
    lon = HiddenField(validators=[DataRequired()])
