"""Streets found without an outside geocoder (issue 24.7): `flask geo import-streets` from the lists a kommun has,
words in any order, the kommun's own name ignored, and an honest answer when no street list exists.

The street names are real Landskrona streets; the positions in these files are invented for the test."""
import json

from webapp.geo import geocoder, streets
from webapp.geo.services import to_sweref

STORGATAN = (12.8300, 55.8705)
JARNVAGSGATAN_2 = (12.8362, 55.8731)


def osm_extract(tmp_path):
    """An OpenStreetMap-like extract: a street as a line, addresses as points, a path without a name."""
    features = [
        {"type": "Feature", "properties": {"highway": "residential", "name": "Storgatan"},
         "geometry": {"type": "LineString", "coordinates": [[12.8290, 55.8700], [12.8310, 55.8710]]}},
        {"type": "Feature", "properties": {"addr:street": "Järnvägsgatan", "addr:housenumber": "2"},
         "geometry": {"type": "Point", "coordinates": list(JARNVAGSGATAN_2)}},
        {"type": "Feature", "properties": {"addr:street": "Järnvägsgatan", "addr:housenumber": "4 B"},
         "geometry": {"type": "Point", "coordinates": [12.8366, 55.8733]}},
        {"type": "Feature", "properties": {"highway": "footway"},
         "geometry": {"type": "LineString", "coordinates": [[12.83, 55.87], [12.831, 55.871]]}},
        {"type": "Feature", "properties": {"name": "Storgatan"},  # in Malmö: outside the kommun
         "geometry": {"type": "Point", "coordinates": [13.0038, 55.6050]}},
    ]
    path = tmp_path / "osm.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_an_openstreetmap_extract_is_imported_with_a_progress_bar_and_found_in_any_word_order(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["geo", "import-streets", str(osm_extract(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "Streets and addresses" in result.output  # the progress bar's label
    # Storgatan's line, two addresses and Järnvägsgatan's own point (from its addresses); not Malmö, not the path
    assert "Imported 4 streets and addresses (2 street names)" in result.output

    settings = geocoder.GeocoderSettings()  # no outside geocoder
    built_in = geocoder.gazetteer("Tätort", "Område")
    found = geocoder.find_places("Storgatan", settings, built_in, "Gata")
    assert found.streets_searchable
    assert [(p.name, p.detail) for p in found.places] == [("Storgatan", "Gata")]
    assert abs(found.places[0].lon - 12.8300) < 1e-4 and abs(found.places[0].lat - 55.8705) < 1e-4  # the line's middle
    first = geocoder.find_places("Järnvägsgatan 2", settings, built_in, "Gata").places[0]
    assert first.name == "Järnvägsgatan 2" and (first.lon, first.lat) == JARNVAGSGATAN_2 and first.zoom == 18
    assert geocoder.find_places("2 jarnvags", settings, built_in).places[0].name == "Järnvägsgatan 2"
    assert geocoder.find_places("Järnvägsgatan 4b", settings, built_in).places[0].name == "Järnvägsgatan 4B"
    # A number the list does not know: the street itself
    assert geocoder.find_places("Järnvägsgatan 99", settings, built_in).places[0].name == "Järnvägsgatan"
    # The kommun's own name is not part of any street's name
    assert geocoder.find_places("Storgatan Landskrona", settings, built_in).places[0].name == "Storgatan"
    assert geocoder.find_places("Landskrona centrum", settings, built_in).places[0].name == "Centrum/Öster"
    assert geocoder.find_places("Landskrona", settings, built_in).places[0].name == "Landskrona"


def test_a_csv_from_swedish_excel_in_sweref_replaces_the_same_source_on_a_new_import(app, tmp_path):
    e, n = to_sweref(*STORGATAN)
    path = tmp_path / "adresser.csv"
    path.write_bytes(f"Gatunamn;Nummer;Postort;E;N\nStorgatan;12;Landskrona;{e:.1f};{n:.1f}\n".replace(".", ",")
                     .encode("cp1252"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["geo", "import-streets", str(path), "--source", "kommunen"]).exit_code == 0
    place = geocoder.find_places("storgatan 12", geocoder.GeocoderSettings(), []).places[0]
    assert place.name == "Storgatan 12" and place.detail == "Landskrona"
    assert abs(place.lon - STORGATAN[0]) < 1e-5 and abs(place.lat - STORGATAN[1]) < 1e-5

    path.write_text("street,number,lon,lat\nÖstergatan,1,12.835,55.872\n", encoding="utf-8")
    assert runner.invoke(args=["geo", "import-streets", str(path), "--source", "kommunen"]).exit_code == 0
    assert geocoder.find_places("storgatan", geocoder.GeocoderSettings(), []).places == []  # replaced
    assert geocoder.find_places("östergatan", geocoder.GeocoderSettings(), []).places[0].name == "Östergatan"
    assert geocoder.find_places("östergatan 1", geocoder.GeocoderSettings(), []).places[0].name == "Östergatan 1"


def test_a_file_the_import_cannot_use_is_refused_with_its_reason_and_nothing_changes(app, tmp_path):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text("street,number\nStorgatan,1\n")
    result = runner.invoke(args=["geo", "import-streets", str(bad)])
    assert result.exit_code != 0 and "Row 2 (Storgatan): no position" in result.output
    far = tmp_path / "malmo.csv"
    far.write_text("street,lon,lat\nStorgatan,13.0038,55.6050\n")
    result = runner.invoke(args=["geo", "import-streets", str(far)])
    assert result.exit_code != 0 and "No street in the file lies in Landskrona kommun" in result.output
    assert not streets.has_streets()


def test_without_a_street_list_or_geocoder_the_search_says_so_and_offers_the_areas(app, client):
    answer = client.get("/platser?q=Storgatan").get_json()
    assert answer["places"] == [] and answer["streets"] is False
    assert "Centrum/Öster" in [a["name"] for a in answer["areas"]]
    assert "Landskrona" in [a["name"] for a in answer["areas"]]
    page = client.get("/").get_data(as_text=True)
    assert "Gator går inte att söka här ännu" in page
    # An area is still found by name, and then no list of areas is pushed
    answer = client.get("/platser?q=Landskrona+centrum").get_json()
    assert answer["places"][0]["name"] == "Centrum/Öster" and answer["areas"] == []
