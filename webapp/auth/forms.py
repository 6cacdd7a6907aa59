from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.auth.roles import ROLE_LABELS
from webapp.auth.services import department_codes
from webapp.formfields import CleanForm


class LoginForm(CleanForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Enter your e-mail address.")),
                                                 Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password."))])


class CodeForm(CleanForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(message=_l("Enter the code.")), Length(max=20)])


class ChoosePasswordForm(CleanForm):
    current_password = PasswordField(_l("The one-time password you were given"),
                                     validators=[DataRequired(message=_l("Enter your password."))])
    password = PasswordField(_l("New password (at least 10 characters)"),
                             validators=[DataRequired(message=_l("Enter a password.")), Length(max=200)])
    confirm = PasswordField(_l("The new password again"),
                            validators=[DataRequired(message=_l("Enter a password.")),
                                        EqualTo("password", message=_l("The two passwords are not the same."))])


class ReenrolForm(CodeForm):
    """Replacing an authenticator: the password and a code from the current one, then a code from the new."""
    password = PasswordField(_l("Your password"), validators=[DataRequired(message=_l("Enter your password."))])
    current_code = StringField(_l("Code from your current authenticator app, or a recovery code"),
                               validators=[DataRequired(message=_l("Enter the code.")), Length(max=20)])
    code = StringField(_l("Code from the new authenticator"),
                       validators=[DataRequired(message=_l("Enter the code.")), Length(max=20)])


def role_choices():
    return [SelectChoice(key, label) for key, label in ROLE_LABELS.items()]


def department_choices():
    """The kommun's departments as the database holds them (retired ones are not offered)."""
    return [SelectChoice("", "—")] + [SelectChoice(code, code) for code in department_codes()]


class NewUserForm(CleanForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Enter an e-mail address.")),
                                                 Email(message=_l("That does not look like an e-mail address."),
                                                       check_deliverability=False)])
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices)
    department = SelectField(_l("Department"), choices=department_choices, validators=[Optional()])
    password = PasswordField(_l("Password (at least 10 characters)"),
                             validators=[DataRequired(message=_l("Enter a password.")), Length(min=10, max=200,
                                         message=_l("The password must be at least 10 characters."))])


class EditUserForm(CleanForm):
    role = SelectField(_l("Role"), choices=role_choices)
    department = SelectField(_l("Department"), choices=department_choices, validators=[Optional()])
    # The choices (work order kinds) are set by the view.
    work_kinds = SelectMultipleField(_l("Kinds of work (crew members; none ticked: every kind of the department)"),
                                     widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                     validators=[Optional()])
    active = BooleanField(_l("Active (may log in)"))
