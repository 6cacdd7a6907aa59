"""The map API, the triage list and a report with a 12-megapixel photo, each beside a floor measured in the
same run.

    .venv/bin/python bench/web_paths.py                     # 1 000 000 reports (about 5 minutes to build)
    .venv/bin/python bench/web_paths.py --reports 100000    # a quick look

- map API: GET /api/v1/reports?bbox=… for 20 boxes of about 500 reports each (the whole request through Flask,
  GeoJSON out) against a raw sqlite3 query on the same R*Tree plus orjson of the same features. Medians.
- triage list: the staff inbox's query, 50 newest open "dark and unsafe" reports and the count of all matches,
  against the same two statements run raw on sqlite3.
- report with a photo: the whole submission (checks, the photo pipeline, storage, the database) with a
  4000 × 3000 JPEG from a turned phone against the tuned Pillow path of bench/photos.py (DCT-scaled decode,
  one resize, turned when small, two encodes); the plain path (full decode, then shrink) as a second row.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench.insights import median_time  # noqa: E402 - after the project is on the path


def median(fn, runs: int = 5) -> float:
    return median_time(fn, runs)


def boxes_of_about(con: sqlite3.Connection, target: int, count: int, seed: int = 7) -> list[tuple]:
    """`count` boxes around random placed reports, each grown until it holds about `target` reports."""
    rng = random.Random(seed)
    ids = [r[0] for r in con.execute("SELECT id FROM report_rtree ORDER BY random() LIMIT 200")]
    boxes = []
    for report_id in rng.sample(ids, min(count, len(ids))):
        lon, lat = con.execute("SELECT min_lon, min_lat FROM report_rtree WHERE id = ?", (report_id,)).fetchone()
        low, high = 0.00001, 0.2
        for _ in range(30):
            half = (low + high) / 2
            n = con.execute("SELECT count(*) FROM report_rtree WHERE min_lon >= ? AND max_lon <= ? AND min_lat >= ? "
                            "AND max_lat <= ?", (lon - half, lon + half, lat - half / 2, lat + half / 2)).fetchone()[0]
            if abs(n - target) < target * 0.05:
                break
            low, high = (half, high) if n < target else (low, half)
        boxes.append((lon - half, lat - half / 2, lon + half, lat + half / 2))
    return boxes


FLOOR_MAP_SQL = """
SELECT r.id, r.reference, r.lon, r.lat, r.status, r.created_at, r.support_count, c.key, c.names,
       (SELECT p.stem FROM photo p WHERE p.report_id = r.id AND p.moderation = 'approved' ORDER BY p.id LIMIT 1)
FROM report r JOIN category c ON c.id = r.category_id
WHERE r.hidden = 0 AND r.id IN (SELECT id FROM report_rtree WHERE min_lon >= ? AND max_lon <= ? AND min_lat >= ?
                                AND max_lat <= ?)
ORDER BY r.created_at DESC, r.id DESC LIMIT 5001
"""


def floor_map(db_path: str, box: tuple) -> bytes:
    con = sqlite3.connect(db_path)
    rows = con.execute(FLOOR_MAP_SQL, (box[0], box[2], box[1], box[3])).fetchall()
    con.close()
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(r[2], 6), round(r[3], 6)]},
                 "properties": {"id": r[0], "reference": r[1], "category": r[7],
                                "category_name": json.loads(r[8]).get("sv"), "status": r[4],
                                "created": r[5][:10], "support_count": r[6],
                                "thumbnail_url": f"/photos/{r[9]}/thumb.jpg" if r[9] else None,
                                "url": f"/r/{r[1]}"}} for r in rows[:5000]]
    return orjson.dumps({"type": "FeatureCollection", "features": features, "truncated": len(rows) > 5000})


def run(n: int) -> list[tuple]:
    from flask_migrate import upgrade

    from devdata import benchdata, demo
    from webapp import create_app
    from webapp.extensions import db, limiter
    from webapp.media import photo_settings
    from webapp.reports import intake
    from webapp.staff.services import ReportFilter, search_reports

    folder = tempfile.mkdtemp(prefix="tk-bench-")
    db_path = os.path.join(folder, "bench.sqlite")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench", "APP_ENV": "development",
                      "INSTANCE_PATH": folder, "MEDIA_DIR": os.path.join(folder, "media"),
                      "SERVER_NAME": "bench.local", "MAP_CACHE_SECONDS": 0,
                      "PUBLIC_BASE_URL": "http://bench.local"})  # every box from the database
    limiter.enabled = False
    rows = []
    with app.app_context():
        upgrade()
        demo.ensure_demo_areas()
        start = time.perf_counter()
        benchdata.generate(n)
        rows.append((f"generate {n:,} reports (with R*Tree)", time.perf_counter() - start, None, "minutes"))

        con = sqlite3.connect(db_path)
        boxes = boxes_of_about(con, 500, 20)
        sizes = [con.execute("SELECT count(*) FROM report_rtree WHERE min_lon >= ? AND max_lon <= ? AND "
                             "min_lat >= ? AND max_lat <= ?", (b[0], b[2], b[1], b[3])).fetchone()[0] for b in boxes]
        con.close()
        client = app.test_client()

        def product_box(box):
            response = client.get("/api/v1/reports", query_string={"bbox": ",".join(f"{v:.6f}" for v in box)})
            assert response.status_code == 200, response.get_data(as_text=True)
            return response.get_data()

        for box in boxes[:2]:  # warm caches on both sides equally
            product_box(box)
            floor_map(db_path, box)
        product = statistics.median(median(lambda b=b: product_box(b), 3) for b in boxes)
        floor = statistics.median(median(lambda b=b: floor_map(db_path, b), 3) for b in boxes)
        rows.append((f"map API, box of ~{int(statistics.median(sizes))} reports", product, floor, "≤ 2× the floor"))

        selection = ReportFilter(status=["received", "confirmed", "planned", "in_progress"], category="dark_unsafe")
        product = median(lambda: search_reports(selection, 1, 50))
        category_id = db.session.execute(db.text("SELECT id FROM category WHERE key = 'dark_unsafe'")).scalar()

        def floor_triage():
            con = sqlite3.connect(db_path)
            where = ("FROM report r JOIN category c ON c.id = r.category_id WHERE r.status IN "
                     "('received','confirmed','planned','in_progress') AND c.id = ?")
            con.execute(f"SELECT count(r.id) {where}", (category_id,)).fetchone()
            con.execute(f"SELECT r.* {where} ORDER BY r.created_at DESC, r.id DESC LIMIT 50", (category_id,)).fetchall()
            con.close()

        rows.append(("triage list: 50 newest + count", product, median(floor_triage), "≤ 2× the floor"))

        from photos import phone_photo, plain, tuned  # bench/photos.py: the same photo and floors

        photo = phone_photo()  # 4000 × 3000, turned (EXIF orientation 6), with GPS
        settings = photo_settings()

        def product_photo():
            data = intake.NewReport(category_key="littered", lat=55.8706, lon=12.8302, photos=[photo])
            intake.create_report(data, settings)

        rows.append(("report with a 12-megapixel photo", median(product_photo), median(lambda: tuned(photo)),
                     "≤ 1.3× the tuned Pillow path"))
        rows.append(("  (the plain Pillow path, for comparison)", median(lambda: plain(photo)),
                     median(lambda: tuned(photo)), "–"))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"{'path':<40} {'seconds':>9} {'floor s':>9} {'ratio':>7}  goal")
    for name, seconds, floor, goal in run(args.reports):
        ratio = f"{seconds / floor:.2f}×" if floor else ""
        floor_text = f"{floor:.4f}" if floor else "–"
        print(f"{name:<40} {seconds:>9.4f} {floor_text:>9} {ratio:>7}  {goal}")


if __name__ == "__main__":
    main()
