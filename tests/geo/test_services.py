"""Landskrona's boundary, districts and zones, and the GeoJSON import from the city's GIS."""
import json

import pytest
from sqlalchemy import select

from tests.factories import CENTRUM, COPENHAGEN, KARLSLUND, MALMO, VEN, make_report
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.models import District, Zone


@pytest.mark.parametrize("point", [CENTRUM, KARLSLUND, VEN, (12.9133, 55.8535)], ids=["centrum", "karlslund", "ven", "haljarp"])
def test_places_in_landskrona_are_inside(point):
    assert geo.is_in_kommun(*point)


@pytest.mark.parametrize("point", [MALMO, COPENHAGEN, (12.70, 55.80), (200.0, 55.0)], ids=["malmo", "copenhagen", "sound", "nonsense"])
def test_places_elsewhere_are_outside(point):
    assert not geo.is_in_kommun(*point)


def test_coast_margin_allows_the_shore_the_simplified_boundary_cuts_off():
    # The Citadel's harbour lies a little outside the simplified 32-vertex boundary in places;
    # a point 300 m beyond a boundary vertex is accepted, 3 km is not.
    x, y = geo.to_sweref(12.805465869094956, 55.84610695127706)
    near = geo.to_wgs84(x - 300, y)
    far = geo.to_wgs84(x - 3000, y)
    assert geo.is_in_kommun(*near)
    assert not geo.is_in_kommun(*far)


def test_sweref_conversion_matches_known_coordinates():
    # SCB's reference point for Landskrona tätort (from the shipped tätorter file).
    data = json.loads((geo.DATA_DIR / "tatorter-1282-2020.geojson").read_text())
    landskrona = next(f for f in data["features"] if f["properties"]["name"] == "Landskrona")
    props = landskrona["properties"]
    easting, northing = geo.to_sweref(*landskrona["geometry"]["coordinates"])
    assert easting == pytest.approx(props["sweref99tm_x"], abs=1)
    assert northing == pytest.approx(props["sweref99tm_y"], abs=1)


def test_demo_districts_are_marked_approximate(app):
    districts = db.session.execute(select(District)).scalars().all()
    assert {d.name for d in districts} == {"Centrum/Öster", "Övriga Centrum", "Karlslund/Norrestad",
                                           "Borstahusen/Västra Fäladen", "Byarna"}
    assert all(d.is_approximate for d in districts)


def test_report_gets_district_and_zone_from_its_point(app):
    report, _ = make_report(at=CENTRUM)
    assert report.district.name == "Centrum/Öster"
    assert report.zone is not None
    other, _ = make_report(at=KARLSLUND)
    assert other.district.name == "Karlslund/Norrestad"
    assert other.zone is None
    island, _ = make_report(at=VEN)
    assert island.district.name == "Byarna"


def _sweref_collection(name: str, lon_lat_ring: list[tuple[float, float]]) -> dict:
    ring = [list(geo.to_sweref(lon, lat)) for lon, lat in lon_lat_ring]
    return {"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}},
            "features": [{"type": "Feature", "properties": {"namn": name},
                          "geometry": {"type": "Polygon", "coordinates": [ring]}}]}


def test_city_layer_in_sweref_is_imported_and_used(app, tmp_path):
    square = [(12.825, 55.868), (12.835, 55.868), (12.835, 55.874), (12.825, 55.874), (12.825, 55.868)]
    path = tmp_path / "stadsdelar.geojson"
    path.write_text(json.dumps(_sweref_collection("Rådhuskvarteret", square)))

    assert geo.import_districts(path) == 1

    district = db.session.execute(select(District).where(District.name == "Rådhuskvarteret")).scalar_one()
    assert not district.is_approximate
    lon, lat = json.loads(district.geometry)["coordinates"][0][0]
    assert lon == pytest.approx(12.825, abs=1e-6) and lat == pytest.approx(55.868, abs=1e-6)
    report, _ = make_report(at=(12.83, 55.871))
    assert report.district.name in {"Rådhuskvarteret", "Centrum/Öster"}  # overlapping demo layer stays


def test_zone_import_through_the_cli(app, tmp_path):
    square = [(12.825, 55.868), (12.835, 55.868), (12.835, 55.874), (12.825, 55.874), (12.825, 55.868)]
    path = tmp_path / "zon.geojson"
    path.write_text(json.dumps(_sweref_collection("Torget", square)))
    result = app.test_cli_runner().invoke(args=["geo", "import", "zones", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 1 zones" in result.output
    assert db.session.execute(select(Zone).where(Zone.name == "Torget")).scalar_one()


@pytest.mark.parametrize("content, message", [
    ("not json", "Cannot read"),
    ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
    ('{"type": "FeatureCollection", "features": []}', "no features"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "X"},'
     ' "geometry": {"type": "Point", "coordinates": [12.83, 55.87]}}]}', "not a polygon"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Lund"},'
     ' "geometry": {"type": "Polygon", "coordinates": [[[13.1,55.7],[13.2,55.7],[13.2,55.75],[13.1,55.7]]]}}]}',
     "not in Landskrona"),
], ids=["not-json", "not-collection", "empty", "point", "elsewhere"])
def test_bad_files_are_refused_with_a_reason_and_change_nothing(app, tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    before = db.session.execute(select(District.name)).scalars().all()
    result = app.test_cli_runner().invoke(args=["geo", "import", "districts", str(path)])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.execute(select(District.name)).scalars().all() == before
