"""Open data: the dataset holds only public reports and only its published columns, the DCAT-AP-SE catalogue
parses and names the licence and the download addresses, the daily job refreshes the files, and every public
page's footer links to the dataset's page."""
import csv
import io
import json
from datetime import datetime, timezone

import time_machine
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from tests.factories import make_report
from webapp.extensions import db
from webapp.opendata import services
from webapp.reports.models import Report

CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
PRIVATE = {"description", "reporter_email", "reporter_name", "reporter_phone", "gender", "age_group", "answers",
           "token_hash", "filed_by", "hidden_reason", "client_token", "idempotency_hash", "location_text",
           "external_contact", "safety_rating", "media_url", "import_key"}


def world():
    public, _ = make_report(description="Min granne Kalle", email="boende@example.org")
    public.reporter_name, public.reporter_phone = "Kalle Svensson", "0701234567"
    public.gender, public.age_group = "woman", "30-44"
    hidden, _ = make_report(description="Hemligt")
    hidden.hidden = True
    db.session.commit()
    return public, hidden


def test_the_dataset_holds_only_public_reports_and_no_private_field(app, client):
    public, hidden = world()
    built = services.build()
    assert built.rows == 1
    table = list(csv.DictReader(io.StringIO(client.get("/opendata/rapporter.csv").get_data(as_text=True))))
    assert [row["reference"] for row in table] == [public.reference]
    assert tuple(table[0]) == services.COLUMNS
    assert not PRIVATE & set(table[0])
    # Every column: no value of a private field of any report, and nothing of the hidden one.
    private_values = {str(getattr(r, name)) for r in (public, hidden) for name in PRIVATE if getattr(r, name)}
    for row in table:
        for column, value in row.items():
            assert value not in private_values, column
            assert hidden.reference not in value
    assert table[0]["category_code"] == "littered" and table[0]["district"]
    geo = json.loads(client.get("/opendata/rapporter.geojson").data)
    assert [f["properties"]["reference"] for f in geo["features"]] == [public.reference]
    feature = geo["features"][0]
    assert set(feature["properties"]) | {"lat", "lon"} == set(services.COLUMNS)
    assert feature["geometry"]["coordinates"] == [round(public.lon, 6), round(public.lat, 6)]
    raw = client.get("/opendata/rapporter.geojson").data + client.get("/opendata/rapporter.csv").data
    for secret in (b"Kalle", b"boende@example.org", b"Hemligt", b"woman"):
        assert secret not in raw


def test_the_catalogue_parses_and_names_the_licence_and_downloads(app, client):
    make_report()
    services.build()
    response = client.get("/opendata/catalog.rdf")
    assert response.status_code == 200 and response.mimetype == "application/rdf+xml"
    graph = Graph().parse(data=response.data, format="xml")
    catalogs = list(graph.subjects(RDF.type, DCAT.Catalog))
    datasets = list(graph.subjects(RDF.type, DCAT.Dataset))
    distributions = list(graph.subjects(RDF.type, DCAT.Distribution))
    assert len(catalogs) == 1 and len(datasets) == 1 and len(distributions) == 2
    downloads = {str(o) for o in graph.objects(None, DCAT.downloadURL)}
    assert downloads == {"http://trygghetskartan.test/opendata/rapporter.csv",
                         "http://trygghetskartan.test/opendata/rapporter.geojson"}
    for distribution in distributions:
        assert (distribution, DCTERMS.license, URIRef(CC0)) in graph
        assert graph.value(distribution, DCTERMS.modified) is not None
    publisher = graph.value(datasets[0], DCTERMS.publisher)
    assert str(graph.value(publisher, Namespace("http://xmlns.com/foaf/0.1/").name)) == "Landskrona stad"
    assert graph.value(datasets[0], DCTERMS.modified) is not None
    for url in downloads:
        assert client.get(url.replace("http://trygghetskartan.test", "")).status_code == 200


def test_the_licence_is_a_setting(app, client):
    app.config["OPENDATA_LICENSE"] = "https://creativecommons.org/licenses/by/4.0/"
    graph = Graph().parse(data=client.get("/opendata/catalog.rdf").data, format="xml")
    assert {str(o) for o in graph.objects(None, DCTERMS.license)} == {"https://creativecommons.org/licenses/by/4.0/"}
    assert "creativecommons.org/licenses/by/4.0" in client.get("/oppna-data").get_data(as_text=True)


def test_the_daily_job_refreshes_the_dataset(app):
    from webapp.jobs import services as jobs

    first, _ = make_report()
    services.build()
    second, _ = make_report()
    with time_machine.travel(datetime(2026, 3, 11, 3, 30, tzinfo=timezone.utc), tick=False):  # 04:30 Stockholm
        assert "opendata_build" in jobs.enqueue_periodic()
        assert "opendata_build" not in jobs.enqueue_periodic()
        jobs.work(once=True)
    text = services.file_path("csv").read_text(encoding="utf-8")
    assert first.reference in text and second.reference in text


def test_flask_opendata_build(app):
    make_report()
    result = app.test_cli_runner().invoke(args=["opendata", "build"])
    assert result.exit_code == 0 and "1 public reports" in result.output
    assert services.file_path("geojson") is not None


def test_every_public_page_links_to_the_dataset_in_its_footer(sqlite_app):
    report, _ = make_report()
    client = sqlite_app.test_client()
    pages = [rule.rule for rule in sqlite_app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/staff", "/api", "/open311"))
             and rule.endpoint != "static"]
    pages += [f"/r/{report.reference}"]
    checked = 0
    for page in pages:
        for lang in ("sv", "en", "ar"):
            response = client.get(page, headers={"Accept-Language": lang})
            if response.status_code != 200 or response.mimetype != "text/html" or "<footer" not in response.get_data(as_text=True):
                continue
            checked += 1
            body = response.get_data(as_text=True)
            footer = body[body.index("<footer"):]
            assert 'href="/oppna-data"' in footer, page
    assert checked > 10
    assert "Open data" not in client.get("/oppna-data?lang=ar").get_data(as_text=True)
