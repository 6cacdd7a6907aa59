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
