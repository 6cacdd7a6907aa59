from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
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
    ValidationError,
)

from webapp.formfields import CleanForm, DayField, empty_choice, optional_int
from webapp.reports import lifecycle
from webapp.reports.forms import ReportForm
from webapp.reports.labels import EXTERNAL_LABELS, SOURCE_LABELS, department_choices
from webapp.reports.status import STATUS_LABELS, ReportStatus
from webapp.staff import services

# The inbox's filter fields, in the order its query string lists them (presenters.canonical_query).
FILTER_FIELDS = ("status", "category", "department", "district", "zone", "campaign", "source", "date_from", "date_to",
                 "has_photo", "text", "asset", "sort")


class FilterForm(CleanForm):
    """The inbox filters. They travel in the URL (GET), so there is no CSRF token."""

    class Meta:
        csrf = False

    status = SelectMultipleField(_l("Status"), choices=[SelectChoice(k, v) for k, v in STATUS_LABELS.items()],
                                 validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    department = SelectField(_l("Department"), validators=[Optional()],
                             choices=lambda: [empty_choice(_l("All"))] + department_choices(retired=True))
    district = SelectField(_l("Area"), coerce=optional_int, validators=[Optional()])
    zone = SelectField(_l("Zone"), coerce=optional_int, validators=[Optional()])
    campaign = SelectField(_l("Campaign"), coerce=optional_int, validators=[Optional()])
    source = SelectField(_l("Source"), validators=[Optional()],
                         choices=[empty_choice(_l("All"))] + [SelectChoice(k, v) for k, v in SOURCE_LABELS.items()])
    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("To"), validators=[Optional()])
    has_photo = BooleanField(_l("Has photo"))
    text = StringField(_l("Search text or reference"), validators=[Optional(), Length(max=100)])
    # The inventory's own id of a street light, bin or bench (issue 26): its reports.
    asset = StringField(_l("Object (inventory id)"), validators=[Optional(), Length(max=80)])
    sort = SelectField(_l("Sort"), validators=[Optional()], choices=[
        SelectChoice("newest", _l("Newest first")), SelectChoice("oldest", _l("Oldest first")),
        SelectChoice("support", _l("Most supported"))])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must not be before the start date."))

    def criteria(self) -> services.ReportFilter:
        """The filter the (validated) fields describe."""
        def number(field):
            return field.data if isinstance(field.data, int) else None

        return services.ReportFilter(
            status=self.status.data or [], category=self.category.data or None,
            department=self.department.data or None, district=number(self.district), zone=number(self.zone),
            campaign=number(self.campaign), source=self.source.data or None, date_from=self.date_from.data,
            date_to=self.date_to.data, has_photo=self.has_photo.data, text=self.text.data or None,
            asset=(self.asset.data or "").strip() or None, sort=self.sort.data or "newest")


class SaveViewForm(CleanForm):
    """Keep the inbox's current filter (its query, in a hidden field) under a name."""

    name = StringField(_l("Name of the view"), validators=[DataRequired(message=_l("Give the view a name.")),
                                                          Length(max=80)])
    scope = RadioField(_l("Who sees it"), default="personal", choices=[
        SelectChoice("personal", _l("Only me")), SelectChoice("department", _l("My department")),
        SelectChoice("all", _l("All staff"))])
    query = HiddenField()


class ButtonForm(CleanForm):
    """Only the CSRF token: for a button that does one thing (delete a saved view)."""

    query = HiddenField()


class VersionedForm(CleanForm):
    version = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return -1  # a tampered or missing version never matches


class EditForm(VersionedForm):
    category = SelectField(_l("Category"))
    lat = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    lon = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    reason = StringField(_l("Reason for the change"), validators=[DataRequired(message=_l("Say why you change the report.")),
                                                                  Length(max=300)])


class HideForm(VersionedForm):
    reason = StringField(_l("Why hide it?"), validators=[Length(max=300)])


class MergeForm(VersionedForm):
    """Merge this report into another: the other's reference typed in, or sent by the button beside a nearby
    report (a hidden field there)."""

    target = StringField(_l("Merge into report (reference)"),
                         validators=[DataRequired(message=_l("Give the reference of the report to keep.")), Length(max=20)])
    # Sent only by the confirmation page: without it, the merge is shown for the officer to confirm.
    confirmed = BooleanField()


class UnmergeForm(VersionedForm):
    """Undo this report's merge (the version of the merged report as its page showed it)."""


class AssignForm(VersionedForm):
    department = SelectField(_l("Department"), validators=[Optional()],
                             choices=lambda: [SelectChoice("", "—")] + department_choices())
    external_kind = SelectField(_l("Or refer to"), validators=[Optional()],
                                choices=[SelectChoice("", "—")] + [SelectChoice(k, v) for k, v in EXTERNAL_LABELS.items()])
    external_name = StringField(_l("Name of the party responsible"), validators=[Length(max=200)])
    external_contact = StringField(_l("Their contact"), validators=[Length(max=200)])
    public_note = TextAreaField(_l("Public explanation"), validators=[Length(max=1000)])


class StatusForm(VersionedForm):
    """A new status: nothing chosen until the officer chooses, and a step that closes the report confirmed."""

    status = SelectField(_l("New status"), validators=[DataRequired(message=_l("Choose the new status."))],
                         choices=[empty_choice(_l("Choose a status"))] + [
                             SelectChoice(k, v) for k, v in STATUS_LABELS.items() if k != ReportStatus.DUPLICATE])
    confirm_close = BooleanField(_l("Yes, close the report"),
                                 description=_l("Needed when the new status closes the report (Fixed, Closed, "
                                                "Referred elsewhere): it leaves the open reports and the resident "
                                                "sees that the case is over."))
    public_note = TextAreaField(_l("Public note"), validators=[Length(max=1000)])

    def validate_confirm_close(self, field):
        if lifecycle.closes(self.status.data or "") and not field.data:
            raise ValidationError(_l("Tick the box to confirm that the report is to be closed."))


class QuestionForm(CleanForm):
    question = TextAreaField(_l("Question to the reporter"),
                             validators=[DataRequired(message=_l("Write the question.")), Length(max=1000)])


class ModerateForm(CleanForm):
    decision = HiddenField(validators=[DataRequired(message=_l("Choose what to do: the buttons say it."))])


class RedactForm(CleanForm):
    x = FloatField(validators=[InputRequired(), NumberRange(0, 1)])
    y = FloatField(validators=[InputRequired(), NumberRange(0, 1)])
    w = FloatField(validators=[InputRequired(), NumberRange(0.001, 1)])
    h = FloatField(validators=[InputRequired(), NumberRange(0.001, 1)])
    mode = RadioField(_l("Cover with"), default="blur",
                      choices=[SelectChoice("blur", _l("Blur")), SelectChoice("black", _l("Black box"))])


class FieldReportForm(ReportForm):
    """The resident's form, plus where the report came from and the caller's private contact."""

    source = SelectField(_l("Source"))
    reporter_name = StringField(_l("Caller's name (private)"), validators=[Length(max=120)])
    reporter_phone = StringField(_l("Caller's phone (private)"), validators=[Length(max=40)])


class SiteMessageForm(CleanForm):
    text_sv = TextAreaField(_l("Message in Swedish"), validators=[Length(max=500)])
    text_en = TextAreaField(_l("Message in English"), validators=[Length(max=500)])
    expires_on = DayField(_l("Shown until (inclusive)"), validators=[DataRequired(message=_l("Choose a date."))])


def template_prefix(template_id: int) -> str:
    """Each response template's form on the settings page has its own field names (and so its own ids)."""
    return f"template{template_id}"


class TemplateForm(CleanForm):
    text_sv = TextAreaField(_l("Swedish"), validators=[Length(max=1000)])
    text_en = TextAreaField(_l("English"), validators=[Length(max=1000)])


class CategorySettingsForm(CleanForm):
    name_sv = StringField(_l("Name in Swedish"), validators=[DataRequired(message=_l("Enter the name in Swedish.")),
                                                             Length(max=100)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(message=_l("Enter the name in English.")),
                                                             Length(max=100)])
    name_ar = StringField(_l("Name in Arabic"), validators=[Length(max=100)])
    description_sv = TextAreaField(_l("Explanation for residents, Swedish"), validators=[Length(max=500)])
    description_en = TextAreaField(_l("Explanation for residents, English"), validators=[Length(max=500)])
    description_ar = TextAreaField(_l("Explanation for residents, Arabic"), validators=[Length(max=500)])
    notice_sv = TextAreaField(_l("Notice to residents, Swedish"), validators=[Length(max=500)])
    notice_en = TextAreaField(_l("Notice to residents, English"), validators=[Length(max=500)])
    notice_ar = TextAreaField(_l("Notice to residents, Arabic"), validators=[Length(max=500)])
    # The icon set's names, set by the view; none posted keeps the icon.
    icon = SelectField(_l("Icon"), validators=[Optional()], validate_choice=False)
    department = SelectField(_l("Department"), choices=lambda: [SelectChoice("", "—")] + department_choices(),
                             validators=[Optional()])
    default_priority = SelectField(_l("Default priority"))
    # The kinds of work, set by the view.
    work_kind = SelectField(_l("Usual kind of work (suggested for its work orders)"), validators=[Optional()])
    duplicate_radius_m = IntegerField(_l("Radius for duplicate suggestions (m)"),
                                      validators=[InputRequired(), NumberRange(5, 500)])
    positive = BooleanField(_l("Positive (\"here it feels safe\"): never becomes a job"))
    active = BooleanField(_l("Active (offered to residents; untick to retire it, its reports keep it)"))
    extra_questions = TextAreaField(_l("Extra questions (one per line: code | question in Swedish | question in English | optional answers separated by ;)"),
                                    validators=[Length(max=3000)])


class NewCategoryForm(CategorySettingsForm):
    key = StringField(_l("Key (lower-case letters, digits and _; never changes)"),
                      validators=[DataRequired(message=_l("Enter a key.")), Length(max=40)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice("fault", _l("Fault report")),
                                            SelectChoice("safety", _l("Safety walk (how safe it feels)"))])


class DepartmentForm(CleanForm):
    name_sv = StringField(_l("Name in Swedish"), validators=[DataRequired(message=_l("Enter the name in Swedish.")),
                                                             Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[Length(max=120)])
    name_ar = StringField(_l("Name in Arabic"), validators=[Length(max=120)])
    active = BooleanField(_l("Active (offered for new reports and accounts; untick to retire it)"), default=True)


class NewDepartmentForm(DepartmentForm):
    code = StringField(_l("Code (short, e.g. the department's abbreviation; never changes)"),
                       validators=[DataRequired(message=_l("Enter a code.")), Length(max=20)])


class ApiClientForm(CleanForm):
    name = StringField(_l("Name of the client system"), validators=[DataRequired(message=_l("Give the client a name.")),
                                                                    Length(max=120)])
