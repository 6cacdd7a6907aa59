"""Fast on a phone (issue 24.19): every static URL carries its content's hash and is kept a year, immutable;
pages, styles and scripts are compressed by the app itself (no proxy needed); the public map's pre-gzipped
answers are not compressed twice; the service worker keeps the very URLs the pages ask for."""
import gzip
import json
import re
from pathlib import Path

import brotli
import pytest

from tests.factories import CENTRUM, make_report

STATIC = Path(__file__).resolve().parent.parent / "static"
MAP_API = (f"/api/v1/reports?bbox={CENTRUM[0] - 0.01:.2f},{CENTRUM[1] - 0.01:.2f},"
           f"{CENTRUM[0] + 0.01:.2f},{CENTRUM[1] + 0.01:.2f}")


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


def decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    if encoding == "br":
        return brotli.decompress(data)
    if encoding == "gzip":
        return gzip.decompress(data)
    assert encoding is None, encoding
    return data


@pytest.mark.parametrize("path", ["/", "/karta", "/?lang=ar", "/tillganglighet"])
def test_every_static_url_on_a_page_is_versioned_and_kept_a_year(web, path):
    urls = static_urls(web.get(path).get_data(as_text=True))
    assert any("leaflet" in url or "app.css" in url for url in urls)
    for url in urls:
        assert re.search(r"\?v=[0-9a-f]{10}$", url), url
        response = web.get(url)
        assert response.status_code == 200, url
        cache = response.headers["Cache-Control"]
        assert "immutable" in cache and "max-age=31536000" in cache and "no-cache" not in cache, (url, cache)


def test_a_changed_file_gets_a_new_url_and_old_or_plain_urls_are_revalidated(web):
    page = web.get("/karta").get_data(as_text=True)
    url = next(u for u in static_urls(page) if "app.css" in u)
    name, version = url.split("?v=")
    plain = web.get(name)
    assert plain.status_code == 200 and "immutable" not in plain.headers.get("Cache-Control", "")
    stale = web.get(f"{name}?v=0000000000")  # a page from before an update asks for the old file
    assert "immutable" not in stale.headers.get("Cache-Control", "")


def test_scripts_styles_and_pages_are_compressed_without_a_proxy(web):
    leaflet = (STATIC / "vendor/leaflet/leaflet.js").read_bytes()
    page = web.get("/karta").get_data(as_text=True)
    url = next(u for u in static_urls(page) if u.startswith("/static/vendor/leaflet/leaflet.js"))
    for accept in ("gzip, deflate, br, zstd", "gzip, deflate, br"):
        response = web.get(url, headers={"Accept-Encoding": accept})
        assert response.headers.get("Content-Encoding") == "br"  # every current browser takes brotli
        body = response.get_data()
        assert len(body) < len(leaflet) / 2
        assert decoded(response) == leaflet
    assert "Accept-Encoding" in response.headers["Vary"]
    # A browser that accepts nothing gets the file as it is.
    assert web.get(url).get_data() == leaflet and "Content-Encoding" not in web.get(url).headers

    html = web.get("/", headers={"Accept-Encoding": "gzip"})
    assert html.headers["Content-Encoding"] == "gzip"
    assert "<main" in gzip.decompress(html.get_data()).decode()


def test_the_public_maps_kept_answers_are_compressed_once(sqlite_app):
    sqlite_app.config["MAP_CACHE_SECONDS"] = 60
    sqlite_app.extensions["map_cache"].clear()
    for _ in range(4):  # an answer long enough to be worth compressing
        make_report(category="graffiti")
    web = sqlite_app.test_client()
    try:
        for _ in range(2):  # the first asks the app, the second is handed the kept answer
            response = web.get(MAP_API, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
            assert response.headers.getlist("Content-Encoding") == ["gzip"]
            data = json.loads(gzip.decompress(response.get_data()))
            assert data["features"][0]["properties"]["category"] == "graffiti"
    finally:
        sqlite_app.extensions["map_cache"].clear()
    sqlite_app.config["MAP_CACHE_SECONDS"] = 0  # without the kept answers the app compresses the answer itself
    response = web.get(MAP_API, headers={"Accept-Encoding": "gzip"})
    assert response.headers.getlist("Content-Encoding") == ["gzip"]
    assert json.loads(gzip.decompress(response.get_data()))["features"]


def test_the_service_worker_keeps_the_urls_the_pages_ask_for(web):
    body = web.get("/sw.js").get_data(as_text=True)
    precache = json.loads(re.search(r"const PRECACHE = (.*);", body).group(1))
    for path in ("/", "/karta"):
        for url in static_urls(web.get(path).get_data(as_text=True)):
            if url.endswith((".js", ".css")) or ".js?" in url or ".css?" in url:
                assert url in precache, url
    # Scripts import each other by plain names (./map-common.js): those are kept too, for a phone offline.
    assert "/static/js/map-common.js" in precache
