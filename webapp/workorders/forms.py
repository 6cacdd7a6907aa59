from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from webapp.formfields import CleanForm, optional_int
from webapp.workorders.services import KINDS
from webapp.workorders.status import STATUS_LABELS


class NewWorkOrderForm(CleanForm):
    reports = SelectMultipleField(_l("Reports"), coerce=int,
                                  validators=[DataRequired(message=_l("Choose at least one report."))])
    kind = SelectField(_l("Type of work"), choices=[SelectChoice(k, label) for k, label in KINDS.items()])
    priority = SelectField(_l("Priority"))
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give the work order a short title.")),
                                                 Length(max=200)])
    instructions = TextAreaField(_l("Instructions for the crew"), validators=[Length(max=2000)])
    assignee = SelectField(_l("Crew member"), coerce=optional_int, validators=[Optional()])
    confirm = BooleanField(_l("Yes, link these reports anyway"))


class WorkOrderStatusForm(CleanForm):
    version = HiddenField()
    status = SelectField(_l("New status"), choices=[SelectChoice(k, v) for k, v in STATUS_LABELS.items()])
    note = TextAreaField(_l("Note"), validators=[Length(max=1000)])
    reason = TextAreaField(_l("Reason (when rejecting)"), validators=[Length(max=1000)])


class StartForm(CleanForm):
    version = HiddenField()


class CompleteForm(CleanForm):
    version = HiddenField()
    # Made by the page's script: a completion queued offline and sent twice is stored once.
    idempotency_key = HiddenField()
    note = TextAreaField(_l("What was done?"), validators=[DataRequired(message=_l("Write what was done.")),
                                                         Length(max=2000)])
    photo = FileField(_l("Photo after the work"))


def expected_version(form) -> int:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return -1
