"""The place search's own parts: the built-in gazetteer, and a geocoder that is down or answers outside the kommun."""
from tests.browser import fake_geocoder
from webapp.geo import geocoder


def test_built_in_gazetteer_finds_localities_and_districts_without_accents_or_case(app):
    places = geocoder.gazetteer("Tätort", "Område")
    assert [p.name for p in geocoder.search_gazetteer("glumslov", places)] == ["Glumslöv"]
    assert geocoder.search_gazetteer("öster", places)[0].name == "Centrum/Öster"  # a word inside the name
    assert geocoder.search_gazetteer("  ", places) == []


def test_geocoder_down_leaves_the_built_in_places(app):
    settings = geocoder.GeocoderSettings(url="http://127.0.0.1:9")
    found = geocoder.find_places("Häljarp", settings, geocoder.gazetteer("Tätort", "Område"))
    assert [p.name for p in found.places] == ["Häljarp"]
    assert geocoder.street_at(55.87, 12.83, settings) is None


def test_external_places_outside_the_kommun_are_dropped_and_streets_come_first_after_localities(app):
    places = [{"name": "Landskronavägen", "lat": 55.8702, "lon": 12.8305},
              {"name": "Landskronagatan Malmö", "lat": 55.6050, "lon": 13.0038}]
    with fake_geocoder(places, street="Storgatan") as (url, asked):
        settings = geocoder.GeocoderSettings(url=url)
        found = geocoder.find_places("Landskrona", settings, geocoder.gazetteer("Tätort", "Område"))
        assert [p.name for p in found.places] == ["Landskrona", "Landskronavägen"]
        assert geocoder.street_at(55.8702, 12.8305, settings) == "Storgatan"
        geocoder.street_at(55.8702, 12.8305, settings)  # kept: not asked again
    assert [path for path, _ in asked].count("/reverse") == 1
