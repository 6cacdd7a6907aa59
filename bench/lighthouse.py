"""Lighthouse's mobile scores for the resident pages, beside their goals (performance ≥ 90, accessibility 100).

    .venv/bin/python bench/lighthouse.py                            # a throwaway instance with demo data
    .venv/bin/python bench/lighthouse.py --url http://127.0.0.1:5000 --report LK-2019-000123

Lighthouse (npm's `lighthouse`, installed by `npm ci`) runs Debian's Chromium headless with its default mobile
profile (a mid-range phone, simulated slow 4G and a 4× slower processor). The throwaway instance is the app on
a fresh SQLite database with the demo reports (devdata/demo.py), served the way `make run` serves it (no proxy in
front: compression and caching come from the app). A busy machine inflates the blocking time: the load average
is printed beside the figures; compare figures measured on an idle machine.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"
GOALS = {"performance": 90, "accessibility": 100}
PAGES = ["/", "/karta", "/r/{report}", "/?lang=ar"]


@contextmanager
def throwaway_server():
    """The app on a fresh, migrated SQLite database with the demo reports, on a free port."""
    import logging

    from flask_migrate import upgrade

    from tests.browser import live_server
    from webapp import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"INSTANCE_PATH": folder, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/lighthouse.db",
                          "SECRET_KEY": "lighthouse", "RATELIMIT_ENABLED": False,
                          "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            from devdata import demo

            demo.load()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        with live_server(app) as url:
            yield url


def a_public_report(base: str) -> str:
    """The reference of a report on the public map (asked of the public API, as any visitor could)."""
    with urllib.request.urlopen(f"{base}/api/v1/reports?bbox=12.6,55.7,13.2,56.1") as response:
        features = json.load(response)["features"]
    return next(f["properties"]["reference"] for f in features if f["properties"].get("reference"))


def lighthouse(url: str) -> dict:
    """Lighthouse's category scores (0–100) for one page, mobile profile."""
    if not LIGHTHOUSE.exists():
        sys.exit("lighthouse is not installed: run `npm ci`")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.json"
        env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
        subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
                        "--only-categories=performance,accessibility", f"--chrome-flags={CHROME_FLAGS}"],
                       check=True, env=env, timeout=300)
        report = json.loads(out.read_text())
    scores = {name: round(category["score"] * 100) for name, category in report["categories"].items()}
    audits = report["audits"]
    scores["lcp_s"] = round(audits["largest-contentful-paint"]["numericValue"] / 1000, 1)
    scores["tbt_ms"] = round(audits["total-blocking-time"]["numericValue"])
    scores["elements"] = round((audits.get("dom-size-insight") or audits.get("dom-size") or {}).get("numericValue") or 0)
    if scores["accessibility"] < 100:
        scores["failed"] = sorted(ref["id"] for ref in report["categories"]["accessibility"]["auditRefs"]
                                  if audits[ref["id"]].get("score") == 0)
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running instance (default: a throwaway one with demo data)")
    parser.add_argument("--report", help="a public report's reference (for /r/<ref>; default: one on the map)")
    args = parser.parse_args()

    def run(base: str, reference: str | None) -> bool:
        reference = reference or a_public_report(base)
        load = os.getloadavg()
        print(f"Load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cores)")
        ok = True
        for page in PAGES:
            path = page.format(report=reference)
            scores = lighthouse(base + path)
            line = [f"{path:22}"]
            for name, goal in GOALS.items():
                met = scores[name] >= goal
                ok &= met
                line.append(f"{name} {scores[name]:3} (goal ≥ {goal}{'' if met else ', NOT MET'})")
            line.append(f"LCP {scores['lcp_s']} s, TBT {scores['tbt_ms']} ms, {scores['elements']} elements")
            print("  ".join(line) + (f"  failed: {', '.join(scores['failed'])}" if scores.get("failed") else ""),
                  flush=True)
        load = os.getloadavg()
        print(f"Load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        return ok

    if args.url:
        return 0 if run(args.url.rstrip("/"), args.report) else 1
    with throwaway_server() as url:
        return 0 if run(url, None) else 1


if __name__ == "__main__":
    raise SystemExit(main())
