from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
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
from webapp.campaigns.walks import DECISIONS, GROUP_KINDS, MAX_GROUP_SIZE
from webapp.formfields import CheckboxList, CleanForm, CleanSubForm, DayField, optional_int


class CampaignForm(CleanForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the campaign a name.")), Length(max=200)])
    slug = StringField(_l("Short name in the link (/k/…)"), validators=[Length(max=80)],
                       description=_l("Lower-case letters, digits and hyphens; made from the name when empty."))
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in KINDS.items()])
    starts_on = DayField(_l("Starts"), validators=[InputRequired(message=_l("Give a start and an end date."))])
    ends_on = DayField(_l("Ends"), validators=[InputRequired(message=_l("Give a start and an end date."))])
    districts = CheckboxList(_l("Area: districts"), coerce=int, validators=[Optional()])
    drawn_area = HiddenField()
    categories = CheckboxList(_l("What the campaign asks about (none ticked: everything)"), validators=[Optional()])
    hashtag = StringField(_l("Hashtag"), validators=[Length(max=80)])
    intro_sv = TextAreaField(_l("Introduction in Swedish"), validators=[Length(max=2000)])
    intro_en = TextAreaField(_l("Introduction in English"), validators=[Length(max=2000)])
    intro_ar = TextAreaField(_l("Introduction in Arabic"), validators=[Length(max=2000)],
                             render_kw={"dir": "rtl", "lang": "ar"})
    follows = SelectField(_l("Follows up (for comparison)"), coerce=optional_int, validators=[Optional()])
    asks_demographics = BooleanField(_l("Ask residents, optionally and anonymously, for gender and age group "
                                        "(results only in groups of 5 or more)"))
    uses_audit = BooleanField(_l("Ask the structured safety audit at each point (eight questions, 1–5): "
                                 "for organised walks"))


class ImportForm(CleanForm):
    csv_file = FileField(_l("CSV file with the posts (caption, posted_at, link, lat, lon, place, image, category)"))
    images = FileField(_l("Zip file with the images (optional)"))


class ActivityForm(CleanForm):
    held_on = DayField(_l("Date"), validators=[InputRequired(message=_l("Give the date."))])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in ACTIVITY_KINDS.items()])
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give the activity a title.")), Length(max=200)])
    district = SelectField(_l("Area"), coerce=optional_int, validators=[Optional()])
    participants = IntegerField(_l("Participants"), validators=[InputRequired(
        message=_l("Give the number of participants (0 or more).")), NumberRange(0, 100000)])
    campaign = SelectField(_l("Campaign"), coerce=optional_int, validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])


class OwnerForm(CleanForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the owner's name.")), Length(max=200)])
    contact = StringField(_l("Contact (e-mail or phone)"), validators=[Length(max=200)])
    address = StringField(_l("Postal address"), validators=[Length(max=300)])


class PlaceForm(CleanForm):
    lat = HiddenField(validators=[DataRequired()])
    lon = HiddenField(validators=[DataRequired()])


class ChooseCategoryForm(CleanForm):
    """The category of an imported post the caption rules left uncategorised (choices set by the view)."""
    category = SelectField(_l("Category"), validators=[DataRequired(message=_l("Choose what you want to report."))])


class GroupForm(CleanForm):
    name = StringField(_l("Name of the group"), validators=[DataRequired(
        message=_l("Give the group a name, for example “Class 8A”.")), Length(max=120)],
        description=_l("Shown to staff only, for example “Class 8A, Öster school”."))
    kind = SelectField(_l("Kind of group"), choices=[SelectChoice(k, v) for k, v in GROUP_KINDS.items()])
    size = IntegerField(_l("Number of people"), validators=[InputRequired(
        message=_l("Give the number of people in the group (1–%(max)d).", max=MAX_GROUP_SIZE)),
        NumberRange(1, MAX_GROUP_SIZE, message=_l("Give the number of people in the group (1–%(max)d).",
                                                  max=MAX_GROUP_SIZE))])


class WalkPlanForm(CleanForm):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give the walk a title.")), Length(max=200)])
    planned_on = DayField(_l("Planned for"), validators=[Optional()])
    points = CheckboxList(_l("Stops (put in walking order along the route)"), coerce=int, validators=[Optional()])
    route = HiddenField()


class PointForm(CleanSubForm):
    report_id = HiddenField()
    notes = TextAreaField(_l("What we saw"), validators=[Length(max=2000)])
    decision = SelectField(_l("Decision"), choices=[SelectChoice("", "—")] + [SelectChoice(k, v)
                                                                             for k, v in DECISIONS.items()])
    decision_note = TextAreaField(_l("What happens and why"), validators=[Length(max=2000)])


class WalkRecordForm(CleanForm):
    walked_on = DayField(_l("Walked on"), validators=[InputRequired(message=_l("Give the date of the walk."))])
    participants = IntegerField(_l("Participants"), validators=[InputRequired(
        message=_l("Give the number of participants (0 or more).")), NumberRange(0, 10000)])
    participant_note = TextAreaField(_l("Who walked (by role, not by name)"), validators=[Length(max=2000)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=4000)])
    points = FieldList(FormField(PointForm), max_entries=40)


class DialogueAboutForm(CleanForm):
    """The optional questions about the person answering a dialogue (choices set by the view); the questions
    themselves are the dialogue's own and read from the posted form (webapp/campaigns/dialogue_views.py)."""
    gender = SelectField(_l("Gender"), validators=[Optional()])
    age_group = SelectField(_l("Age"), validators=[Optional()])
    housing = SelectField(_l("How you live"), validators=[Optional()])


class QuestionForm(CleanForm):
    kind = SelectField(_l("Kind of question"))
    text_sv = TextAreaField(_l("Question in Swedish"), validators=[Length(max=1000)])
    text_en = TextAreaField(_l("Question in English"), validators=[Length(max=1000)])
    text_ar = TextAreaField(_l("Question in Arabic"), validators=[Length(max=1000)])
    options_sv = TextAreaField(_l("Choices in Swedish, one per line (one or several choices)"),
                               validators=[Length(max=3000)])
    options_en = TextAreaField(_l("Choices in English, one per line, in the same order"), validators=[Length(max=3000)])
    options_ar = TextAreaField(_l("Choices in Arabic, one per line, in the same order"), validators=[Length(max=3000)])


class ThemeForm(CleanForm):
    answer_id = HiddenField()
    theme = StringField(_l("Theme"), validators=[DataRequired(message=_l("Write the theme, for example “lighting”.")),
                                                 Length(max=60)])


class PromiseForm(CleanForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(message=_l("Give a year between 2000 and 2100.")),
                                                NumberRange(2000, 2100, message=_l("Give a year between 2000 and 2100."))])
    text = TextAreaField(_l("The promise"), validators=[DataRequired(message=_l("Write the promise.")),
                                                        Length(max=4000)])
    decided_on = DayField(_l("Decided on"), validators=[Optional()])
    campaign = SelectField(_l("From the dialogue"), coerce=optional_int, validators=[Optional()])


class ActionForm(CleanForm):
    text = TextAreaField(_l("Action"), validators=[DataRequired(message=_l("Write the action.")), Length(max=2000)])
    department = SelectField(_l("Responsible department"), validators=[Optional()])
    status = SelectField(_l("Status"))


class ActionStatusForm(CleanForm):
    action_id = HiddenField()
    status = SelectField(_l("Status"))


class RemoveQuestionForm(CleanForm):
    question_id = HiddenField()
