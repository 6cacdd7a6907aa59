"""Streets and addresses the place search finds without an outside service (issue 24.7).

A kommun loads the list it has with `flask geo import-streets FILE`: an OpenStreetMap extract (GeoJSON with the
streets as lines, or addresses as points with `addr:street` and `addr:housenumber`), Lantmäteriet's open address
data or its own register as CSV (street, number, and a position in WGS 84 or SWEREF 99 TM). A new import of the
same source replaces what that source gave before. Searching matches the start of every word typed, in any order
("storg 2", "2 Storgatan"), and ignores the kommun's own name ("Storgatan <kommun>").
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
from shapely.geometry import shape
from sqlalchemy import delete, func, or_, select

from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.models import StreetPlace
from webapp.geo.services import GeoImportError
from webapp.municipality import current_municipality
from webapp.spreadsheets import read_csv_text

STREET_COLUMNS = ("street", "gata", "gatunamn", "gatuadress", "addr:street", "adressomrade", "adressområde", "name",
                  "namn")
NUMBER_COLUMNS = ("number", "nummer", "husnummer", "adressplatsnummer", "addr:housenumber", "housenumber")
LOCALITY_COLUMNS = ("locality", "ort", "postort", "kommundel", "addr:city", "city")
LON_COLUMNS = ("lon", "lng", "longitude", "long")
LAT_COLUMNS = ("lat", "latitude")
EAST_COLUMNS = ("e", "east", "easting", "x", "ost", "öst", "sweref99tm_e")
NORTH_COLUMNS = ("n", "north", "northing", "y", "nord", "sweref99tm_n")
# A house number: digits, then perhaps a letter ("12", "12B", "12 b").
NUMBER = re.compile(r"^\d{1,4}[a-z]?$")
MAX_RESULTS = 6


@dataclass(frozen=True)
class StreetRow:
    street: str
    number: str
    locality: str
    lon: float
    lat: float


def folded(text: str) -> str:
    """Lower case without accents: "ostra" finds "Östra"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _first(row: dict, names: Iterable[str], wanted: str | None = None) -> str:
    if wanted:
        return str(row.get(wanted.lower()) or "").strip()
    for name in names:
        if row.get(name):
            return str(row[name]).strip()
    return ""


def _number(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def read_csv_rows(data: bytes, street_field: str | None = None, number_field: str | None = None) -> list[StreetRow]:
    try:
        found = read_csv_text(data)
    except InputRefused as exc:
        raise GeoImportError(str(exc)) from None
    rows = []
    for line, raw in enumerate(found.rows(), start=2):
        row = {(k or "").strip().lower(): v for k, v in raw.items()}
        street = _first(row, STREET_COLUMNS, street_field)
        if not street:
            raise GeoImportError(f"Row {line}: no street name (a column named street, gata or name).")
        try:
            lon, lat = _coordinates(row)
        except ValueError:
            raise GeoImportError(f"Row {line} ({street}): no position (lon and lat, or E and N in "
                                         "SWEREF 99 TM).") from None
        rows.append(StreetRow(street, _number(_first(row, NUMBER_COLUMNS, number_field)),
                              _first(row, LOCALITY_COLUMNS), lon, lat))
    return rows


def _coordinates(row: dict) -> tuple[float, float]:
    def number(names):
        value = _first(row, names).replace(",", ".").replace(" ", "")
        return float(value)
    try:
        return geo.lon_lat(number(LON_COLUMNS), number(LAT_COLUMNS))
    except ValueError:
        return geo.lon_lat(number(EAST_COLUMNS), number(NORTH_COLUMNS))


def read_geojson_rows(data: bytes, street_field: str | None = None,
                      number_field: str | None = None) -> list[StreetRow]:
    """Points are addresses (or a street's point); lines are streets, kept as the middle of their line."""
    rows = []
    for index, feature in enumerate(geo.geojson_features(data), start=1):
        props = feature["props"]
        street = _first(props, STREET_COLUMNS, street_field)
        try:
            geometry = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise GeoImportError(f"Feature {index} ({street or '?'}) has no valid geometry.") from None
        if not street or geometry.is_empty:
            continue  # an OSM extract holds paths and buildings without a street name: not a street
        if geometry.geom_type in ("LineString", "MultiLineString"):
            point = geometry.interpolate(0.5, normalized=True) if geometry.geom_type == "LineString" \
                else geometry.representative_point()
        else:
            point = geometry.representative_point()
        lon, lat = geo.lon_lat(point.x, point.y)
        rows.append(StreetRow(street, _number(_first(props, NUMBER_COLUMNS, number_field)),
                              _first(props, LOCALITY_COLUMNS), lon, lat))
    return rows


def read_street_file(path: Path | str, street_field: str | None = None,
                     number_field: str | None = None) -> list[StreetRow]:
    """The streets and addresses of a GeoJSON or CSV file inside the kommun; InputRefused with the reason."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GeoImportError(f"Cannot read {path}: {exc.strerror}") from None
    if path.suffix.lower() in (".geojson", ".json"):
        rows = read_geojson_rows(data, street_field, number_field)
    else:
        rows = read_csv_rows(data, street_field, number_field)
    inside = [r for r in rows if geo.is_in_kommun(r.lon, r.lat)]
    if not inside:
        raise GeoImportError(f"No street in the file lies in {current_municipality().kommun}.")
    return inside


def import_streets(rows: list[StreetRow], source: str, progress: Callable[[int], None] | None = None) -> int:
    """Replace what `source` gave before with these rows; a street given only as addresses gets a point of its
    own too (the middle of its addresses), so that a search for the street alone finds it. Flushes; the command
    commits."""
    db.session.execute(delete(StreetPlace).where(StreetPlace.source == source))
    has_point = {(r.street, r.locality) for r in rows if not r.number}
    by_street = defaultdict(list)
    for row in rows:
        if row.number:
            by_street[(row.street, row.locality)].append(row)
    extra = []
    for (street, locality), addresses in by_street.items():
        if (street, locality) not in has_point:
            middle = sorted(addresses, key=lambda r: (r.lon, r.lat))[len(addresses) // 2]
            extra.append(StreetRow(street, "", locality, middle.lon, middle.lat))
    written = 0
    for row in [*rows, *extra]:
        db.session.add(StreetPlace(street=row.street[:120], number=row.number[:16], folded=folded(row.street)[:120],
                                   locality=row.locality[:120], lon=row.lon, lat=row.lat, source=source[:200]))
        written += 1
        if progress:
            progress(1)
    db.session.flush()
    return written


def has_streets() -> bool:
    return db.session.execute(select(StreetPlace.id).limit(1)).first() is not None


def query_words(query: str) -> list[str]:
    """The words of a search, folded, without the kommun's own name ("Storgatan <kommun>", "<kommun>
    centrum") and without words such as "kommun" and "stad"."""
    own = set(folded(current_municipality().name).split()) | {"kommun", "stad", "staden", "kommuns"}
    words = re.findall(r"[\w:]+", folded(query))
    return [w for w in words if w not in own]


def search_streets(query: str) -> list[tuple[str, str, str, float, float]]:
    """(street, number, locality, lon, lat) for a search: each word that is not a house number must start a word of
    the street's name; with a number, that address first (or the street's own point when the number is not
    known)."""
    words = query_words(query)
    numbers = [w.upper() for w in words if NUMBER.match(w)]
    names = [w for w in words if not NUMBER.match(w)]
    if not names:
        return []
    # The street name "starts with" or "has a word that starts with" each word; the index narrows by the first.
    conditions = [or_(StreetPlace.folded.startswith(w), StreetPlace.folded.contains(" " + w),
                      StreetPlace.folded.contains("-" + w)) for w in names]
    wanted_number = numbers[0] if numbers else ""
    number_rank = (StreetPlace.number == wanted_number) if wanted_number else (StreetPlace.number == "")
    query_ = (select(StreetPlace.street, StreetPlace.number, StreetPlace.locality, StreetPlace.lon, StreetPlace.lat)
              .where(*conditions)
              .where(or_(StreetPlace.number == "", StreetPlace.number == wanted_number))
              .order_by(number_rank.desc(), func.length(StreetPlace.street), StreetPlace.street)
              .limit(MAX_RESULTS * 3))
    found, seen = [], set()
    for street, number, locality, lon, lat in db.session.execute(query_).all():
        key = (street, locality)
        if key in seen:
            continue  # the address, or the street when the number is not known: not both
        seen.add(key)
        found.append((street, number, locality, lon, lat))
    return found[:MAX_RESULTS]


def nearest_addresses(points: list[tuple[float, float]], within_m: float = 75) -> list[str | None]:
    """For each (lon, lat), the nearest known street or address within `within_m` ("Storgatan 12"), or None: one
    query for the box around all the points, then the distances here."""
    if not points:
        return []
    margin_lat = within_m / 111_320
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    margin_lon = margin_lat * 2  # generous at Sweden's latitudes: the distance below decides
    rows = db.session.execute(
        select(StreetPlace.street, StreetPlace.number, StreetPlace.lon, StreetPlace.lat)
        .where(StreetPlace.lon.between(min(lons) - margin_lon, max(lons) + margin_lon),
               StreetPlace.lat.between(min(lats) - margin_lat, max(lats) + margin_lat))).all()
    if not rows:
        return [None] * len(points)
    names = [f"{street} {number}".strip() for street, number, _lon, _lat in rows]
    row_lon = np.array([r[2] for r in rows])
    row_lat = np.array([r[3] for r in rows])
    found: list[str | None] = []
    for lon, lat in points:
        # Metres on a flat earth: exact enough within a few hundred metres.
        dx = (row_lon - lon) * 111_320 * math.cos(math.radians(lat))
        dy = (row_lat - lat) * 111_320
        metres = np.hypot(dx, dy)
        nearest = int(metres.argmin())
        found.append(names[nearest] if metres[nearest] <= within_m else None)
    return found
