"""The job queue on SQLite and PostgreSQL: claimed once, taken up again when its worker dies, and an import
killed with kill -9 half-way finishing after a restart with nothing made twice."""
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from tests.factories import CENTRUM, commit
from tests.server import ROOT, environment
from webapp.campaigns import imports
from webapp.campaigns import services as campaigns
from webapp.campaigns.models import ImportRun
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.models import District
from webapp.jobs import services as jobs
from webapp.jobs.models import Job
from webapp.reports.models import Report
from webapp.timeutil import utcnow


def queue(n: int) -> list[int]:
    ids = [jobs.enqueue("campaign_import", {"run_id": k}, "test").id for k in range(n)]
    commit()  # as the request that queued them does: workers see them from then on
    return ids


def test_a_job_is_claimed_once_and_taken_up_again_when_its_worker_falls_silent(app):
    first, second = queue(2)
    assert jobs.claim("w1", stale_seconds=60).id == first
    assert jobs.claim("w2", stale_seconds=60).id == second
    assert jobs.claim("w3", stale_seconds=60) is None  # both held by live workers

    # w1 stops beating its heart (killed): after the stale limit w3 takes its job up.
    db.session.execute(update(Job).where(Job.id == first).values(heartbeat_at=utcnow() - timedelta(seconds=61)))
    db.session.commit()
    taken = jobs.claim("w3", stale_seconds=60)
    assert (taken.id, taken.attempts, taken.worker) == (first, 2, "w3")
    # w1 comes back: it no longer holds the job, and cannot write its progress over w3's.
    with pytest.raises(jobs.JobLost):
        jobs.JobContext(first, "w1").step(5)
    db.session.rollback()
    assert not jobs.heartbeat(first, "w1") and jobs.heartbeat(first, "w3")


def test_a_job_abandoned_again_and_again_fails_instead_of_looping(app):
    job_id, = queue(1)
    for attempt in range(jobs.MAX_ATTEMPTS):
        assert jobs.claim(f"w{attempt}", stale_seconds=60).id == job_id
        db.session.execute(update(Job).values(heartbeat_at=utcnow() - timedelta(seconds=61)))
        db.session.commit()
    assert jobs.claim("last", stale_seconds=60) is None
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    assert job.status == "failed" and "3 times" in job.error


def test_workers_racing_for_jobs_each_get_different_ones(app):
    ids = queue(24)
    taken, errors = [], []
    flask_app = app._get_current_object() if hasattr(app, "_get_current_object") else app

    def worker(name):
        with flask_app.app_context():
            try:
                while (job := jobs.claim(name, stale_seconds=60)) is not None:
                    taken.append(job.id)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(f"w{k}",)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(taken) == ids  # every job once, none twice


def flask(config: dict, *args: str, **kwargs) -> subprocess.Popen:
    env = {**environment(config), "JOB_STALE_SECONDS": "2", "FLASK_APP": "webapp"}
    return subprocess.Popen([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def posts(n: int) -> bytes:
    e, north = geo.to_sweref(*CENTRUM)
    lines = ["caption,posted_at,link,lat,lon"]
    for k in range(n):
        lon, lat = geo.to_wgs84(e + (k % 10) * 30, north + (k // 10) * 30)
        lines.append(f"Skräp vid bänken #{k},2026-01-0{1 + k % 9}T10:00:00+01:00,https://i.example/{k},"
                     f"{lat:.6f},{lon:.6f}")
    lines.append("Trasig,not-a-date,https://i.example/bad,,")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.slow  # starts worker processes and waits for them
def test_an_import_killed_with_kill_9_carries_on_after_a_restart_and_makes_nothing_twice(app):
    campaign = campaigns.save_campaign(campaigns.CampaignInput(
        name="Instagramvecka", slug="insta", kind="instagram_week", starts_on=date(2026, 1, 1),
        ends_on=date(2026, 1, 31), district_ids=[db.session.execute(select(District.id)).scalars().first()]),
        "kom@landskrona.se")
    n = 120
    run = imports.start_import(campaign, posts(n), "poster.csv", actor="kom", zip_bytes=None,
                                 work_dir=str(os.path.join(app.instance_path, "imports")))
    run_id, job_id, campaign_id = run.id, run.job_id, campaign.id
    commit()
    db.session.remove()

    worker = flask(app.config, "jobs", "work")
    try:
        deadline = time.time() + 180
        while time.time() < deadline:  # wait until the import is under way, then kill the worker outright
            job = db.session.execute(select(Job).where(Job.id == job_id)).scalar_one()
            done = job.done
            db.session.commit()
            if 5 <= done:
                break
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
            time.sleep(0.05)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    killed_at = job.done
    assert job.status == "running" and 5 <= killed_at < n + 1, (job.status, killed_at)
    db.session.commit()

    # A new worker takes the silent job up once its heartbeat is older than JOB_STALE_SECONDS (2 s).
    time.sleep(2.5)
    again = flask(app.config, "jobs", "work", "--once")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()[-2000:]
    assert b"1 jobs run" in out

    db.session.expire_all()
    job, run = db.session.get(Job, job_id), db.session.get(ImportRun, run_id)
    assert (job.status, job.attempts, job.done, job.total) == ("done", 2, n + 1, n + 1)
    assert (run.status, run.rows, run.created, run.skipped, run.done_rows) == ("done", n + 1, n, 0, n + 1)
    assert [line for line, _ in run.errors] == [n + 2]  # the bad row, reported once
    made = db.session.execute(select(func.count(Report.id), func.count(func.distinct(Report.media_url)))
                              .where(Report.campaign_id == campaign_id)).one()
    assert tuple(made) == (n, n)  # every post once, none twice


def test_a_geojson_export_job_writes_the_whole_file_once_even_after_a_killed_attempt(app, tmp_path):
    """A full GeoJSON points export as a job: the worker writes under a temporary name and renames the file when
    whole, so a half file left by a worker killed mid-write is neither linked nor kept; the file holds the same
    features as the streamed export."""
    import json

    from tests.factories import KARLSLUND, make_report
    from webapp.insights import services as insights

    make_report(category="dark_unsafe", time_of_day="night")
    make_report(at=KARLSLUND, category="graffiti")
    make_report(category="littered")
    folder = tmp_path / "exports"
    job = insights.start_export(insights.Selection(), "geojson", "planner@landskrona.se", str(folder))
    assert job.total == 3 and insights.export_file(job) is None
    # What a worker killed half-way through writing leaves behind.
    folder.mkdir()
    (folder / f"job-{job.id}.geojson.part").write_text('{"type": "FeatureCollection", "features": [{"ty')

    assert jobs.work(once=True, stale_seconds=60) == 1
    db.session.expire_all()
    job = jobs.get(job.id)
    path = insights.export_file(job)
    assert job.status == "done" and job.result == {"file": f"job-{job.id}.geojson", "rows": 3}
    assert [p.name for p in folder.iterdir()] == [path.name]  # no half file left
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written == json.loads("".join(insights.points_geojson(insights.Selection())))
    assert {f["properties"]["category"] for f in written["features"]} == {"dark_unsafe", "graffiti", "littered"}
