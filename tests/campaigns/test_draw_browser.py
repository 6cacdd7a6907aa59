"""The walk of issue 24: the drawing maps (a campaign's area, a walk's route) spoke Leaflet.draw's English in a
Swedish page ("Draw a polygon", "Click to start drawing shape."). They speak the page's language."""
import pytest

from tests.browser import browser_page, live_server, staff_login
from tests.factories import commit, make_user

pytestmark = pytest.mark.browser
WIDE = {"viewport": {"width": 1280, "height": 800}, "is_mobile": False, "has_touch": False}


@pytest.fixture
def server(sqlite_app):
    with live_server(sqlite_app) as url:
        yield url


def test_the_campaign_area_is_drawn_with_swedish_buttons_and_tooltips(server):
    officer = make_user("communications")
    commit()
    with browser_page(server, "draw-words", **WIDE) as page:
        staff_login(page, officer)
        page.goto("/staff/campaigns/new")
        button = page.locator("#area-map a.leaflet-draw-draw-polygon")
        button.wait_for()
        assert button.get_attribute("title") == "Rita ett område"
        assert page.locator("#area-map a.leaflet-draw-edit-remove").get_attribute("title") in (
            "Ta bort det ritade", "Inget ritat att ta bort")
        button.click()
        tooltip = page.locator("#area-map .leaflet-draw-tooltip")
        page.mouse.move(640, 300)
        page.locator("#area-map").hover()
        assert "Klicka för att börja rita området." in tooltip.inner_text()
        assert "Avbryt" in page.locator("#area-map .leaflet-draw-actions-top").inner_text()
