"""The open data's public addresses: the dataset page, the files (whole), and the DCAT-AP-SE catalogue."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, send_file, url_for

from webapp.opendata import services
from webapp.timeutil import local_date

bp = Blueprint("opendata", __name__)


@bp.get("/oppna-data")
def dataset_page():
    changed = services.modified()
    return render_template("opendata/dataset.html", licence=services.licence(), licence_name=services.licence_name(services.licence()), columns=services.COLUMNS,
                           modified=local_date(changed).isoformat() if changed else None,
                           downloads=[{"format": fmt.upper(), "url": url_for(f"opendata.download_{fmt}")}
                                      for fmt in services.FILES],
                           catalogue_url=url_for("opendata.catalogue"))


@bp.get("/opendata/rapporter.geojson")
def download_geojson():
    return _download("geojson")


@bp.get("/opendata/rapporter.csv")
def download_csv():
    return _download("csv")


def _download(fmt: str):
    """The whole dataset as last built (built here first if it never was)."""
    path = services.file_path(fmt)
    if path is None:
        services.build()
        path = services.file_path(fmt)
    return send_file(path, mimetype=services.MEDIA_TYPES[fmt], as_attachment=True,
                     download_name=services.FILES[fmt], max_age=3600)


@bp.get("/opendata/catalog.rdf")
def catalogue():
    return Response(services.catalogue_rdf(), mimetype="application/rdf+xml",
                    headers={"Cache-Control": "public, max-age=3600"})
