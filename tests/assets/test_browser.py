"""A resident picks the lamp, not just a point, in a real browser (issue 26). The lamp is invented for the test."""
import json

import pytest
from sqlalchemy import select

from tests.browser import browser_page, live_server
from webapp.assets.models import ReportAsset
from webapp.extensions import db
from webapp.municipality import current_municipality

pytestmark = pytest.mark.browser


def test_resident_chooses_the_street_light_from_the_list_and_it_comes_with_the_report(sqlite_app, tmp_path):
    lat, lon = current_municipality().center
    path = tmp_path / "lamps.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ID": "L-9"}, "geometry": {"type": "Point", "coordinates": [lon, lat]}}]}))
    result = sqlite_app.test_cli_runner().invoke(args=["assets", "import", str(path), "--kind", "street_light",
                                                       "--id-field", "ID"])
    assert result.exit_code == 0, result.output
    with live_server(sqlite_app) as url, browser_page(url, "asset-pick") as page:
        page.goto("/")
        page.wait_for_selector("#report-map.leaflet-container")
        page.locator("#report-map").click()  # the middle of the map, where the lamp stands
        page.get_by_label("Trasig eller släckt gatubelysning").check()
        page.wait_for_selector("#asset-pick:not([hidden]) #asset-list button")
        page.get_by_role("button", name="Belysningsstolpe L-9").click()
        assert page.locator("#asset-chosen").inner_text() == "Vald: Belysningsstolpe L-9"
        assert float(page.locator("#lat").input_value()) == pytest.approx(lat, abs=1e-5)
        for _ in range(5):  # in to zoom 16 and more: the lamp shows on the map
            page.locator(".leaflet-control-zoom-in").click()
            page.wait_for_timeout(300)
        page.wait_for_selector("path.leaflet-interactive, .marker-cluster", timeout=10000)
        page.get_by_role("button", name="Skicka rapport").click()
        page.wait_for_selector(".receipt")
    assert db.session.execute(select(ReportAsset)).scalar_one()
