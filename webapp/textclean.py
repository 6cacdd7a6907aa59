"""Text from outside, cleaned one way everywhere it comes in: forms (webapp/formfields.py CleanForm), the
Open311 POST, imported posts, and the report service itself. Control characters have no place in what people
write, and XML 1.0 cannot carry most of them at all: one stored \\x01 would break the whole Open311 XML feed.
Newlines and tabs stay in multi-line text; in a single-line field they become spaces."""
from __future__ import annotations

import re

# C0 controls except tab, newline and carriage return; DEL and the C1 controls; lone surrogates; and the two
# non-characters U+FFFE and U+FFFF.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]")
# Everything outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean_text(value, multiline: bool = True):
    """`value` without control characters (keeping newlines and tabs when `multiline`); not a string: as is."""
    if not isinstance(value, str):
        return value
    value = _CONTROLS.sub("", value)
    return value if multiline else _LINE_BREAKS.sub(" ", value)


def clean_line(value):
    """A single line: control characters dropped, line breaks and tabs made spaces."""
    return clean_text(value, multiline=False)


def xml_safe(value: str) -> str:
    """`value` with every character XML 1.0 forbids removed, for writing XML from any stored text."""
    return _NOT_XML.sub("", value)


# What a resident may write about themselves without meaning to publish it: an e-mail address, a telephone
# number (Swedish, with or without +46 and spaces or dashes), a personal identity number (personnummer or
# samordningsnummer, with or without the century). Not dates (2018-02-05), times or report references.
_CONTACT_DETAILS = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"                                  # e-mail
    r"|(?<![\w-])(?:19|20)?\d{2}[01]\d[0-3]\d[-+]?\d{4}(?![\w-])"   # personnummer
    r"|(?<![\w+-])(?:\+46[\s-]?|0)\d{1,3}(?:[\s-]?\d){5,8}(?![\w-])")  # telephone
MASK = "[…]"


def mask_contact_details(text: str | None) -> str | None:
    """`text` as the public may read it: e-mail addresses, telephone numbers and personal identity numbers
    replaced by […]. The stored text keeps them for the staff who contact the reporter."""
    if not text:
        return text
    return _CONTACT_DETAILS.sub(MASK, text)
