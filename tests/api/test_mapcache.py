"""The public map's kept answers (webapp/api/mapcache.py): compressed for browsers, revalidated by ETag, kept per
language, and never keeping what belongs to one visitor."""
import gzip
import json

import pytest

from tests.factories import CENTRUM, make_report

URL = f"/api/v1/reports?bbox={CENTRUM[0] - 0.01:.2f},{CENTRUM[1] - 0.01:.2f},{CENTRUM[0] + 0.01:.2f},{CENTRUM[1] + 0.01:.2f}"


@pytest.fixture
def kept(sqlite_app):
    sqlite_app.config["MAP_CACHE_SECONDS"] = 60
    sqlite_app.extensions["map_cache"].clear()
    make_report(category="graffiti")
    yield sqlite_app.test_client()
    sqlite_app.extensions["map_cache"].clear()


def test_browsers_get_the_kept_answer_compressed_and_others_plain(kept):
    plain = kept.get(URL)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    squeezed = kept.get(URL, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert squeezed.headers["Content-Encoding"] == "gzip"
    assert int(squeezed.headers["Content-Length"]) == len(squeezed.data) < len(plain.data)
    assert json.loads(gzip.decompress(squeezed.data)) == plain.json
    assert plain.json["features"][0]["properties"]["category"] == "graffiti"
    assert "Accept-Encoding" in squeezed.headers["Vary"] and "Accept-Language" in squeezed.headers["Vary"]
    refused = kept.get(URL, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.json == plain.json


def test_a_phone_asking_again_gets_not_modified(kept):
    first = kept.get(URL)
    again = kept.get(URL, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert kept.get(URL, headers={"If-None-Match": '"something-else"'}).json == first.json


def test_kept_answers_keep_the_security_headers(kept):
    kept.get(URL)
    again = kept.get(URL)
    assert "frame-ancestors 'none'" in again.headers["Content-Security-Policy"]
    assert again.headers["X-Content-Type-Options"] == "nosniff"
    assert again.headers["Cache-Control"] == "public, max-age=60"


def test_each_language_gets_its_own_answer(kept):
    def name(**headers):
        return kept.get(URL, headers=headers).json["features"][0]["properties"]["category_name"]

    assert name(**{"Accept-Language": "sv-SE,sv;q=0.9"}) == "Klotter"
    assert name(**{"Accept-Language": "en-GB,en;q=0.9"}) == "Graffiti"
    kept.set_cookie("lang", "ar", domain="trygghetskartan.test")  # the remembered choice wins over the browser's languages
    arabic = name(**{"Accept-Language": "sv-SE,sv;q=0.9"})
    assert arabic not in ("Klotter", "Graffiti") and any("\u0600" <= ch <= "\u06ff" for ch in arabic)


def test_a_language_choice_is_remembered_every_time_not_kept_for_others(kept):
    """?lang= sets the visitor's cookie: such answers are not kept, or the next visitor would not get the cookie
    (or worse, would get someone else's)."""
    for _ in range(2):
        response = kept.get(URL + "&lang=en")
        assert "lang=en" in response.headers.get("Set-Cookie", "")
        assert response.json["features"][0]["properties"]["category_name"] == "Graffiti"


def test_refusals_are_not_kept(kept, sqlite_app):
    assert kept.get("/api/v1/reports?bbox=oops").status_code == 400
    again = kept.get("/api/v1/reports?bbox=oops", headers={"Accept-Encoding": "gzip"})
    assert again.status_code == 400 and "bbox" in again.json["error"] and "Content-Encoding" not in again.headers
    for n in range(200):  # a stream of nonsense leaves nothing behind in the worker's memory
        assert kept.get(f"/api/v1/reports?bbox=nonsense{n}").status_code == 400
    assert not sqlite_app.extensions["map_cache"].answers and not sqlite_app.extensions["map_cache"].working


def test_nothing_is_kept_when_switched_off(sqlite_app):
    sqlite_app.config["MAP_CACHE_SECONDS"] = 0
    client = sqlite_app.test_client()
    assert client.get(URL).json["features"] == []
    make_report()
    response = client.get(URL, headers={"Accept-Encoding": "gzip"})
    assert len(response.json["features"]) == 1 and "ETag" not in response.headers
    assert response.headers["Cache-Control"] == "public, max-age=0"


def test_each_worker_keeps_at_most_its_budget_the_oldest_going_first(kept, sqlite_app):
    from tests.factories import KARLSLUND

    sqlite_app.config["MAP_CACHE_BYTES"] = 1  # room for one answer only
    other = (f"/api/v1/reports?bbox={KARLSLUND[0] - 0.01:.2f},{KARLSLUND[1] - 0.01:.2f},"
             f"{KARLSLUND[0] + 0.01:.2f},{KARLSLUND[1] + 0.01:.2f}")
    assert len(kept.get(URL).json["features"]) == 1
    assert kept.get(other).json["features"] == []  # kept; the first box's answer made way for it
    make_report(at=CENTRUM)
    make_report(at=KARLSLUND)
    assert len(kept.get(URL).json["features"]) == 2  # asked again: the database's answer
    assert len(kept.get(other).json["features"]) == 1  # the second box made way in turn


@pytest.mark.parametrize("header", ["gzip;q=abc", "gzip;q=", ";;,,gzip;;q=1;q=0", "gzip;q=1e999", "*;q=0.5"])
def test_odd_accept_encoding_headers_get_an_answer_not_an_error(kept, header):
    response = kept.get(URL, headers={"Accept-Encoding": header})
    assert response.status_code == 200
    body = gzip.decompress(response.data) if response.headers.get("Content-Encoding") == "gzip" else response.data
    assert json.loads(body)["features"][0]["properties"]["category"] == "graffiti"


def test_each_filter_gets_its_own_answer(kept):
    """The public map's category and status are part of the query string, so each is kept apart."""
    every = kept.get(URL).json["features"]
    only_graffiti = kept.get(URL + "&category=graffiti").json["features"]
    only_litter = kept.get(URL + "&category=littered").json["features"]
    handled = kept.get(URL + "&status=handled").json["features"]
    assert len(every) == len(only_graffiti) == 1 and only_litter == [] and handled == []
    assert kept.get(URL + "&category=littered").json["features"] == []  # kept, and still the right answer
