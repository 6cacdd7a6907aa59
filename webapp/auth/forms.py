from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from webapp.auth.roles import ROLE_LABELS
from webapp.formfields import CleanForm


class LoginForm(CleanForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Enter your e-mail address.")),
                                                 Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password."))])


class CodeForm(CleanForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(message=_l("Enter the code.")), Length(max=20)])


def role_choices():
    return [SelectChoice(key, label) for key, label in ROLE_LABELS.items()]


DEPARTMENT_CHOICES = [SelectChoice("", "—"), SelectChoice("TS", "TS"), SelectChoice("SB", "SB"),
                      SelectChoice("STA", "STA"), SelectChoice("KOM", "KOM")]


class NewUserForm(CleanForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Enter an e-mail address.")),
                                                 Email(message=_l("That does not look like an e-mail address."),
                                                       check_deliverability=False)])
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices)
    department = SelectField(_l("Department"), choices=DEPARTMENT_CHOICES, validators=[Optional()])
    password = PasswordField(_l("Password (at least 10 characters)"),
                             validators=[DataRequired(message=_l("Enter a password.")), Length(min=10, max=200,
                                         message=_l("The password must be at least 10 characters."))])


class EditUserForm(CleanForm):
    role = SelectField(_l("Role"), choices=role_choices)
    department = SelectField(_l("Department"), choices=DEPARTMENT_CHOICES, validators=[Optional()])
    active = BooleanField(_l("Active (may log in)"))
