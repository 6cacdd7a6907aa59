"""Form pieces shared by several domains."""
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.textclean import clean_text
from webapp.timeutil import day_in_range, out_of_range_message


class _CleansText:
    """Meta for forms whose text fields drop control characters before anything else sees the value: every
    StringField (TextAreaField, EmailField, hidden fields…) but passwords, which are taken as typed. The CSRF
    token and the version carry no id: a page with several forms would repeat it, and nothing refers to them."""

    def bind_field(self, form, unbound_field, options):
        kind = unbound_field.field_class
        if issubclass(kind, StringField) and not issubclass(kind, PasswordField):
            multiline = issubclass(kind, TextAreaField)
            options = {**options, "filters": [_cleaner(multiline), *unbound_field.kwargs.get("filters", ())]}
        if issubclass(kind, CSRFTokenField) or options.get("name") == "version":
            options = {**options, "render_kw": {"id": False, **(unbound_field.kwargs.get("render_kw") or {})}}
        return super().bind_field(form, unbound_field, options)


def _cleaner(multiline: bool):
    def clean(value):
        return clean_text(value, multiline=multiline)
    return clean


class CleanForm(FlaskForm):
    """The base of every form in the application (tests/test_textclean.py checks that)."""

    class Meta(_CleansText, FlaskForm.Meta):
        pass


class CleanSubForm(Form):
    """The same for a form inside a form (FormField), which has no CSRF token of its own."""

    class Meta(_CleansText, Form.Meta):
        pass


def optional_int(value):
    """Coerce a select's value to an int; empty means None, and anything else stays as it was, so that it
    matches no choice and the field shows its own "choose from the list" message."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def empty_choice(label="—") -> SelectChoice:
    """The "nothing chosen" first option of a select. Its value is the empty string: WTForms renders a None value
    as the text "None", which a GET form then puts in the URL (district=None). Pair it with coerce=optional_int
    (or a str field), which reads "" as nothing chosen."""
    return SelectChoice("", label)


class CheckboxList(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_named(form, name: str, default):
    """The field a service's refusal names: a plain field, or one inside a list of sub-forms by its full name
    (`points-0-decision_note`); `default` when the form has no such field."""
    for field in _all_fields(form):
        if field.name == name:
            return field
    return getattr(form, name, None) or default


def _all_fields(form):
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from (_all_fields(entry.form) if isinstance(entry, FormField) else [entry])
        elif isinstance(field, FormField):
            yield from _all_fields(field.form)
        else:
            yield field


def form_problems(form) -> list[dict]:
    """Every problem of a refused form, in the form's order, each with the link to its field (GOV.UK's error
    summary): sub-forms' fields included, hidden fields' problems without a link."""
    problems, seen = [], set()
    for field in _all_fields(form):
        for message in field.errors or []:
            href = None if isinstance(field, HiddenField) else f"#{field.id}"
            if (href, str(message)) not in seen:
                seen.add((href, str(message)))
                problems.append({"message": message, "href": href})
    return problems + [{"message": message, "href": None} for message in getattr(form, "form_errors", [])]


class DayField(DateField):
    """A date a filter or a form names: only days the app can compute with (webapp/timeutil.py's range), so
    that 9999-12-31 is a field error and never reaches a query."""

    def post_validate(self, form, validation_stopped):
        if not validation_stopped and self.data is not None and not day_in_range(self.data):
            self.errors.append(str(out_of_range_message()))
