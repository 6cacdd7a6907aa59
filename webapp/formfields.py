"""Form pieces shared by several domains."""
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, PasswordField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.textclean import clean_text


class _CleansText:
    """Meta for forms whose text fields drop control characters before anything else sees the value: every
    StringField (TextAreaField, EmailField, hidden fields…) but passwords, which are taken as typed. Hidden fields
    (the CSRF token, versions, keys) carry no id: a page with several forms would repeat it, and nothing labels
    them."""

    def bind_field(self, form, unbound_field, options):
        kind = unbound_field.field_class
        if issubclass(kind, StringField) and not issubclass(kind, PasswordField):
            multiline = issubclass(kind, TextAreaField)
            options = {**options, "filters": [_cleaner(multiline), *unbound_field.kwargs.get("filters", ())]}
        if issubclass(kind, HiddenField):
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
