"""Form pieces shared by several domains."""
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


def optional_int(value):
    """Coerce a select's value to an int; empty means None, and anything else stays as it was, so that it
    matches no choice and the field shows its own "choose from the list" message."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


class CheckboxList(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
