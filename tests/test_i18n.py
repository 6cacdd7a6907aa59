"""Every string a user reads is in every catalog, translated and not fuzzy."""
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["sv", "en"]


def _extract(tmp_path_factory, config: str) -> set[str]:
    """The strings in the code and templates now, extracted as `make extract` does."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", config,
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    return _extract(tmp_path_factory, "babel.cfg")


@pytest.fixture(scope="module")
def resident_strings(tmp_path_factory):
    """Only what residents read: the report pages, the map, campaign and protocol pages, e-mails, errors."""
    return _extract(tmp_path_factory, "babel-resident.cfg")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_is_complete(extracted, lang):
    _assert_complete(extracted, lang)


def test_arabic_catalog_is_complete_for_residents(resident_strings, extracted):
    assert 200 < len(resident_strings) < len(extracted)
    _assert_complete(resident_strings, "ar")


def _assert_complete(extracted: set[str], lang: str) -> None:
    with (ROOT / f"webapp/translations/{lang}/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        translated[key] = bool(all(strings)) and "fuzzy" not in message.flags
    assert len(extracted) > 100  # the extraction really ran over the code and templates
    missing = sorted(key for key in extracted if not translated.get(key))
    assert missing == [], f"{lang}: untranslated, fuzzy or missing: {missing}"


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_placeholders_survive_translation(lang):
    with (ROOT / f"webapp/translations/{lang}/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    import re

    for message in catalog:
        if message.id and isinstance(message.id, str) and message.string:
            assert sorted(re.findall(r"%\(\w+\)\w", message.id)) == sorted(re.findall(r"%\(\w+\)\w", message.string)), message.id
