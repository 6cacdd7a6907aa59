"""One cleaning step for all text from outside (webapp/textclean.py), and every form uses it."""
import importlib
import pkgutil
from xml.etree import ElementTree as ET

from flask_wtf import FlaskForm
from wtforms import Form

import webapp
from webapp.formfields import CleanForm, CleanSubForm
from webapp.textclean import clean_line, clean_text, xml_safe

HOSTILE = "Lampan\x01\x0b är\x00 släckt\x1b[31m\x7f\x85\ufffe\n\tsedan\r\nigår\ud800 – مظلم"


def test_clean_text_keeps_lines_and_tabs_and_drops_controls():
    assert clean_text(HOSTILE) == "Lampan är släckt[31m\n\tsedan\r\nigår – مظلم"
    assert clean_line(HOSTILE) == "Lampan är släckt[31m  sedan  igår – مظلم"
    assert clean_text(None) is None and clean_text(5) == 5


def test_xml_safe_leaves_only_what_xml_can_carry():
    element = ET.Element("d")
    element.text = xml_safe(HOSTILE)
    ET.fromstring(ET.tostring(element))  # well-formed
    assert "\x01" not in element.text and "\x85" in element.text  # C1 controls are legal in XML 1.0


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_form_in_the_application_cleans_its_text(sqlite_app):
    for module in pkgutil.walk_packages(webapp.__path__, "webapp."):
        importlib.import_module(module.name)
    forms = [c for c in _all_subclasses(FlaskForm) if c.__module__.startswith("webapp.")]
    assert len(forms) > 20
    assert [c.__qualname__ for c in forms if not issubclass(c, CleanForm)] == []
    sub_forms = [c for c in _all_subclasses(Form) if c.__module__.startswith("webapp.")
                 and not issubclass(c, FlaskForm)]
    assert [c.__qualname__ for c in sub_forms if not issubclass(c, CleanSubForm)] == []


def test_a_form_field_is_cleaned_before_validation(sqlite_app):
    from werkzeug.datastructures import MultiDict
    from wtforms import PasswordField, StringField, TextAreaField

    class Probe(CleanForm):
        class Meta:
            csrf = False

        line = StringField(filters=[lambda v: v.strip() if v else v])
        text = TextAreaField()
        secret = PasswordField()

    with sqlite_app.test_request_context():
        form = Probe(MultiDict({"line": " a\x01\nb ", "text": "a\x0b\nb\tc", "secret": "p\x01w"}))
        assert form.line.data == "a b" and form.text.data == "a\nb\tc" and form.secret.data == "p\x01w"
