"""The source strings are English: copy every msgid into the English catalog so it is complete.

Run by `make extract` after `pybabel update`; other languages are translated by hand in their .po files.
"""
from pathlib import Path

from babel.messages.pofile import read_po, write_po

path = Path(__file__).resolve().parent.parent / "webapp/translations/en/LC_MESSAGES/messages.po"
with path.open("rb") as handle:
    catalog = read_po(handle, locale="en")
for message in catalog:
    if message.id:
        message.string = message.id if isinstance(message.id, str) else tuple(message.id)
        message.flags.discard("fuzzy")
with path.open("wb") as handle:
    write_po(handle, catalog, width=100, omit_header=False)
