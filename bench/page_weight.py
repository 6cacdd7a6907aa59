"""The resident pages' weight on a first visit, map tiles excluded, against the 250 KB budget (compressed).

    .venv/bin/python bench/page_weight.py                           # a throwaway instance on a free port
    .venv/bin/python bench/page_weight.py --url http://127.0.0.1:5000

Headless Chromium (Debian's) opens each page with an empty cache at phone size and records every response the
page itself loads from our server (tiles from the tile server are refused and not counted; the service
worker's background copies are not the page's). Each body is gzip-compressed at level 6, as a reverse proxy
serves it, and summed.
"""
from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGET_KB = 250
PAGES = ["/", "/karta"]


@contextmanager
def throwaway_server():
    """The app on a fresh, migrated SQLite database with a few demo reports, on a free port."""
    import logging

    from flask_migrate import upgrade

    from tests.browser import live_server
    from webapp import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"INSTANCE_PATH": folder, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/weight.db",
                          "SECRET_KEY": "page-weight", "APP_ENV": "development", "RATELIMIT_ENABLED": False,
                          "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            from devdata import demo

            demo.load(reports=60)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        with live_server(app) as url:
            yield url


def measure(base_url: str, path: str) -> dict:
    """Requests, raw and gzip-compressed bytes of one page's first load from our server."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, PHONE, chromium_path

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(**PHONE)
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base_url)
                      else route.abort())
        page = context.new_page()

        def record(response):
            if response.url.startswith(base_url):
                try:
                    body = response.body()
                except Exception:  # noqa: BLE001 - a redirect or aborted response has no body
                    return
                rows.append((response.url, len(body), len(gzip.compress(body, compresslevel=6))))

        page.on("response", record)
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
        browser.close()
    return {"path": path, "requests": len(rows), "raw": sum(r[1] for r in rows),
            "compressed": sum(r[2] for r in rows), "largest": sorted(rows, key=lambda r: -r[2])[:3]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="measure a running instance instead of a throwaway one")
    args = parser.parse_args()

    def report(base):
        print(f"{'page':<10} {'requests':>8} {'raw KB':>8} {'gzip KB':>8} {'budget KB':>10}  within")
        ok = True
        for path in PAGES:
            row = measure(base, path)
            within = row["compressed"] <= BUDGET_KB * 1024
            ok &= within
            print(f"{path:<10} {row['requests']:>8} {row['raw'] / 1024:>8.1f} {row['compressed'] / 1024:>8.1f} "
                  f"{BUDGET_KB:>10}  {'yes' if within else 'NO'}")
            for url, _raw, compressed in row["largest"]:
                print(f"{'':<10} {compressed / 1024:>8.1f} KB  {url.removeprefix(base)}")
        return 0 if ok else 1

    if args.url:
        return report(args.url.rstrip("/"))
    with throwaway_server() as base:
        return report(base)


if __name__ == "__main__":
    sys.exit(main())
