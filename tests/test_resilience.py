"""Nothing lost under load or in a crash: a real gunicorn server, 200 concurrent submissions with photos on
SQLite and PostgreSQL, kill -9 during uploads, and `flask doctor` for what a crash leaves behind."""
import hashlib
import os
import random
import signal
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from tests.factories import CENTRUM, image_bytes, make_report
from tests.server import gunicorn, resident
from webapp import doctor
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.reports.models import Report

pytestmark = pytest.mark.slow
PHOTO = image_bytes(size=(1200, 900))


def submit(url: str, key: str, rng: random.Random) -> tuple[str, int]:
    """One resident's report with a photo, from opening the page to the answer. Returns (key, status)."""
    try:
        session, token = resident(url)
        e, n = geo.to_sweref(*CENTRUM)
        lon, lat = geo.to_wgs84(e + rng.uniform(-300, 300), n + rng.uniform(-300, 300))
        response = session.post(f"{url}/", data={"csrf_token": token, "idempotency_key": key, "category": "littered",
                                                 "lat": f"{lat:.6f}", "lon": f"{lon:.6f}",
                                                 "description": "Skräp"},
                                files={"photos": ("skrap.jpg", PHOTO, "image/jpeg")}, allow_redirects=False,
                                timeout=120)
        return key, response.status_code
    except requests.RequestException:
        return key, 0  # the connection broke (the crash test kills the server)


def submit_as_phone(url: str, key: str, rng: random.Random, tries: int = 6) -> tuple[str, int]:
    """What the phone's offline queue does: a 503 (the documented answer of a server that is too busy) is sent
    again with the same idempotency key after a pause, so the report arrives once whatever the machine's load."""
    for attempt in range(tries):
        key, status = submit(url, key, rng)
        if status != 503:
            return key, status
        threading.Event().wait(0.5 * (attempt + 1))
    return key, status


def stored(key: str) -> Report | None:
    digest = hashlib.sha256(key.encode()).hexdigest()
    return db.session.execute(select(Report).where(Report.idempotency_hash == digest)).scalar_one_or_none()


def test_200_concurrent_submissions_are_each_stored_once_or_clearly_refused(app):
    db.session.remove()
    with gunicorn(app.config, workers=2, threads=8) as server:
        keys = [uuid.uuid4().hex for _ in range(200)]
        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(lambda k: submit_as_phone(server.url, k, random.Random(k)), keys))
    db.session.expire_all()
    accepted = [k for k, status in results if status == 302]
    refused = [(k, status) for k, status in results if status != 302]
    assert all(400 <= status < 500 or status == 503 for _k, status in refused), refused
    assert len(accepted) >= 190, f"only {len(accepted)} of 200 accepted after retries: {refused[:5]}"
    for key in accepted:
        report = stored(key)
        assert report is not None and len(report.photos) == 1
        assert app.extensions["photo_store"].exists(report.photos[0].stem)
    for key, _status in refused:
        assert stored(key) is None
    assert db.session.execute(select(func.count(Report.id))).scalar_one() == len(accepted)
    references = db.session.execute(select(Report.reference)).scalars().all()
    assert len(set(references)) == len(references)
    assert doctor.examine(app.extensions["photo_store"]).clean


def test_kill_9_during_uploads_leaves_nothing_doctor_cannot_repair(sqlite_app):
    app = sqlite_app
    db.session.remove()
    results, stop = [], threading.Event()

    def keep_uploading(seed: int, url: str):
        rng = random.Random(seed)
        while not stop.is_set():
            results.append(submit(url, uuid.uuid4().hex, rng))

    with gunicorn(app.config, workers=1, threads=8) as server:
        threads = [threading.Thread(target=keep_uploading, args=(n, server.url)) for n in range(8)]
        for thread in threads:
            thread.start()
        while sum(1 for _k, status in results if status == 302) < 10:
            threading.Event().wait(0.1)
        os.killpg(server.process.pid, signal.SIGKILL)  # the power cut, mid-upload
        server.process.wait()
        stop.set()
        for thread in threads:
            thread.join()
    db.session.expire_all()
    store = app.extensions["photo_store"]
    findings = doctor.examine(store)
    assert findings.database == []  # SQLite (WAL) passes its integrity check after the crash
    doctor.repair(store, findings)
    db.session.commit()  # as `flask doctor --repair` does at its end: the next server may write again
    after = doctor.examine(store)
    assert after.clean
    for key, status in results:
        if status == 302:  # the resident saw a receipt: the report and its photo survived
            report = stored(key)
            assert report is not None and all(store.exists(p.stem) for p in report.photos)
    # And the server comes back.
    with gunicorn(app.config, workers=1, threads=2) as server:
        key, status = submit(server.url, uuid.uuid4().hex, random.Random(1))
        assert status == 302


def test_doctor_finds_and_repairs_leftovers(app):
    store = app.extensions["photo_store"]
    kept, _ = make_report(photos=[image_bytes()])
    lost, _ = make_report(photos=[image_bytes()])
    orphan = store.path("ab" + "0" * 30)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"written before a commit that never came")
    half = orphan.with_name(".cd.jpg.1234.tmp")
    half.write_bytes(b"half")
    store.path(lost.photos[0].stem).unlink()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "Photo files without a report: 1" in result.output and "Half-written files: 1" in result.output
    assert "Photos whose files are missing: 1" in result.output
    result = runner.invoke(args=["doctor", "--repair"])
    assert result.exit_code == 0 and "Repaired." in result.output
    assert not orphan.exists() and not half.exists()
    db.session.expire_all()
    assert [len(r.photos) for r in db.session.execute(select(Report).order_by(Report.id)).scalars()] == [1, 0]
    assert store.exists(kept.photos[0].stem)
    again = runner.invoke(args=["doctor"])
    assert again.exit_code == 0 and "All well." in again.output


@pytest.mark.parametrize("app", ["postgresql"], indirect=True)
def test_two_gunicorn_workers_on_one_postgresql_never_conflict(app):
    """Two worker processes on one database: ids and reference codes stay unique, and two officers merging a
    pair of reports into each other at the same moment end with exactly one merge, never a cycle or an error."""
    import re

    from tests.factories import PASSWORD, make_user

    pairs = [(r.id, r.reference, s.id, s.reference)
             for r, s in ((make_report()[0], make_report()[0]) for _ in range(8))]
    emails = [make_user("case_officer", email=f"handlaggare{n}@landskrona.se").email for n in range(2)]
    db.session.remove()
    with gunicorn(app.config, workers=2, threads=4) as server:
        sessions = []
        for email in emails:
            session = requests.Session()
            html = session.get(f"{server.url}/staff/login").text
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
            session.post(f"{server.url}/staff/login", data={"csrf_token": token, "email": email,
                                                            "password": PASSWORD})
            sessions.append((session, token))

        def merge(job):
            (session, token), duplicate_id, target_reference = job
            response = session.post(f"{server.url}/staff/reports/{duplicate_id}/merge",
                                    data={"csrf_token": token, "version": "1", "target": target_reference,
                                          "confirmed": "y"},
                                    allow_redirects=False, timeout=60)
            return response.status_code

        jobs = [job for a_id, a_ref, b_id, b_ref in pairs
                for job in ((sessions[0], a_id, b_ref), (sessions[1], b_id, a_ref))]
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            statuses = list(pool.map(merge, jobs))
        keys = [uuid.uuid4().hex for _ in range(40)]
        with ThreadPoolExecutor(max_workers=20) as pool:
            submitted = list(pool.map(lambda k: submit_as_phone(server.url, k, random.Random(k)), keys))
    assert all(status < 500 for status in statuses), statuses
    assert all(status == 302 for _k, status in submitted)
    db.session.expire_all()
    for a_id, _a_ref, b_id, _b_ref in pairs:
        a, b = db.session.get(Report, a_id), db.session.get(Report, b_id)
        merged = [r for r in (a, b) if r.status == "duplicate"]
        assert len(merged) == 1, (a.status, b.status)
        survivor = b if merged[0] is a else a
        assert merged[0].merged_into_id == survivor.id and survivor.merged_into_id is None
        assert survivor.support_count == 1
    ids = db.session.execute(select(Report.id)).scalars().all()
    references = db.session.execute(select(Report.reference)).scalars().all()
    assert len(set(ids)) == len(ids) == 16 + 40 and len(set(references)) == len(references)
