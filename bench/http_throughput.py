"""HTTP throughput of the public map API under gunicorn on this machine, beside a bare Flask endpoint returning a
constant JSON under the same server, with wrk on loopback.

    .venv/bin/python bench/http_throughput.py                   # 100 000 reports, 3 rounds of 10 s per run
    .venv/bin/python bench/http_throughput.py --reports 1000000 --seconds 15
    .venv/bin/python bench/http_throughput.py --reports 20000 --heatmap-only   # the floor and the heat map alone
    .venv/bin/python bench/http_throughput.py --through-nginx   # the public map: nginx + 2 app servers vs 1 server

Needs wrk (Debian: apt-get install wrk). Both servers run as `gunicorn --workers 2 --threads 4` (one worker per
core); wrk uses 2 threads and 32 connections and sends what a phone's browser sends (Accept-Encoding: gzip,
Accept-Language), to every server alike. Four runs: the bare endpoint (the floor); the map API over 20 boxes of
about 500 reports that phones keep asking for (the public map widens its box to a grid, so phones in the same
part of town ask the same question, and each worker keeps an answer MAP_CACHE_SECONDS); phones looking about
town (views centred on random reports at zoom 14-17, widened to the grid as the public map does, with
clusters=auto as it asks); and the map API keeping nothing (MAP_CACHE_SECONDS=0 and a box never asked before for
every request: the database and the encoder every time, the worst case). A fifth run is the planners' heat map
(`/staff/heatmap/cells.json`, logged in as a lighting planner, wrk sending the session cookie): 100 m cells over
the whole kommun, for all reports, one category, night and one year in turn. Rate limits are off for the run:
all requests come from one address.

--through-nginx measures the public map (the map API for 20 boxes of about 500 reports, and the `/karta` page)
two ways in the same run, taking turns: one app server asked directly over HTTP, and the shipped nginx site
(deploy/nginx/trygghetskartan.conf, TLS with a self-signed certificate, Debian's nginx) in front of two app
servers, each `gunicorn --workers 2 --threads 4`, sharing the database. Needs nginx and openssl as well.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GUNICORN = Path(sys.executable).with_name("gunicorn")

# What a phone's browser sends with a fetch(): it accepts compressed answers and says its languages.
BROWSER_HEADERS = {"Accept-Encoding": "gzip, deflate, br", "Accept-Language": "sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7"}

# Each wrk thread starts at its own place in the list (half-way for the second), so that two threads do not ask
# the same box at the same moment by construction.
LUA = """
local paths = {%s}
local threads = 0
function setup(thread)
  thread:set("start", threads)
  threads = threads + 1
end
local i = 0
function init(args)
  i = start * math.floor(#paths / 2)
end
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


PLANNER_PASSWORD = "bench-planner-password"
HEATMAP_PATHS = ["/staff/heatmap/cells.json", "/staff/heatmap/cells.json?categories=dark_unsafe",
                 "/staff/heatmap/cells.json?times_of_day=night",
                 "/staff/heatmap/cells.json?date_from=2019-01-01&date_to=2019-12-31"]


def login_cookie(port: int) -> str:
    """A lighting planner's session cookie, got through the real login form."""
    session = requests.Session()
    html = session.get(f"http://127.0.0.1:{port}/staff/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    session.post(f"http://127.0.0.1:{port}/staff/login", timeout=30, allow_redirects=False,
                 data={"csrf_token": token, "email": "bench.planner@landskrona.se", "password": PLANNER_PASSWORD})
    if requests.get(f"http://127.0.0.1:{port}{HEATMAP_PATHS[0]}", cookies=session.cookies, timeout=60,
                    allow_redirects=False).status_code != 200:
        raise RuntimeError("the planner could not log in")
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(app: str, env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen([str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
                                "--log-level", "warning", app], cwd=ROOT, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError(f"{app} exited with {process.returncode}")
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=5)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    raise RuntimeError(f"{app} did not start")


def wrk(url: str, paths: list[str], seconds: int, cookie: str = "") -> tuple[float, float]:
    """Requests per second and the 99th percentile latency in ms."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % ", ".join(f'"{p}"' for p in paths))
    sent = {**BROWSER_HEADERS, **({"Cookie": cookie} if cookie else {})}
    headers = [arg for name, value in sent.items() for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", *headers, "-s", script.name, url],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed responses:\n{out}")
    return rps, p99


def snap(value: float, up: bool, grid: float, digits: int) -> str:
    """As static/js/public-map.js widens the view to its grid."""
    return f"{(math.ceil(value / grid - 1e-9) if up else math.floor(value / grid + 1e-9)) * grid:.{digits}f}"


def phone_views(con: sqlite3.Connection, count: int, seed: int = 11) -> list[str]:
    """The boxes phones ask for while people look about town: each view centred on a random report's place
    (busy places are looked at more), at zoom 14-17 (most at 15-16), on a 390 × 660 px screen, widened to the
    grid as the public map does."""
    rng = random.Random(seed)
    places = con.execute("SELECT min_lon, min_lat FROM report_rtree ORDER BY random() LIMIT ?", (count,)).fetchall()
    paths = []
    for lon, lat in places:
        zoom = rng.choices((14, 15, 16, 17), weights=(2, 3, 4, 1))[0]
        world = 256 * 2 ** zoom  # pixels round the world at this zoom (Web Mercator)
        half_w = 195 * 360 / world
        y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
        south, north = (math.degrees(2 * math.atan(math.exp(y + dy)) - math.pi / 2)
                        for dy in (-330 * 2 * math.pi / world, 330 * 2 * math.pi / world))
        grid = (0.001, 3) if zoom >= 17 else (0.01, 2)
        paths.append("/api/v1/reports?bbox=" + ",".join(
            (snap(lon - half_w, False, *grid), snap(south, False, *grid), snap(lon + half_w, True, *grid),
             snap(north, True, *grid))) + "&clusters=auto")
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--heatmap-only", action="store_true",
                        help="only the floor and the planners' heat map (the map API runs are left out)")
    parser.add_argument("--through-nginx", action="store_true",
                        help="the public map through nginx and two app servers beside one app server, same run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk")
        return 2
    if args.through_nginx:
        return through_nginx(args)
    from flask_migrate import upgrade

    from bench.web_paths import boxes_of_about
    from devdata import benchdata, demo
    from webapp import create_app

    folder = tempfile.mkdtemp(prefix="tk-http-")
    db_path = os.path.join(folder, "bench.sqlite")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench", "APP_ENV": "development",
                      "INSTANCE_PATH": folder, "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
    with app.app_context():
        upgrade()
        demo.ensure_demo_areas()
        started = time.perf_counter()
        benchdata.generate(args.reports)
        generated = time.perf_counter() - started
        from webapp.auth import services as accounts
        from webapp.extensions import db

        accounts.create_user("bench.planner@landskrona.se", "Planner", password=PLANNER_PASSWORD, role="lighting_planner")
        db.session.commit()  # services flush; the server in another process must find the account
    con = sqlite3.connect(db_path)
    boxes = boxes_of_about(con, 500, 20)
    views = phone_views(con, 50000)
    per_view = statistics.median(con.execute(
        "SELECT count(*) FROM report_rtree WHERE min_lon >= ? AND max_lon <= ? AND min_lat >= ? AND max_lat <= ?",
        [float(v) for v in path.split("=")[1].split("&")[0].split(",")]).fetchone()[0] for path in views[:300])
    con.close()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "SECRET_KEY": "bench", "APP_ENV": "development", "INSTANCE_PATH": folder,
           "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
           "RATELIMIT_ENABLED": "0", "PYTHONPATH": str(ROOT)}
    # As the public map asks: with clusters=auto (a box of ~500 reports is answered pin by pin).
    box_paths = ["/api/v1/reports?bbox=" + ",".join(f"{v:.6f}" for v in b) + "&clusters=auto" for b in boxes]
    rng = random.Random(3)
    unique = ["/api/v1/reports?bbox=" + ",".join(f"{v + rng.uniform(-1e-4, 1e-4):.7f}" for v in rng.choice(boxes))
              + "&clusters=auto" for _ in range(50000)]
    runs = (("bare Flask endpoint (floor)", "bench.bare_app:app", ["/bare"], {}),
            ("map API, 20 boxes of ~500 reports", "webapp:create_app()", box_paths, {}),
            ("map API, phones looking about town", "webapp:create_app()", views, {}),
            ("map API keeping nothing (worst case)", "webapp:create_app()", unique, {"MAP_CACHE_SECONDS": "0"}),
            ("heat map, 100 m cells, 4 views", "webapp:create_app()", HEATMAP_PATHS, {}))
    if args.heatmap_only:
        runs = (runs[0], runs[-1])
    # All servers stay up (idle ones cost nothing); the runs take turns, round after round, so that the
    # machine's ups and downs fall on all of them alike. Each row reports its median round.
    servers, cookies = [], {}
    try:
        for name, target, paths, extra in runs:
            port = free_port()
            servers.append((port, serve(target, {**env, **extra}, port)))
            cookies[name] = login_cookie(port) if name.startswith("heat map") else ""
            wrk(f"http://127.0.0.1:{port}", paths[:50], 2, cookies[name])  # warm up
        measured = {name: [] for name, *_ in runs}
        for _ in range(args.rounds):
            for (name, _target, paths, _extra), (port, _process) in zip(runs, servers):
                measured[name].append(wrk(f"http://127.0.0.1:{port}", paths, args.seconds, cookies[name]))
    finally:
        for _port, process in servers:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()
    floors = [rps for rps, _ in measured[runs[0][0]]]
    floor = statistics.median(floors)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end")
    print(f"{args.reports:,} reports (generated in {generated:.0f} s); gunicorn 2 workers × 4 threads; "
          f"wrk 2 threads, 32 connections, {args.rounds} rounds of {args.seconds} s, medians")
    print(f"phones looking about town: {len(set(views)):,} different boxes among {len(views):,} views, "
          f"a median of {per_view:,.0f} reports in a box")
    print(f"{'path':<38} {'req/s':>9} {'p99 ms':>8} {'of floor':>9} {'rounds':>11}  goal")
    for name, *_ in runs:
        rps = statistics.median(r for r, _ in measured[name])
        p99 = statistics.median(p for _, p in measured[name])
        shares = [r / f for (r, _), f in zip(measured[name], floors)]
        goal = "" if name.startswith("bare") else "(not a goal of its own)" if name.startswith("heat") else \
            "≥ 50 % of the floor, p99 < 100 ms"
        print(f"{name:<38} {rps:>9.0f} {p99:>8.1f} {rps / floor:>8.0%} {min(shares):>5.0%}–{max(shares):<5.0%}  {goal}")
    return 0


def generated_database(reports: int) -> tuple[str, str, float]:
    """A fresh SQLite database with `reports` generated reports: (folder, file, seconds to generate)."""
    from flask_migrate import upgrade

    from devdata import benchdata, demo
    from webapp import create_app

    folder = tempfile.mkdtemp(prefix="tk-http-")
    db_path = os.path.join(folder, "bench.sqlite")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench",
                      "INSTANCE_PATH": folder, "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
    with app.app_context():
        upgrade()
        demo.ensure_demo_areas()
        started = time.perf_counter()
        benchdata.generate(reports)
        return folder, db_path, time.perf_counter() - started


def through_nginx(args) -> int:
    """The public map through the shipped nginx site and two app servers, beside one app server asked directly."""
    from bench.web_paths import boxes_of_about
    from tests import nginx

    if not nginx.available():
        print("nginx or openssl is not installed: apt-get install nginx openssl")
        return 2
    folder, db_path, generated = generated_database(args.reports)
    con = sqlite3.connect(db_path)
    boxes = boxes_of_about(con, 500, 20)
    con.close()
    box_paths = ["/api/v1/reports?bbox=" + ",".join(f"{v:.6f}" for v in b) + "&clusters=auto" for b in boxes]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "SECRET_KEY": "b" * 64, "INSTANCE_PATH": folder,
           "PUBLIC_BASE_URL": "https://127.0.0.1", "TRUSTED_HOSTS": "127.0.0.1,localhost", "PROXY_COUNT": "1",
           "RATELIMIT_ENABLED": "0", "JOBS_IN_WEB_PROCESS": "0", "PYTHONPATH": str(ROOT)}
    runs = (("map API, 20 boxes of ~500 reports", box_paths), ("/karta (the public map's page)", ["/karta"]))
    ports = [free_port() for _ in range(3)]
    processes = [serve("webapp:create_app()", env, port) for port in ports]
    proxy = nginx.ThrowawayNginx(ports[1:], workers="auto")
    proxy.start()
    setups = (("one app server, directly", f"http://127.0.0.1:{ports[0]}"),
              ("nginx + two app servers", proxy.url))
    measured = {(run, setup): [] for run, _ in runs for setup, _ in setups}
    try:
        for _run, paths in runs:
            for _setup, url in setups:
                wrk(url, paths, 2)  # warm up
        for _ in range(args.rounds):
            for run, paths in runs:
                for setup, url in setups:
                    measured[run, setup].append(wrk(url, paths, args.seconds))
    finally:
        proxy.stop()
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end")
    print(f"{args.reports:,} reports (generated in {generated:.0f} s); every app server gunicorn 2 workers × 4 "
          f"threads; nginx {nginx.binary()} with TLS; wrk 2 threads, 32 connections, {args.rounds} rounds of "
          f"{args.seconds} s, medians")
    print(f"{'path':<34} " + " ".join(f"{setup:>34}" for setup, _ in setups) + "   ratio")
    for run, _paths in runs:
        cells, rates = [], []
        for setup, _url in setups:
            rps = statistics.median(r for r, _ in measured[run, setup])
            p99 = statistics.median(p for _, p in measured[run, setup])
            rates.append(rps)
            cells.append(f"{rps:>8.0f} req/s, p99 {p99:>6.1f} ms")
        print(f"{run:<34} " + " ".join(f"{c:>34}" for c in cells) + f"   {rates[1] / rates[0]:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
