"""Finding places by name (the report form's search box) and a street for a point (a report's public page).

An external Nominatim- or Photon-compatible geocoder is used when GEOCODER_URL is set; it is asked by the server
(so the pages' Content-Security-Policy stays `connect-src 'self'`), bounded to the kommun, through the one outgoing client (webapp/outbound.py: a total deadline, a size cap, no
redirects); an answer of the wrong shape counts as no answer.
Whatever it answers or not, the built-in gazetteer (the kommun's localities and the districts) is searched too,
and the streets and addresses the kommun has imported (webapp/geo/streets.py, `flask geo import-streets`), so the
search works without any external service. With neither a street list nor a geocoder, the answer says that
streets cannot be searched, and the page offers the areas and the map instead.
"""
from __future__ import annotations

import json
import logging
import time
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from shapely.geometry import shape
from sqlalchemy import select

from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo import streets
from webapp.geo.models import District
from webapp.municipality import current_municipality
from webapp.outbound import OutboundError, json_answer

log = logging.getLogger(__name__)
TIMEOUT_S = 3            # for the whole exchange, not per read
MAX_ANSWER_BYTES = 512 * 1024  # a search answer of six places is a few KB
MAX_RESULTS = 6


@dataclass(frozen=True)
class Place:
    name: str
    detail: str  # what kind of place, or the rest of its address
    lat: float
    lon: float
    zoom: int

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class GeocoderSettings:
    url: str = ""  # e.g. https://nominatim.openstreetmap.org or https://photon.komoot.io; empty: built-in only
    flavour: str = "nominatim"  # or "photon"
    user_agent: str = "Trygghetskartan"
    language: str = "sv"


def _folded(text: str) -> str:
    """Lower case without accents, so that "ostra" finds "Östra" and "Gamla Staden/Öster" is found by "öster"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _localities() -> tuple[tuple[str, float, float], ...]:
    path = current_municipality().localities_file
    return _localities_in(path) if path else ()


@lru_cache(maxsize=4)
def _localities_in(path: Path) -> tuple[tuple[str, float, float], ...]:
    data = json.loads(path.read_text())
    return tuple((f["properties"]["name"], f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0])
                 for f in data["features"])


def gazetteer(locality_label: str, district_label: str) -> list[Place]:
    """The built-in places: the kommun's localities (SCB tätorter) and the districts as stored."""
    places = [Place(name, locality_label, lat, lon, 15) for name, lat, lon in _localities()]
    for name, geometry in db.session.execute(select(District.name, District.geometry)).all():
        point = shape(json.loads(geometry)).representative_point()
        places.append(Place(name, district_label, point.y, point.x, 15))
    return places


def search_gazetteer(query: str, places: list[Place]) -> list[Place]:
    """Places whose name starts with the query, or whose words start with each word of it (in any order), best
    first; the kommun's own name is left out of the query ("<kommun> centrum" finds Centrum) unless it is all
    there is (the kommun's name alone finds the town)."""
    wanted = _folded(query.strip())
    if not wanted:
        return []
    words = streets.query_words(query) or wanted.split()
    def rank(place: Place) -> int | None:
        name = _folded(place.name)
        parts = name.replace("/", " ").replace("-", " ").split()
        if name.startswith(wanted) or name.startswith(" ".join(words)):
            return 0
        if all(any(part.startswith(w) for part in parts) for w in words):
            return 1
        return 2 if all(w in name for w in words) else None
    ranked = [(r, p.name, p) for p in places if (r := rank(p)) is not None]
    return [p for _, _, p in sorted(ranked, key=lambda t: (t[0], t[1]))]


def search_street_list(query: str, street_label: str) -> list[Place]:
    """The kommun's own streets and addresses (imported), as places: an address zooms closer than a street."""
    return [Place(f"{street} {number}".strip(), locality or street_label, lat, lon, 18 if number else 17)
            for street, number, locality, lon, lat in streets.search_streets(query)]


def _viewbox() -> tuple[float, float, float, float]:
    return geo.kommun_boundary().bounds  # min lon, min lat, max lon, max lat


def _get(settings: GeocoderSettings, path: str, params: dict, expect: type):
    return json_answer(settings.url.rstrip("/") + path, params=params, expect=expect, deadline_s=TIMEOUT_S,
                       max_bytes=MAX_ANSWER_BYTES, headers={"User-Agent": settings.user_agent})


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _coordinate(value) -> float:
    """A number from the answer (Nominatim sends strings); ValueError for anything else (the place is skipped)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("not a coordinate")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("not a coordinate")
    return number


def _zoom_for(kind: str) -> int:
    return 17 if kind in {"house", "building", "street", "road", "highway", "residential", "pedestrian",
                          "footway", "service", "path", "cycleway"} else 15


def _photon_places(data: dict) -> list[Place]:
    """Places from a Photon answer; a feature of another shape is skipped."""
    places = []
    features = data.get("features")
    for feature in features if isinstance(features, list) else []:
        try:
            p = _dict(feature.get("properties"))
            lon, lat = (_coordinate(c) for c in feature["geometry"]["coordinates"][:2])
        except (AttributeError, KeyError, TypeError, ValueError, IndexError):
            continue
        name = _text(p.get("name")) or " ".join(x for x in (_text(p.get("street")), _text(p.get("housenumber"))) if x)
        detail = ", ".join(x for x in (_text(p.get("street")) if p.get("name") else None, _text(p.get("district")),
                                        _text(p.get("city")) or _text(p.get("locality"))) if x)
        places.append(Place(name, detail, lat, lon, _zoom_for(_text(p.get("osm_value")))))
    return places


def _nominatim_places(data: list) -> list[Place]:
    """Places from a Nominatim answer; an item of another shape (a string, a list) is skipped."""
    places = []
    for item in data:
        if not isinstance(item, dict):
            continue
        try:
            lat, lon = _coordinate(item.get("lat")), _coordinate(item.get("lon"))
        except ValueError:
            continue
        address = _dict(item.get("address"))
        display = _text(item.get("display_name"))
        name = _text(item.get("name")) or _text(address.get("road")) or display.split(",")[0]
        rest = [part.strip() for part in display.split(",")[1:3]]
        places.append(Place(name, ", ".join(x for x in rest if x), lat, lon,
                            _zoom_for(_text(item.get("type")) or _text(item.get("addresstype")))))
    return places


def search_external(query: str, settings: GeocoderSettings) -> list[Place]:
    """The external geocoder's places for a query, inside the kommun only; [] when it is not set or fails."""
    if not settings.url or not query.strip():
        return []
    min_lon, min_lat, max_lon, max_lat = _viewbox()
    try:
        if settings.flavour == "photon":
            data = _get(settings, "/api", {"q": query, "limit": MAX_RESULTS, "lang": settings.language,
                                           "bbox": f"{min_lon},{min_lat},{max_lon},{max_lat}"}, dict)
            places = _photon_places(data)
        else:
            data = _get(settings, "/search", {"q": query, "format": "jsonv2", "limit": MAX_RESULTS,
                                              "viewbox": f"{min_lon},{max_lat},{max_lon},{min_lat}", "bounded": 1,
                                              "countrycodes": "se", "accept-language": settings.language}, list)
            places = _nominatim_places(data)
    except OutboundError as exc:
        log.warning("geocoder search failed: %s", exc.reason)
        return []
    return [p for p in places if p.name and geo.is_in_kommun(p.lon, p.lat)]


@dataclass(frozen=True)
class Found:
    places: list[Place]
    streets_searchable: bool  # False: neither a street list nor a geocoder; the page says so and offers areas


def find_places(query: str, settings: GeocoderSettings, built_in: list[Place], street_label: str = "") -> Found:
    """What the search box offers for a query: the kommun's own street list, then the external geocoder's streets
    and places, then the built-in localities and districts; each inside the kommun, none twice, at most
    MAX_RESULTS."""
    query = query.strip()[:100]
    found, seen = [], set()
    own_streets = streets.has_streets()
    candidates = search_street_list(query, street_label) if own_streets else []
    candidates += search_gazetteer(query, built_in)[:3] + search_external(query, settings)
    for place in candidates:
        key = _folded(place.name)
        if key not in seen:
            seen.add(key)
            found.append(place)
    return Found(found[:MAX_RESULTS], own_streets or bool(settings.url))


# Streets for points are asked once per point and kept a day (a failure: a minute), so that a report's page
# does not wait on the geocoder every time it is opened.
_streets: dict[tuple[float, float, str], tuple[float, str | None]] = {}
STREET_KEEP_S, FAILURE_KEEP_S = 24 * 3600, 60


def street_at(lat: float, lon: float, settings: GeocoderSettings) -> str | None:
    """The street nearest to a point according to the external geocoder; None without one or without answer."""
    if not settings.url:
        return None
    key = (round(lat, 5), round(lon, 5), settings.url)
    now = time.monotonic()
    kept = _streets.get(key)
    if kept and kept[0] > now:
        return kept[1]
    street = None
    try:
        if settings.flavour == "photon":
            data = _get(settings, "/reverse", {"lat": lat, "lon": lon, "limit": 1, "lang": settings.language}, dict)
            features = data.get("features")
            first = features[0] if isinstance(features, list) and features else {}
            props = _dict(_dict(first).get("properties"))
            street = _text(props.get("street")) or (_text(props.get("name")) if props.get("osm_key") == "highway"
                                                    else None)
        else:
            data = _get(settings, "/reverse", {"lat": lat, "lon": lon, "format": "jsonv2", "zoom": 17,
                                               "accept-language": settings.language}, dict)
            address = _dict(data.get("address"))
            street = _text(address.get("road")) or _text(address.get("pedestrian")) or _text(address.get("footway"))
        keep = STREET_KEEP_S
    except OutboundError as exc:
        log.warning("geocoder reverse failed: %s", exc.reason)
        keep = FAILURE_KEEP_S
    if len(_streets) > 10_000:
        _streets.clear()
    _streets[key] = (now + keep, street or None)
    return street or None
