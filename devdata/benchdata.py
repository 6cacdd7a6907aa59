"""Many realistic reports, fast: bulk inserts for benchmarks (`flask bench generate --reports N`).

Reports are spread over the real kommun boundary and the demo districts, all categories and statuses, over
several years; a share is fixed (with its status history), so that the indicators have work to do."""
from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta, timezone
from typing import Callable

import numpy as np
from shapely import contains_xy
from sqlalchemy import func, insert, select

from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.models import District
from webapp.reports.models import Category, Report, StatusChange

STATUSES = ["received", "confirmed", "planned", "in_progress", "fixed", "closed", "referred"]
STATUS_WEIGHTS = [0.15, 0.1, 0.1, 0.05, 0.45, 0.1, 0.05]


def _points(rng: np.random.Generator, n: int) -> np.ndarray:
    """n points inside the kommun, two thirds of them in the town's districts."""
    import json

    from shapely.geometry import shape

    town = [shape(json.loads(g)) for name, g in db.session.execute(select(District.name, District.geometry)).all()
            if name != "Byarna"]
    kommun = geo.kommun_boundary()
    out = np.empty((0, 2))
    while len(out) < n:
        want = (n - len(out)) * 2
        in_town = rng.random(want) < 0.67
        minx, miny, maxx, maxy = (12.79, 55.845, 12.885, 55.905)
        town_xy = np.column_stack([rng.uniform(minx, maxx, want), rng.uniform(miny, maxy, want)])
        kx0, ky0, kx1, ky1 = kommun.bounds
        all_xy = np.column_stack([rng.uniform(kx0, kx1, want), rng.uniform(ky0, ky1, want)])
        xy = np.where(in_town[:, None], town_xy, all_xy)
        keep = contains_xy(kommun, xy[:, 0], xy[:, 1])
        if town:
            keep &= ~in_town | np.any([contains_xy(t, xy[:, 0], xy[:, 1]) for t in town], axis=0)
        out = np.vstack([out, xy[keep]])
    return out[:n]


def generate(n: int, seed: int = 1282, batch: int = 20000, progress: Callable[[int], None] | None = None) -> int:
    """Insert n reports (and their history) in batches. Returns how many were made."""
    rng = np.random.default_rng(seed)
    pyrng = random.Random(seed)
    categories = db.session.execute(select(Category.id, Category.kind)).all()
    districts = geo.district_locator()
    zones = geo.zone_locator()
    start_id = (db.session.execute(select(func.max(Report.id))).scalar() or 0) + 1
    points = _points(rng, n)
    start = datetime(2016, 1, 1, tzinfo=timezone.utc)
    span = (datetime(2026, 1, 1, tzinfo=timezone.utc) - start).total_seconds()
    made = 0
    for offset in range(0, n, batch):
        rows, history = [], []
        chunk = points[offset:offset + batch]
        # District and zone per point, vectorised over the chunk.
        east, north = geo.to_sweref(chunk[:, 0], chunk[:, 1])
        district_ids = np.full(len(chunk), None, dtype=object)
        for area in districts.areas:
            district_ids[contains_xy(area.geometry, east, north)] = area.id
        zone_ids = np.full(len(chunk), None, dtype=object)
        for area in zones.areas:
            zone_ids[contains_xy(area.geometry, east, north)] = area.id
        # The 100 m cell each report carries (the ORM sets it on other writes; this is a Core insert).
        cell_e = np.floor(np.asarray(east) / 100).astype(int).tolist()
        cell_n = np.floor(np.asarray(north) / 100).astype(int).tolist()
        for i, (lon, lat) in enumerate(chunk):
            rid = start_id + offset + i
            category_id, kind = categories[pyrng.randrange(len(categories))]
            created = start + timedelta(seconds=pyrng.random() * span)
            status = pyrng.choices(STATUSES, STATUS_WEIGHTS)[0]
            time_of_day = pyrng.choice(["day", "evening", "night"]) if kind == "safety" else None
            rows.append({
                "id": rid, "reference": f"LK-{created.year}-{rid:06d}",
                "token_hash": hashlib.sha256(f"bench-{seed}-{rid}".encode()).hexdigest(),
                "category_id": category_id, "description": "", "lat": float(lat), "lon": float(lon),
                "cell_e": cell_e[i], "cell_n": cell_n[i],
                "location_text": "", "district_id": district_ids[i], "zone_id": zone_ids[i],
                "time_of_day": time_of_day, "safety_rating": pyrng.randint(1, 5) if kind == "safety" else None,
                "locale": "sv", "source": pyrng.choice(["web", "web", "campaign", "instagram", "field"]),
                "status": status, "support_count": pyrng.choice([0, 0, 0, 1, 2, 5]), "hidden": False,
                "hidden_reason": "", "version": 1, "created_at": created, "updated_at": created,
            })
            history.append({"report_id": rid, "from_status": None, "to_status": "received", "public_note": "",
                            "actor": "bench", "created_at": created})
            if status != "received":
                history.append({"report_id": rid, "from_status": "received", "to_status": status, "public_note": "",
                                "actor": "bench", "created_at": created + timedelta(days=pyrng.expovariate(1 / 8))})
        db.session.execute(insert(Report), rows)
        db.session.execute(insert(StatusChange), history)
        db.session.commit()
        made += len(rows)
        if progress:
            progress(len(rows))
    return made
