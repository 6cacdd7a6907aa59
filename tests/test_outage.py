"""A database outage (issue 22.3) against a real PostgreSQL stopped and started again under gunicorn: every
interface answers 503 with Retry-After in its own format, a server starts while the database is down, both
recover by themselves, and a `flask jobs work` process waits out two outages and then finishes a queued job."""
import re
import subprocess
import sys
import threading
import time
import uuid
from xml.etree import ElementTree as ET

import pytest
import requests
from sqlalchemy import select

from tests.conftest import _migrate, base_config, build_app
from tests.factories import CENTRUM, PASSWORD, make_user
from tests.pg import ThrowawayPostgres
from tests.server import ROOT, environment, gunicorn, resident
from webapp.extensions import db
from webapp.jobs.models import Job, JobWorker

pytestmark = pytest.mark.slow

UNAVAILABLE = {
    "sv": "Tjänsten är tillfälligt otillgänglig",
    "en": "The service is temporarily unavailable",
    "ar": "الخدمة غير متاحة مؤقتًا",
}


@pytest.fixture
def database(tmp_path):
    """A PostgreSQL server of this test's own, so that stopping it leaves the other tests' server alone."""
    server = ThrowawayPostgres()
    if not server.available:
        pytest.skip("PostgreSQL's initdb/pg_ctl are not installed (apt-get install postgresql-15)")
    server.start()
    server.execute("CREATE DATABASE tk_outage")
    _migrate(server.url("tk_outage"), tmp_path / "migrate")
    yield server
    server.stop()


@pytest.fixture
def app(database, tmp_path):
    app = build_app(base_config(tmp_path, database.url("tk_outage")))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def wait_for(condition, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"not reached within {seconds} s: {what}")


def answers(url: str, status: int) -> bool:
    try:
        return requests.get(url, timeout=10).status_code == status
    except requests.RequestException:
        return False


def assert_unavailable(response, kind: str):
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert int(response.headers["Retry-After"]) > 0
    if kind == "html":
        assert response.headers["Content-Type"].startswith("text/html")
        assert "Internal Server Error" not in response.text
    elif kind == "json":
        assert response.headers["Content-Type"].startswith("application/json")
        assert UNAVAILABLE["sv"] in response.json()["error"]


def staff_login(url: str, email: str) -> requests.Session:
    session = requests.Session()
    html = session.get(f"{url}/staff/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    session.post(f"{url}/staff/login", data={"csrf_token": token, "email": email, "password": PASSWORD}, timeout=30)
    return session


def test_every_interface_answers_503_in_its_own_format_and_recovers(app, database):
    officer = make_user("case_officer").email
    db.session.remove()
    db.engine.dispose()
    report = {"idempotency_key": uuid.uuid4().hex, "category": "littered", "lat": f"{CENTRUM[1]:.6f}",
              "lon": f"{CENTRUM[0]:.6f}", "description": "Skräp vid bänken"}
    with gunicorn(app.config, workers=2, threads=2) as server:
        url = server.url
        citizen, token = resident(url)
        staff = staff_login(url, officer)
        assert staff.get(f"{url}/staff/heatmap/cells.json", timeout=30).status_code == 200

        database.pause()

        for lang, text in UNAVAILABLE.items():
            page = requests.get(f"{url}/?lang={lang}", timeout=30)
            assert_unavailable(page, "html")
            assert text in page.text and f'<html lang="{lang}"' in page.text
        assert_unavailable(requests.get(f"{url}/karta", timeout=30), "html")
        sent = citizen.post(f"{url}/", data={"csrf_token": token, **report}, allow_redirects=False, timeout=30)
        assert_unavailable(sent, "html")
        assert UNAVAILABLE["sv"] in sent.text
        # A signed-in officer: the user cannot be looked up, and the page still renders without the database.
        assert_unavailable(staff.get(f"{url}/staff/", timeout=30), "html")
        assert_unavailable(staff.get(f"{url}/staff/heatmap/cells.json", timeout=30), "json")
        assert_unavailable(requests.get(f"{url}/api/v1/reports?bbox=12.8,55.85,12.86,55.89", timeout=30), "json")

        as_json = requests.get(f"{url}/open311/v2/requests.json", timeout=30)
        assert as_json.status_code == 503 and int(as_json.headers["Retry-After"]) > 0
        assert as_json.json()[0]["code"] == 503 and as_json.json()[0]["description"]
        posted = requests.post(f"{url}/open311/v2/requests.xml", data={
            "api_key": "any", "service_code": "littered", "lat": CENTRUM[1], "long": CENTRUM[0],
            "description": "Skräp"}, timeout=30)
        assert posted.status_code == 503 and int(posted.headers["Retry-After"]) > 0
        assert ET.fromstring(posted.content).find("error/code").text == "503"
        as_xml = requests.get(f"{url}/open311/v2/requests.xml", timeout=30)
        assert as_xml.status_code == 503 and as_xml.headers["Content-Type"].startswith("text/xml")
        assert ET.fromstring(as_xml.content).find("error/code").text == "503"

        health = requests.get(f"{url}/healthz", timeout=30)
        assert health.status_code == 503 and health.json()["database"] == {"status": "fail"}

        # A server started while the database is down comes up and answers 503 too.
        with gunicorn(app.config, workers=1, threads=2, healthy=False) as late:
            assert_unavailable(requests.get(f"{late.url}/", timeout=30), "html")

            database.resume()

            # Both recover by themselves, without a restart.
            wait_for(lambda: answers(f"{late.url}/", 200), "the late server's start page after the outage")
            wait_for(lambda: answers(f"{url}/karta", 200), "the map after the outage")
        sent = citizen.post(f"{url}/", data={"csrf_token": token, **report}, allow_redirects=False, timeout=30)
        assert sent.status_code == 302 and "/t/" in sent.headers["Location"], re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)', sent.text)
        assert staff.get(f"{url}/staff/heatmap/cells.json", timeout=30).status_code == 200
        assert requests.get(f"{url}/healthz", timeout=30).status_code == 200


class Worker:
    """`flask jobs work` in a subprocess, its stderr collected line by line."""

    def __init__(self, config: dict):
        env = {**environment(config), "FLASK_APP": "webapp", "JOB_STALE_SECONDS": "2",
               "JOBS_DB_RETRY_MAX_SECONDS": "1", "DATABASE_CONNECT_TIMEOUT": "2"}
        self.process = subprocess.Popen([sys.executable, "-m", "flask", "jobs", "work"], cwd=ROOT, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                        start_new_session=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stderr:
            self.lines.append(line)

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def test_a_job_worker_waits_out_two_outages_and_then_finishes_a_queued_job(app, database, tmp_path):
    from webapp.insights.services import Selection, start_export

    worker = Worker(app.config)
    try:
        def beats():
            db.session.expire_all()
            seen = db.session.execute(select(JobWorker)).scalars().first()
            db.session.rollback()
            return seen
        wait_for(beats, "the worker's first heartbeat")
        db.session.remove()
        db.engine.dispose()

        for outage in (1, 2):
            database.pause()
            wait_for(lambda: worker.count("the database cannot be reached") == outage, f"outage {outage} noticed")
            database.resume()
            wait_for(lambda: worker.count("the database is back") == outage, f"the end of outage {outage} noticed")
            assert worker.process.poll() is None, "".join(worker.lines[-20:])
        # Said once per outage, not once per try.
        assert worker.count("the database cannot be reached") == 2

        job_id = start_export(Selection(), "geojson", "test", str(tmp_path / "exports")).id
        db.session.commit()  # services flush: the worker sees the job after the commit

        def finished():
            db.session.expire_all()
            job = db.session.get(Job, job_id)
            db.session.rollback()
            return job.status if job.status in ("done", "failed") else None
        assert wait_for(finished, "the queued export finished") == "done", "".join(worker.lines[-20:])
        assert (tmp_path / "exports" / f"job-{job_id}.geojson").exists()
        assert worker.process.poll() is None
    finally:
        worker.stop()
