"""static/vendor/ (copied from npm by `make vendor`) holds what the pages load and nothing else."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"
REFERENCE = re.compile(r"vendor/([A-Za-z0-9_.@/-]+\.(?:js|css|png|svg))")
# Where the app names vendor files: the templates, the page scripts and the service worker's list.
SOURCES = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "templates").rglob("*.js"),
           *(ROOT / "static" / "js").rglob("*.js"), *(ROOT / "webapp").rglob("*.py")]

pytestmark = pytest.mark.skipif(not VENDOR.is_dir(), reason="static/vendor is missing: run make vendor")


def _vendor_files() -> set[str]:
    return {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}


def _referenced() -> set[str]:
    return {m for path in SOURCES for m in REFERENCE.findall(path.read_text(encoding="utf-8"))}


def _css_images() -> set[str]:
    """The images the vendor style sheets point at (url(images/…)), relative to static/vendor."""
    found = set()
    for css in VENDOR.rglob("*.css"):
        for url in re.findall(r"url\(['\"]?([^'\")]+)['\"]?\)", css.read_text(encoding="utf-8")):
            if not url.startswith(("#", "data:", "http")):
                found.add((css.parent / url).resolve().relative_to(VENDOR.resolve()).as_posix())
    return found


def test_no_source_maps_or_unminified_builds():
    extra = [f for f in _vendor_files() if f.endswith(".map") or "-src" in f or ".esm." in f]
    assert extra == []
    with_map_comment = [f for f in _vendor_files() if f.endswith(".js")
                        and "sourceMappingURL" in (VENDOR / f).read_text(encoding="utf-8")]
    assert with_map_comment == []


def test_every_referenced_vendor_file_exists():
    referenced = _referenced()
    assert "leaflet/leaflet.js" in referenced
    assert sorted(referenced - _vendor_files()) == []
    assert sorted(_css_images() - _vendor_files()) == []


def test_nothing_unused_is_copied():
    assert sorted(_vendor_files() - _referenced() - _css_images()) == []
