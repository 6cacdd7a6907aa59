"""Building the open dataset and its DCAT-AP-SE catalogue. What goes out is a fixed list of columns (COLUMNS),
read from public reports only (not hidden, not merged): no description, no reporter's data, no gender or age,
no answers, nothing staff wrote. The files are written next to each other and swapped in whole, so a download
never sees half a file."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree as ET

from flask import current_app, url_for
from sqlalchemy import select

from webapp.extensions import db
from webapp.geo.models import District
from webapp.municipality import current_municipality
from webapp.reports.models import Category, Report
from webapp.reports.status import ReportStatus
from webapp.spreadsheets import csv_lines
from webapp.timeutil import as_utc, utcnow

# The dataset's columns, in order: the whole of what is published about a report.
COLUMNS = ("reference", "category_code", "category_name", "status", "created", "updated", "lat", "lon", "district")
FILES = {"geojson": "rapporter.geojson", "csv": "rapporter.csv"}
MEDIA_TYPES = {"geojson": "application/geo+json", "csv": "text/csv"}
BATCH = 2000


def folder() -> Path:
    return Path(current_app.config["OPENDATA_DIR"])


# The names people know for the licences a kommun is likely to choose (the page shows the name, links the URI).
LICENCE_NAMES = {
    "http://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0",
    "https://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0",
    "http://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
}


def licence_name(uri: str) -> str:
    return LICENCE_NAMES.get(uri, uri)


def licence() -> str:
    return current_app.config["OPENDATA_LICENSE"] or current_municipality().open_data_license


def _stamp(value) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def public_rows():
    """The published rows, oldest first, read as plain tuples in batches (a million reports never sit in memory
    as objects)."""
    last_id = 0
    while True:
        batch = db.session.execute(
            select(Report.id, Report.reference, Category.key, Category.names, Report.status, Report.created_at,
                   Report.updated_at, Report.lat, Report.lon, District.name)
            .join(Category, Category.id == Report.category_id)
            .outerjoin(District, District.id == Report.district_id)
            .where(Report.hidden.is_(False), Report.status != ReportStatus.DUPLICATE,
                   Report.reference.is_not(None), Report.id > last_id)
            .order_by(Report.id).limit(BATCH)).all()
        if not batch:
            return
        for _id, reference, key, names, status, created, updated, lat, lon, district in batch:
            yield {"reference": reference, "category_code": key, "category_name": (names or {}).get("sv") or key,
                   "status": status, "created": _stamp(created), "updated": _stamp(updated or created),
                   "lat": round(lat, 6) if lat is not None else None,
                   "lon": round(lon, 6) if lon is not None else None, "district": district or ""}
        last_id = batch[-1][0]


@dataclass
class Built:
    rows: int
    modified: datetime


def build() -> Built:
    """Write the dataset (GeoJSON and CSV) to OPENDATA_DIR in one pass over the public reports, each file under a
    temporary name first and then swapped in whole. Returns how many rows."""
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    paths = {fmt: target / name for fmt, name in FILES.items()}
    temporary = {fmt: path.with_suffix(path.suffix + ".tmp") for fmt, path in paths.items()}
    count = 0
    with temporary["geojson"].open("w", encoding="utf-8") as geojson, \
            temporary["csv"].open("w", encoding="utf-8", newline="") as table:
        lines = csv_lines(COLUMNS, [])
        table.write(next(lines))
        geojson.write('{"type": "FeatureCollection", "features": [\n')
        for row in public_rows():
            feature = {"type": "Feature", "properties": {k: row[k] for k in COLUMNS if k not in ("lat", "lon")},
                       "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
                       if row["lat"] is not None else None}
            geojson.write((",\n" if count else "") + json.dumps(feature, ensure_ascii=False))
            table.write("".join(csv_lines(None, [[row[k] for k in COLUMNS]])))
            count += 1
        geojson.write("\n]}\n")
    for fmt in FILES:
        os.replace(temporary[fmt], paths[fmt])
    return Built(count, utcnow())


def modified() -> datetime | None:
    """When the dataset was last written, or None before the first build."""
    path = folder() / FILES["csv"]
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc) if path.exists() else None


def file_path(fmt: str) -> Path | None:
    path = folder() / FILES[fmt]
    return path if path.exists() else None


def run_build_job(job, context) -> dict:
    """The daily refresh (webapp/jobs): the files are rewritten whole, so running it twice does no harm."""
    return {"rows": build().rows}


RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS = {"rdf": RDF, "dcat": "http://www.w3.org/ns/dcat#", "dcterms": "http://purl.org/dc/terms/",
      "foaf": "http://xmlns.com/foaf/0.1/", "vcard": "http://www.w3.org/2006/vcard/ns#"}


def catalogue_rdf(languages=("sv", "en")) -> bytes:
    """The DCAT-AP-SE catalogue as RDF/XML: dcat:Catalog with one dcat:Dataset and a dcat:Distribution per file,
    each with dcterms:license, dcat:downloadURL and dcterms:modified; the kommun as dcterms:publisher."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)

    def q(name: str) -> str:
        prefix, local = name.split(":")
        return f"{{{NS[prefix]}}}{local}"

    def resource(parent, name: str, uri: str):
        return ET.SubElement(parent, q(name), {q("rdf:resource"): uri})

    def literal(parent, name: str, text: str, lang: str | None = None, datatype: str | None = None):
        attributes = {"{http://www.w3.org/XML/1998/namespace}lang": lang} if lang else {}
        if datatype:
            attributes[q("rdf:datatype")] = datatype
        element = ET.SubElement(parent, q(name), attributes)
        element.text = text
        return element

    kommun = current_municipality()
    changed = modified() or utcnow()
    stamp = _stamp(changed)
    date_time = "http://www.w3.org/2001/XMLSchema#dateTime"
    catalog_url = url_for("opendata.catalogue", _external=True)
    page_url = url_for("opendata.dataset_page", _external=True)
    publisher_uri = kommun.homepage or url_for("reports.new_report", _external=True)
    root = ET.Element(q("rdf:RDF"))
    catalog = ET.SubElement(root, q("dcat:Catalog"), {q("rdf:about"): catalog_url})
    dataset = ET.SubElement(ET.SubElement(catalog, q("dcat:dataset")), q("dcat:Dataset"), {q("rdf:about"): page_url})
    for lang in languages:
        with force_locale(lang):
            literal(catalog, "dcterms:title", _("Trygghetskartan: open data of %(name)s", name=kommun.name), lang)
            literal(catalog, "dcterms:description", _("The public reports of Trygghetskartan as open data."), lang)
            literal(dataset, "dcterms:title", _("Reports from residents in %(name)s", name=kommun.name), lang)
            literal(dataset, "dcterms:description", _(
                "Public reports of unsafe, littered or poorly maintained places: reference, category, status, "
                "dates, position (WGS 84) and area. No personal data and no descriptions."), lang)
    literal(catalog, "dcterms:modified", stamp, datatype=date_time)
    literal(dataset, "dcterms:modified", stamp, datatype=date_time)
    resource(catalog, "dcterms:license", licence())
    for parent in (catalog, dataset):
        agent = ET.SubElement(ET.SubElement(parent, q("dcterms:publisher")), q("foaf:Agent"),
                              {q("rdf:about"): publisher_uri})
        literal(agent, "foaf:name", kommun.organisation)
    contact = ET.SubElement(ET.SubElement(dataset, q("dcat:contactPoint")), q("vcard:Organization"))
    literal(contact, "vcard:fn", kommun.organisation)
    if kommun.accessibility_contact:
        resource(contact, "vcard:hasEmail", f"mailto:{kommun.accessibility_contact}")
    resource(dataset, "dcat:landingPage", page_url)
    resource(dataset, "dcterms:accrualPeriodicity", "http://publications.europa.eu/resource/authority/frequency/DAILY")
    for fmt, name in FILES.items():
        url = url_for(f"opendata.download_{fmt}", _external=True)
        distribution = ET.SubElement(ET.SubElement(dataset, q("dcat:distribution")), q("dcat:Distribution"),
                                     {q("rdf:about"): url})
        literal(distribution, "dcterms:title", name)
        resource(distribution, "dcat:accessURL", url)
        resource(distribution, "dcat:downloadURL", url)
        resource(distribution, "dcat:mediaType", f"https://www.iana.org/assignments/media-types/{MEDIA_TYPES[fmt]}")
        resource(distribution, "dcterms:license", licence())
        literal(distribution, "dcterms:modified", stamp, datatype=date_time)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
