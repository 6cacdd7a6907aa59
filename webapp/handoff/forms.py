"""The administrator's forms for receiving systems and routes, and the officer's "send again"."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from webapp.formfields import CleanForm, empty_choice

METHOD_LABELS = {"email": _l("E-mail (a structured mail per report)"),
                 "open311": _l("Open311 GeoReport v2 (the kommun's case system)")}


class TargetForm(CleanForm):
    name = StringField(_l("Name of the receiving system"),
                       validators=[DataRequired(message=_l("Give the receiving system a name.")), Length(max=120)])
    method = SelectField(_l("Send method"), choices=list(METHOD_LABELS.items()),
                         validators=[DataRequired(message=_l("Choose how reports are sent."))])
    email = StringField(_l("E-mail address (e-mail)"), validators=[Length(max=254)])
    endpoint = StringField(_l("Open311 address (Open311)"), validators=[Length(max=500)],
                           description=_l("The base address, e.g. https://drift.example.se/open311/v2/"))
    api_key = PasswordField(_l("API key (Open311)"), validators=[Length(max=200)],
                            description=_l("Left empty, the stored key is kept."))
    jurisdiction_id = StringField(_l("jurisdiction_id (Open311, if the other system wants one)"),
                                  validators=[Length(max=100)])
    service_codes = TextAreaField(_l("Service codes (Open311): one category=code per line"),
                                  description=_l("A category not listed is sent with its own key as the code."))
    active = BooleanField(_l("Send to this system"), default=True)


class RouteForm(CleanForm):
    scope = SelectField(_l("Department or category"),
                        validators=[DataRequired(message=_l("Choose a department or a category."))])
    target = SelectField(_l("Send new reports to"),
                         validators=[DataRequired(message=_l("Choose where the reports go."))])


class ResendForm(CleanForm):
    """Only the CSRF token: the button says what it does."""


def route_choices(form: RouteForm, departments: list[tuple[str, str]], categories: list[tuple[str, str]],
                  targets: list[tuple[str, str]]) -> RouteForm:
    form.scope.choices = [empty_choice()] + [(f"department:{code}", label) for code, label in departments] + \
        [(f"category:{key}", label) for key, label in categories]
    form.target.choices = [empty_choice(), ("inherit", _l("As its department (remove the setting)")),
                           ("none", _l("None: handled here"))] + [(f"target:{i}", name) for i, name in targets]
    return form
