"""An INVENTED street-light inventory for the demo (issue 26): a few hundred lamps every 30-40 m along straight
"streets" laid out at random in Landskrona's built-up demo districts. Not Landskrona's real street lights: the
source field, the attributes, `flask demo load`'s output and docs/data.md all say so."""
from __future__ import annotations

import json
import math
import random
from typing import Callable

from shapely.geometry import Point, shape
from sqlalchemy import select

from webapp.assets import inventory
from webapp.assets import services as assets
from webapp.assets.models import ReportAsset
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.models import District
from webapp.reports.models import Category, Report

INVENTED_SOURCE = "INVENTED demo data (not Landskrona's real street lights)"
# Lines ("streets") per built-up demo district; Byarna (the villages) gets none.
STREETS = {"Centrum/Öster": 14, "Övriga Centrum": 7, "Karlslund/Norrestad": 7, "Borstahusen/Västra Fäladen": 6}
FITTINGS = [("LED 30 W", 6), ("LED 40 W", 3), ("Natrium 70 W", 2), ("Kvicksilver 80 W", 1)]


def invented_lights(seed: int = 1282) -> list[inventory.AssetRow]:
    """The lamps, the same for the same seed (their own random stream: the demo reports do not change)."""
    rng = random.Random(seed * 26 + 1)
    districts = {d.name: shape(json.loads(d.geometry)) for d in db.session.execute(select(District)).scalars()}
    rows: list[inventory.AssetRow] = []
    for name, count in STREETS.items():
        area = districts.get(name)
        if area is None:
            continue
        grid = rng.uniform(0, math.pi / 2)  # each district's streets run along two main directions
        minx, miny, maxx, maxy = area.bounds
        for _ in range(count):
            for _attempt in range(50):
                lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                if area.contains(Point(lon, lat)):
                    break
            east, north = geo.to_sweref(lon, lat)
            angle = grid + rng.choice([0, math.pi / 2]) + rng.gauss(0, 0.05)
            spacing = rng.uniform(30, 40)
            for step in range(rng.randint(8, 16)):
                e, n = east + math.cos(angle) * spacing * step, north + math.sin(angle) * spacing * step
                plon, plat = geo.to_wgs84(e, n)
                if not area.contains(Point(plon, plat)):
                    break
                fitting = rng.choices([f for f, _w in FITTINGS], [w for _f, w in FITTINGS])[0]
                rows.append(inventory.AssetRow(f"DEMO-{len(rows) + 1:04d}", round(plon, 6), round(plat, 6), {
                    "armatur": fitting, "stolphöjd_m": rng.choice([5, 6, 6, 8]), "uppgift": "PÅHITTAD (demo)"}))
    return rows


def load_invented_lights(rows: list[inventory.AssetRow], progress: Callable[[int], None] | None = None) -> int:
    """Import the invented lamps (invented_lights) as street lights and let the demo's street-light reports
    within 50 m name the nearest. Returns how many lamps. Flushes; the command commits."""
    inventory.import_assets(assets.LIGHT_KIND, rows, INVENTED_SOURCE, progress=progress)
    reports = db.session.execute(
        select(Report).join(Category, Category.id == Report.category_id)
        .where(Category.key == "street_light", Report.lat.is_not(None),
               ~select(ReportAsset.report_id).where(ReportAsset.report_id == Report.id).exists())).scalars()
    for report in reports:
        near = assets.nearest_assets(assets.LIGHT_KIND, report.lat, report.lon, 50, 1)
        if near:
            assets.link_report(report, near[0][0].id)
    db.session.flush()
    return len(rows)
