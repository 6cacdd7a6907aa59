"""Area alerts on a phone (issue 24, the walk after the fixes): "around a place" was two boxes for degrees. Now
the street search, the phone's position or a tap on the map chooses the place, and a circle shows what is
covered; the degree fields still work without the map."""
import pytest

from tests.browser import browser_page, live_server

pytestmark = pytest.mark.browser


@pytest.fixture
def server(sqlite_app):
    with live_server(sqlite_app) as url:
        yield url


@pytest.mark.parametrize("locale, chosen", [("sv-SE", "Valt: inom 250 m"), ("ar-SE", "250")])
def test_a_tap_on_the_map_chooses_the_place_and_the_circle_follows_the_distance(server, locale, chosen):
    with browser_page(server, f"alert-map-{locale}", locale=locale) as page:
        page.goto("/bevakning")
        page.wait_for_selector("#alert-map.leaflet-container")
        page.locator("select[name=radius_m]").select_option("250")
        page.locator("#alert-map").click()
        page.wait_for_function("() => document.querySelector('input[name=lat]').value !== ''")
        assert page.locator("input[name=kind][value=radius]").is_checked()
        assert 55.7 < float(page.locator("input[name=lat]").input_value()) < 56.1
        assert 12.6 < float(page.locator("input[name=lon]").input_value()) < 13.1
        assert chosen in page.locator("#alert-map-status").inner_text()
        assert page.locator("#alert-map path.leaflet-interactive").count() == 1  # the circle
        # The map's own controls stay clear of the search box (as on the report form, 24.1).
        search = page.locator("#place-query").bounding_box()
        zoom = page.locator("#alert-map .leaflet-control-zoom").bounding_box()
        overlap_x = min(search["x"] + search["width"], zoom["x"] + zoom["width"]) - max(search["x"], zoom["x"])
        overlap_y = min(search["y"] + search["height"], zoom["y"] + zoom["height"]) - max(search["y"], zoom["y"])
        assert overlap_x <= 0 or overlap_y <= 0
