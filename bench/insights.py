"""How long the heat-map grid, the indicators and a full export take, at 100 000 and 1 000 000 reports.

    .venv/bin/python bench/insights.py                    # 100 000 and 1 000 000
    .venv/bin/python bench/insights.py --reports 20000    # a quick look

Each size gets a fresh SQLite database in a temporary folder, filled by `flask bench generate`'s bulk loader.
Each figure is printed beside a floor measured in the same run where one exists: for the grid, a raw sqlite3
read of the same positions plus pyproj and numpy's histogram2d. Medians of three runs.
"""
from __future__ import annotations

import argparse
import io
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_time(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_mb(fn) -> tuple[float, float]:
    tracemalloc.start()
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 1e6


def run(n: int) -> list[tuple]:
    import numpy as np
    from flask_migrate import upgrade

    from webapp import benchdata, create_app, demo
    from webapp.geo import services as geo
    from webapp.insights import indicators, services as insights

    folder = tempfile.mkdtemp(prefix="tk-bench-")
    db_path = os.path.join(folder, "bench.sqlite")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench",
                      "INSTANCE_PATH": folder, "MEDIA_DIR": os.path.join(folder, "media"),
                      "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
    rows = []
    with app.app_context():
        upgrade()
        demo.ensure_demo_areas()
        start = time.perf_counter()
        benchdata.generate(n)
        rows.append((f"generate {n:,} reports", time.perf_counter() - start, None, "minutes, not hours"))

        selection = insights.Selection()
        product = median_time(lambda: insights.grid(selection, 100))

        def floor():
            con = sqlite3.connect(db_path)
            data = np.asarray(con.execute("SELECT lon, lat FROM report WHERE lat IS NOT NULL AND hidden = 0 "
                                          "AND status != 'duplicate'").fetchall(), dtype=float)
            con.close()
            east, north = geo.to_sweref(data[:, 0], data[:, 1])
            bins = [np.arange(east.min() // 100 * 100, east.max() + 100, 100),
                    np.arange(north.min() // 100 * 100, north.max() + 100, 100)]
            np.histogram2d(east, north, bins=bins)

        rows.append(("heat-map grid, 100 m", product, median_time(floor), "≤ 3× the floor"))
        period = indicators.parse_period("2019")
        rows.append(("indicators for a year", median_time(lambda: indicators.dashboard(period)), None, "< 1 s"))

        def drain(chunks):
            for _ in chunks:
                pass

        elapsed, peak = peak_mb(lambda: drain(insights.points_csv(selection)))
        rows.append(("full CSV export (streamed)", elapsed, None, f"peak {peak:.0f} MB Python heap, goal < 300 MB"))
        elapsed, peak = peak_mb(lambda: drain(insights.points_geojson(selection)))
        rows.append(("full GeoJSON export (streamed)", elapsed, None, f"peak {peak:.0f} MB Python heap, goal < 300 MB"))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    print(f"{'path':<34} {'seconds':>9} {'floor s':>9} {'ratio':>7}  goal")
    for n in args.reports:
        print(f"--- {n:,} reports")
        for name, seconds, floor, goal in run(n):
            ratio = f"{seconds / floor:.2f}×" if floor else ""
            floor_text = f"{floor:.3f}" if floor else "–"
            print(f"{name:<34} {seconds:>9.3f} {floor_text:>9} {ratio:>7}  {goal}")


if __name__ == "__main__":
    main()
