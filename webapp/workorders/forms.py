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
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from webapp.formfields import CleanForm, empty_choice, optional_int
from webapp.workorders.services import KINDS
from webapp.workorders.status import CLOSING, STATUS_LABELS, next_statuses


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
    """A new status for a work order: the steps the flow allows from its status, in the flow's order, after an
    empty choice (nothing changes until the officer chooses), and a closing step confirmed."""

    version = HiddenField()
    status = SelectField(_l("New status"), validators=[DataRequired(message=_l("Choose the new status."))])
    confirm_close = BooleanField(_l("Yes, end this work order"),
                                 description=_l("Needed for Done, Verified and Rejected: the linked reports are "
                                                "closed and their residents told."))
    note = TextAreaField(_l("Note"), validators=[Length(max=1000)])
    reason = TextAreaField(_l("Reason (when rejecting)"), validators=[Length(max=1000)])

    def for_status(self, current: str) -> "WorkOrderStatusForm":
        self.status.choices = [empty_choice(_l("Choose a status"))] + [
            SelectChoice(k, STATUS_LABELS[k]) for k in next_statuses(current)]
        return self

    def validate_confirm_close(self, field):
        if self.status.data in CLOSING and not field.data:
            raise ValidationError(_l("Tick the box to confirm that the work order is to be ended."))


class StartForm(CleanForm):
    version = HiddenField()


class CompleteForm(CleanForm):
    version = HiddenField()
    # Made by the page's script: a completion queued offline and sent twice is stored once.
    idempotency_key = HiddenField()
    # Both are needed to close a job (workorders.services.complete): the labels say so before anyone presses.
    note = TextAreaField(_l("What was done? (required)"), render_kw={"aria-required": "true"}, validators=[DataRequired(message=_l("Write what was done.")),
                                                         Length(max=2000)])
    photo = FileField(_l("Photo after the work (required)"), render_kw={"aria-required": "true"})


def expected_version(form) -> int:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return -1
