"""/healthz part by part (issue 22.5): database, photo store writable, job worker heartbeat, mail backlog."""
import os
import stat
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.factories import make_report
from webapp.extensions import db
from webapp.jobs import services as jobs
from webapp.mail import OutgoingMail, send_mail
from webapp.timeutil import utcnow


def health(client):
    response = client.get("/healthz")
    return response.status_code, response.get_json()


def test_a_read_only_photo_store_makes_the_server_unhealthy(client, app):
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder; run the tests as an ordinary user to see this")
    media = app.extensions["photo_store"].root
    media.mkdir(parents=True, exist_ok=True)
    media.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        status, body = health(client)
    finally:
        media.chmod(stat.S_IRWXU)
    assert status == 503
    assert body["status"] == "fail" and body["photo_store"] == {"status": "fail"} and body["database"]["status"] == "ok"
    assert list(media.iterdir()) == []  # no probe file left behind
    assert health(client)[0] == 200


def test_a_photo_store_on_a_missing_mount_makes_the_server_unhealthy(client, app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the mount point should be")
    app.extensions["photo_store"].root = blocker / "media"
    status, body = health(client)
    assert status == 503 and body["photo_store"] == {"status": "fail"}


def test_queued_jobs_without_a_live_worker_are_degraded_not_down(client, app):
    app.config["JOB_STALE_SECONDS"] = 60
    jobs.enqueue("campaign_import", {"run_id": 1}, "test")
    db.session.commit()
    status, body = health(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["jobs"] == {"status": "degraded", "queued": 1, "mail_due": 0, "last_beat_seconds": None}

    jobs.beat_worker("worker-1")  # a worker says it is alive
    status, body = health(client)
    assert status == 200 and body["jobs"]["status"] == "ok" and body["jobs"]["last_beat_seconds"] == 0

    db.session.execute(update(jobs.JobWorker).values(seen_at=utcnow() - timedelta(seconds=61)))
    db.session.commit()
    assert health(client)[1]["jobs"]["status"] == "degraded"


def test_the_mail_backlog_shows_count_and_age_and_no_address(client, app):
    from tests.server import free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens: the mail waits
    make_report()
    send_mail("hemlig@example.org", "Hej", "Text")
    db.session.commit()  # the request's commit: the first attempt fails, the mail waits
    status, body = health(client)
    assert status == 200 and body["mail"]["waiting"] == 1 and body["mail"]["status"] == "ok"
    db.session.execute(update(OutgoingMail).values(created_at=utcnow() - timedelta(minutes=20)))
    db.session.commit()
    status, body = health(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["mail"]["status"] == "degraded" and body["mail"]["oldest_seconds"] >= 20 * 60
    assert "example.org" not in client.get("/healthz").get_data(as_text=True)


def test_with_jobs_in_the_web_process_its_job_thread_counts_as_a_worker(client, app, tmp_path):
    import time

    from webapp.insights.services import Selection, start_export
    from webapp.jobs.models import Job

    app.config["JOBS_IN_WEB_PROCESS"] = True
    job_id = start_export(Selection(), "geojson", "test", str(tmp_path / "exports")).id
    db.session.commit()  # as the request that queued it
    assert health(client)[1]["jobs"]["status"] == "degraded"  # queued, and nobody has taken it up yet
    db.session.remove()
    jobs.work_in_background(app)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = db.session.execute(select(Job.status).where(Job.id == job_id)).scalar_one()
        db.session.rollback()
        if status == "done":
            break
        time.sleep(0.05)
    assert status == "done"
    status, body = health(client)
    assert body["jobs"]["status"] == "ok" and body["jobs"]["queued"] == 0
    assert body["jobs"]["last_beat_seconds"] is not None  # the web process's thread beat like a worker


def test_the_public_learns_whether_each_part_works_not_the_queues_behind_it(sqlite_app):
    outside = sqlite_app.test_client().get("/healthz", environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert outside.status_code == 200
    answer = outside.get_json()
    assert set(answer) == {"status", "database", "photo_store", "jobs", "mail"}
    assert all(part == {"status": part["status"]} for name, part in answer.items() if name != "status")
    inside = sqlite_app.test_client().get("/healthz").get_json()  # from the machine itself, as METRICS_ALLOW says
    assert "waiting" in inside["mail"] and "queued" in inside["jobs"]


def test_an_almost_full_photo_disk_and_a_dead_idle_worker_are_reported(sqlite_app):
    """An operator's drills: with 4 kB free every upload got 503 while /healthz said ok (its probe still fit),
    and a worker that never ran was "ok" while nothing was queued, though it also runs the periodic jobs."""
    from webapp.photostore import DiskPhotoStore

    store = sqlite_app.extensions["photo_store"]
    client = sqlite_app.test_client()
    assert client.get("/healthz").get_json()["photo_store"]["status"] == "ok"
    sqlite_app.extensions["photo_store"] = DiskPhotoStore(store.root, min_free_bytes=2**62)  # more than any disk
    try:
        answer = client.get("/healthz")
        assert answer.status_code == 503 and answer.get_json()["photo_store"]["status"] == "fail"
    finally:
        sqlite_app.extensions["photo_store"] = store
    sqlite_app.config["JOBS_SCHEDULE"] = False
    assert client.get("/healthz").get_json()["jobs"]["status"] == "ok"  # nothing waits, no periodic jobs
    sqlite_app.config["JOBS_SCHEDULE"] = True
    try:
        jobs_part = client.get("/healthz").get_json()["jobs"]
        assert jobs_part["status"] == "degraded" and jobs_part["last_beat_seconds"] is None
    finally:
        sqlite_app.config["JOBS_SCHEDULE"] = False
