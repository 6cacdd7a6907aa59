"""How long the heat-map grid, the indicators and a full export take, at 100 000 and 1 000 000 reports.

    .venv/bin/python bench/insights.py                          # 100 000 and 1 000 000, SQLite
    .venv/bin/python bench/insights.py --reports 20000          # a quick look
    .venv/bin/python bench/insights.py --postgres --grid-only   # the heat map on a throwaway PostgreSQL too

Each size gets a fresh database (SQLite in a temporary folder; with --postgres also a throwaway PostgreSQL
server, as the tests start one), filled by `flask bench generate`'s bulk loader. Each heat-map view is printed
beside the floor measured in the same run: the same selection's points, already in memory as SWEREF 99 TM
coordinates, counted into 100 m cells by numpy's bincount (the last column: by histogram2d). Beside them, the
path that reads every selected report (an area, a campaign or a gender/age split still take it).
Medians of three runs.
"""
from __future__ import annotations

import argparse
import os
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


VIEWS = [  # name, Selection arguments
    ("all reports", {}),
    ("one category (dark and unsafe)", {"categories": ["dark_unsafe"]}),
    ("time of day: night", {"times_of_day": ["night"]}),
    ("one year (2019)", {"date_from": "2019-01-01", "date_to": "2019-12-31"}),
    ("2019-03-15 – 2019-09-10, night",
     {"date_from": "2019-03-15", "date_to": "2019-09-10", "times_of_day": ["night"]}),
]


def database(backend: str, folder: str, postgres) -> str:
    if backend == "sqlite":
        return f"sqlite:///{os.path.join(folder, 'bench.sqlite')}"
    name = os.path.basename(folder).replace("-", "_")
    postgres.execute(f"CREATE DATABASE {name}")
    return postgres.url(name)


def run(n: int, backend: str = "sqlite", postgres=None, grid_only: bool = False) -> list[tuple]:
    from datetime import date

    import numpy as np
    from flask_migrate import upgrade

    from devdata import benchdata, demo
    from webapp import create_app
    from webapp.geo import services as geo
    from webapp.insights import indicators
    from webapp.insights import services as insights

    folder = tempfile.mkdtemp(prefix="tk-bench-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database(backend, folder, postgres), "SECRET_KEY": "bench",
                      "INSTANCE_PATH": folder, "MEDIA_DIR": os.path.join(folder, "media"),
                      "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
    rows = []
    with app.app_context():
        upgrade()
        demo.ensure_demo_areas()
        start = time.perf_counter()
        benchdata.generate(n)
        rows.append((f"generate {n:,} reports", time.perf_counter() - start, None, None, "minutes, not hours"))
        if backend == "postgresql":
            from webapp.extensions import db

            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()

        for name, args in VIEWS:
            selection = insights.Selection(**{k: date.fromisoformat(v) if k.startswith("date") else v
                                              for k, v in args.items()})
            product = median_time(lambda: insights.grid(selection, 100))
            # The floor: the same points already in memory, counted into the same cells.
            lons, lats = insights.positions(selection)
            east, north = (np.asarray(v) for v in geo.to_sweref(lons, lats))

            def bincount():
                i = np.floor(east / 100).astype(np.int64)
                j = np.floor(north / 100).astype(np.int64)
                i -= i.min()
                j -= j.min()
                np.bincount(i * (j.max() + 1) + j)

            def histogram2d():
                bins = [np.arange(east.min() // 100 * 100, east.max() + 100, 100),
                        np.arange(north.min() // 100 * 100, north.max() + 100, 100)]
                np.histogram2d(east, north, bins=bins)

            rows.append((f"grid 100 m, {name} ({lons.size:,})", product, median_time(bincount),
                         median_time(histogram2d), "≤ 0.33 s"))
        everything = insights.Selection()
        rows.append(("grid 500 m, all reports", median_time(lambda: insights.grid(everything, 500)), None, None,
                     "≤ 0.33 s"))
        rows.append(("grid 150 m, all reports, reading every report", median_time(
            lambda: insights.grid(everything, 150)), None, None, "(the path areas, campaigns, splits take)"))
        if grid_only:
            return rows
        period = indicators.parse_period("2019")
        rows.append(("indicators for a year", median_time(lambda: indicators.dashboard(period)), None, None,
                     "< 1 s"))

        def drain(chunks):
            for _ in chunks:
                pass

        elapsed, peak = peak_mb(lambda: drain(insights.points_csv(everything)))
        rows.append(("full CSV export (streamed)", elapsed, None, None,
                     f"peak {peak:.0f} MB Python heap, goal < 300 MB"))
        elapsed, peak = peak_mb(lambda: drain(insights.points_geojson(everything)))
        rows.append(("full GeoJSON export (streamed)", elapsed, None, None,
                     f"peak {peak:.0f} MB Python heap, goal < 300 MB"))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL server")
    parser.add_argument("--grid-only", action="store_true", help="only the heat-map rows")
    args = parser.parse_args()
    backends = ["sqlite"]
    postgres = None
    if args.postgres:
        from tests.pg import ThrowawayPostgres

        postgres = ThrowawayPostgres()
        postgres.start()
        backends.append("postgresql")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start")
    print(f"{'path':<48} {'seconds':>9} {'floor s':>9} {'ratio':>8} {'hist2d s':>9}  goal")
    try:
        for n in args.reports:
            for backend in backends:
                print(f"--- {n:,} reports, {backend}")
                for name, seconds, floor, other, goal in run(n, backend, postgres, args.grid_only):
                    ratio = f"{seconds / floor:.1f}×" if floor else ""
                    floor_text = f"{floor:.4f}" if floor else "–"
                    other_text = f"{other:.4f}" if other else ""
                    print(f"{name:<48} {seconds:>9.3f} {floor_text:>9} {ratio:>8} {other_text:>9}  {goal}",
                          flush=True)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        if postgres:
            postgres.stop()


if __name__ == "__main__":
    main()
