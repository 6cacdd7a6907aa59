"""The municipality the service runs for, as data: its names, boundary, map, mail, two-factor issuer, survey areas
and Open311 jurisdiction. Landskrona is the default; another kommun is configuration (MUNICIPALITY = a key of
KNOWN or the path of a JSON or TOML file with the same fields), not code.

A base-layer module: it imports nothing from the domain packages, so any of them may use it.
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path

from flask import current_app, has_app_context, has_request_context
from flask_babel import get_locale

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Municipality:
    key: str
    name: str  # the place, as in "Rapporter i Landskrona"
    organisation: str  # who answers and signs, as in "Tack för din rapport till Landskrona stad"
    kommun_code: str  # SCB's kommunkod
    boundary_file: Path  # the kommun as GeoJSON polygons (WGS84): what lies outside is refused
    center: tuple[float, float]  # (lat, lon) where the maps open
    zoom: int = 14
    reference_prefix: str = "LK"  # a report's reference: LK-2026-000123
    districts_file: Path | None = None  # demo districts, imported when the database has none (`ensure_demo_areas`)
    zones_file: Path | None = None
    localities_file: Path | None = None  # SCB tätorter as points: the place search and the heat-map picture
    # The population by gender, age group and housing form (SCB's figures, or the demo's marked "invented"), set
    # beside a citizen dialogue's respondents (webapp/campaigns/dialogue.py representation).
    population_file: Path | None = None
    map_data_sources: str = ""  # where the files above come from, named under the heat-map picture
    mail_domain: str = ""
    mail_from_name: str = "Trygghetskartan"
    totp_issuer: str = ""  # the name an authenticator app shows beside the code
    accessibility_contact: str = ""
    phone: str = ""  # the department's telephone, as printed in letters
    owner_department: str = ""  # who writes to property owners (the letter's sender), a proper name
    # The department code a case officer or crew member belongs to when none is given (one of the database's
    # departments; empty: none), and whose work orders a crew member without a department sees.
    default_department: str = ""
    # Which department carries out each kind of work order: (kind, department code). A kind left out goes to the
    # department its reports are with.
    work_kind_departments: tuple[tuple[str, str], ...] = ()
    programme: str = ""  # the programme the service is part of ("Helt och rent"); empty: none is named
    programme_area: str = ""  # where the programme works with property owners; empty: the whole kommun
    survey_areas: tuple[str, ...] = ()  # the areas the safety survey reports on, the kommun as a whole first
    open311_jurisdiction: str = ""
    open311_contact: str = ""
    # The name and organisation in languages not written in Latin letters: (language, name, organisation).
    local_names: tuple[tuple[str, str, str], ...] = ()
    # The kommun's official name, as in "utanför Landskrona kommun" (the genitive varies: "Lunds kommun",
    # "Malmö kommun"; a kommun may call itself "stad"); empty: the name followed by "kommun".
    kommun_name: str = ""
    # Districts left out when the heat-map picture frames "the town" (rural parts far from the centre).
    rural_districts: tuple[str, ...] = ()
    # A folder of templates that replace the shipped ones of the same name, for a kommun that needs a page to
    # differ in more than its values (FixMyStreet's cobrand templates); relative to the settings file.
    templates_dir: Path | None = None
    # The licence of the reports as open data (a URI): CC0 unless the kommun chooses another.
    open_data_license: str = "http://creativecommons.org/publicdomain/zero/1.0/"
    # The kommun's own address on the web, named as the open data's publisher (its homepage).
    homepage: str = ""

    def in_language(self, language: str) -> "Municipality":
        """The same municipality named as readers of `language` know it (Arabic: in Arabic script)."""
        for code, name, organisation in self.local_names:
            if code == language:
                return replace(self, name=name, organisation=organisation, kommun_name=organisation)
        return self

    @property
    def kommun(self) -> str:
        """The kommun as a sentence names it: "Landskrona kommun"."""
        return self.kommun_name or f"{self.name} kommun"

    @property
    def example_reference(self) -> str:
        """A report reference for examples and placeholders."""
        return f"{self.reference_prefix}-2026-000123"

    @property
    def mail_sender(self) -> str:
        return f"{self.mail_from_name} <noreply@{self.mail_domain}>"

    @property
    def example_bbox(self) -> str:
        """A box around the centre for examples in the API documentation: min_lon,min_lat,max_lon,max_lat."""
        lat, lon = self.center
        return f"{lon - 0.05:.2f},{lat - 0.025:.2f},{lon + 0.05:.2f},{lat + 0.025:.2f}"

    def config_defaults(self) -> dict:
        """Settings that a deployment may still set one by one in the environment; these fill what it left out."""
        return {"MAIL_SENDER": self.mail_sender, "ACCESSIBILITY_CONTACT": self.accessibility_contact,
                "OPEN311_JURISDICTION": self.open311_jurisdiction, "OPEN311_CONTACT": self.open311_contact,
                "MAP_CENTER": self.center, "MAP_ZOOM": self.zoom, "OPENDATA_LICENSE": self.open_data_license}


LANDSKRONA = Municipality(
    key="landskrona",
    name="Landskrona",
    organisation="Landskrona stad",
    kommun_code="1282",
    boundary_file=DATA_DIR / "kommun-1282.geojson",
    center=(55.8705, 12.8330),
    zoom=14,
    reference_prefix="LK",
    districts_file=DATA_DIR / "demo-districts.geojson",
    zones_file=DATA_DIR / "demo-zone.geojson",
    localities_file=DATA_DIR / "tatorter-1282-2020.geojson",
    population_file=DATA_DIR / "population-1282-demo.json",
    map_data_sources="Valmyndigheten via okfse/sweden-geojson; SCB 2020, CC0",
    mail_domain="landskrona.se",
    homepage="https://www.landskrona.se/",
    totp_issuer="Trygghetskartan Landskrona",
    accessibility_contact="kommunen@landskrona.se",
    phone="0418-47 00 00",
    owner_department="Teknik- och serviceförvaltningen",
    default_department="TS",
    work_kind_departments=(("cleaning", "TS"), ("graffiti", "TS"), ("maintenance", "TS"), ("light_repair", "TS"),
                           ("light_new", "SB")),
    kommun_name="Landskrona kommun",
    rural_districts=("Byarna",),
    programme="Helt och rent",
    programme_area="Centrum/Öster",
    survey_areas=("Landskrona", "Centrum/Öster", "Övriga Centrum", "Karlslund/Norrestad",
                  "Borstahusen/Västra Fäladen", "Byarna"),
    open311_jurisdiction="landskrona.se",
    open311_contact="Landskrona stad, Teknik- och serviceförvaltningen, 0418-47 00 00",
    local_names=(("ar", "لاندسكرونا", "بلدية لاندسكرونا"),),
)

KNOWN = {LANDSKRONA.key: LANDSKRONA}
_PATHS = ("boundary_file", "districts_file", "zones_file", "localities_file", "templates_dir", "population_file")


@lru_cache(maxsize=8)
def load_municipality(setting: str) -> Municipality:
    """The municipality named by the MUNICIPALITY setting: a key of KNOWN, or a .json/.toml file whose keys are
    the fields of Municipality (relative file names are read from the file's folder). Raises ValueError with a
    reason when it cannot be used."""
    setting = (setting or LANDSKRONA.key).strip()
    if setting in KNOWN:
        return KNOWN[setting]
    path = Path(setting)
    if not path.is_file():
        raise ValueError(f"MUNICIPALITY={setting!r} is neither one of {sorted(KNOWN)} nor a settings file")
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    known = {f.name for f in fields(Municipality)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{path}: unknown settings {unknown}")
    for name in _PATHS:
        if data.get(name):
            data[name] = (path.parent / data[name]).resolve()
    data["center"] = tuple(data["center"]) if "center" in data else None
    data["survey_areas"] = tuple(data.get("survey_areas") or ())
    data["rural_districts"] = tuple(data.get("rural_districts") or ())
    data["work_kind_departments"] = tuple((data.get("work_kind_departments") or {}).items())
    data["local_names"] = tuple((code, *names) for code, names in (data.get("local_names") or {}).items())
    data.setdefault("key", path.stem)
    try:
        municipality = Municipality(**data)
    except TypeError as exc:
        raise ValueError(f"{path}: {exc}") from None
    if not municipality.center or not municipality.boundary_file.is_file():
        raise ValueError(f"{path}: a center and an existing boundary_file are required")
    return municipality


def current_municipality() -> Municipality:
    """The municipality the running app serves (Landskrona outside an app, e.g. in a plain script), named in the
    language of the request."""
    if not has_app_context():
        return LANDSKRONA
    municipality = load_municipality(current_app.config.get("MUNICIPALITY") or LANDSKRONA.key)
    if municipality.local_names and has_request_context():
        locale = get_locale()
        return municipality.in_language(locale.language if locale else "")
    return municipality
