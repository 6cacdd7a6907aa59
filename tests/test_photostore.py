"""The photo store, the same tests on local disk and on a real S3-compatible server process (moto's standalone
server): files written whole or not at all, a store that cannot be written answers 503 in each interface's own
format with nothing half-written, backup and doctor through the store, and what caches may keep."""
from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.conftest import STORES, base_config, build_app, csrf_token, database_url, store_config
from tests.factories import CENTRUM, form_token, image_bytes, login, make_report, make_user, stored_files
from webapp import backup, doctor
from webapp.auth import apikeys
from webapp.errors import PHOTO_STORE_RETRY_AFTER
from webapp.extensions import db
from webapp.media import process_photo
from webapp.photostore import DiskPhotoStore, PhotoStoreUnavailable, S3PhotoStore, name_for
from webapp.reports.models import Photo, Report
from webapp.workorders import services as workorders

LIMITS = {"max_bytes": 15 * 1024 * 1024, "max_pixels": 60_000_000}


@pytest.fixture(params=STORES)
def store(request, tmp_path):
    if request.param == "disk":
        return DiskPhotoStore(tmp_path / "media")
    server = request.getfixturevalue("s3_server")
    config = server.config(server.new_bucket())
    return S3PhotoStore(config["S3_BUCKET"], prefix=config["S3_PREFIX"], endpoint_url=config["S3_ENDPOINT_URL"],
                        region=config["S3_REGION"], access_key=config["AWS_ACCESS_KEY_ID"],
                        secret_key=config["AWS_SECRET_ACCESS_KEY"])


def report_count() -> int:
    return db.session.execute(select(func.count(Report.id))).scalar_one()


def photo_count() -> int:
    return db.session.execute(select(func.count(Photo.id))).scalar_one()


def noisy_photo() -> bytes:
    """A photo whose re-encoded files are larger than the tiny full disk below."""
    return image_bytes(size=(1600, 1200), noise=True)


# --- The store itself -------------------------------------------------------------------------------------------

def test_store_writes_both_sizes_reads_them_and_discard_removes_them(store):
    stem = store.new_stem()
    store.save(stem, process_photo(image_bytes(gps=CENTRUM), **LIMITS))
    assert store.exists(stem)
    assert sorted(store.names()) == [name_for(stem), name_for(stem, "thumb")]
    assert store.list_stems() == {stem}
    display = store.read(stem)
    assert Image.open(io.BytesIO(display)).size == (800, 600) and b"Exif" not in display
    assert max(Image.open(io.BytesIO(store.read(stem, "thumb"))).size) == 400
    store.discard(stem)
    assert not store.exists(stem) and store.read(stem) is None
    assert list(store.names()) == []
    store.discard(stem)  # discarding what is gone is fine


def test_health_check_writes_and_removes_a_probe(store):
    store.health_check()
    assert list(store.names()) == []


@contextlib.contextmanager
def unwritable(store):
    """The store's root cannot be written: for disk a regular file where the folder should be (this works as
    root too, where chmod does not stop writes); for S3 a bucket that is gone."""
    if isinstance(store, DiskPhotoStore):
        store.root.parent.mkdir(parents=True, exist_ok=True)
        store.root.write_bytes(b"not a folder")
    else:
        store.client.delete_bucket(Bucket=store.bucket)
    yield


def test_an_unwritable_store_fails_its_health_check_and_saves_nothing(store):
    with unwritable(store):
        with pytest.raises(PhotoStoreUnavailable):
            store.health_check()
        stem = store.new_stem()
        with pytest.raises(PhotoStoreUnavailable):
            store.save(stem, process_photo(image_bytes(), **LIMITS))
        assert not store.exists(stem)


@contextlib.contextmanager
def read_only_folder(folder: Path):
    """A real read-only folder: chmod for an ordinary user; as root (whom chmod does not stop) a read-only bind
    mount of the folder onto itself."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"running as root and cannot bind-mount a read-only folder: {mounted.stderr.decode()[:200]}")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True, capture_output=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True, capture_output=True)


@contextlib.contextmanager
def full_disk(folder: Path):
    """A tiny filesystem of its own (64 kB of tmpfs), too small for one photo."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode()[:200]}")
    try:
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True, capture_output=True)


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_a_read_only_photo_folder_refuses_the_photo_and_leaves_nothing(tmp_path):
    store = DiskPhotoStore(tmp_path / "media")
    with read_only_folder(store.root):
        with pytest.raises(PhotoStoreUnavailable):
            store.health_check()
        with pytest.raises(PhotoStoreUnavailable):
            store.save(store.new_stem(), process_photo(image_bytes(), **LIMITS))
        assert files_under(store.root) == []


def test_a_full_disk_leaves_no_half_written_file(tmp_path):
    store = DiskPhotoStore(tmp_path / "media")
    with full_disk(store.root):
        store.health_check()  # a small probe still fits
        with pytest.raises(PhotoStoreUnavailable):
            store.save(store.new_stem(), process_photo(noisy_photo(), **LIMITS))
        assert files_under(store.root) == []  # no .tmp, no display without its thumbnail


# --- 503 in each interface's format, nothing half-written --------------------------------------------------------

def break_store(app) -> None:
    store = app.extensions["photo_store"]
    if isinstance(store, DiskPhotoStore):
        store.root.parent.mkdir(parents=True, exist_ok=True)
        store.root.write_bytes(b"not a folder")
    else:
        store.client.delete_bucket(Bucket=store.bucket)


def report_form(client, photo: bytes) -> dict:
    return {"csrf_token": csrf_token(client), "category": "littered", "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0]),
            "description": "Skräp vid bänken", "email": "", "photos": [(io.BytesIO(photo), "p.jpg")]}


def assert_nothing_stored(app) -> None:
    db.session.remove()
    assert report_count() == 0 and photo_count() == 0
    store = app.extensions["photo_store"]
    if isinstance(store, DiskPhotoStore):
        assert not store.root.is_dir() or files_under(store.root) == []


def test_the_report_form_answers_503_in_the_residents_language_when_photos_cannot_be_stored(store_app):
    break_store(store_app)
    client = store_app.test_client()
    for language, words in (("sv", "Bilder kan inte sparas just nu"), ("ar", "لا يمكن حفظ الصور الآن"),
                            ("en", "Photos cannot be saved right now")):
        response = client.post("/", data=report_form(client, image_bytes()),
                               content_type="multipart/form-data", headers={"Accept-Language": language})
        assert response.status_code == 503 and response.mimetype == "text/html", language
        # The documented wait, not the rate limit's window (an operator saw 59 on a route limited per minute).
        assert response.headers["Retry-After"] == str(PHOTO_STORE_RETRY_AFTER)
        assert words in response.get_data(as_text=True), language
    # The page's own script sends queued reports asking for JSON: it gets JSON.
    response = client.post("/", data=report_form(client, image_bytes()), content_type="multipart/form-data",
                           headers={"Accept": "application/json", "Accept-Language": "sv"})
    assert response.status_code == 503 and "Bilder kan inte sparas" in response.get_json()["error"]
    assert response.headers["Retry-After"]
    assert_nothing_stored(store_app)
    # Without a photo the report goes through: only the photos need the store.
    data = report_form(client, image_bytes())
    data.pop("photos")
    taken = client.post("/", data=data, content_type="multipart/form-data")
    assert taken.status_code == 302 and "Retry-After" not in taken.headers  # nothing to retry after a success


def test_open311_answers_503_in_its_own_error_format(store_app):
    key = apikeys.create_key("FixMyStreet", "test")[1]
    db.session.commit()  # services flush; the request's rollback must not take the key with it
    break_store(store_app)
    client = store_app.test_client()
    for fmt in ("json", "xml"):
        response = client.post(f"/open311/v2/requests.{fmt}", content_type="multipart/form-data", data={
            "api_key": key, "service_code": "dark_unsafe", "lat": str(CENTRUM[1]), "long": str(CENTRUM[0]),
            "description": "Mörkt", "media": (io.BytesIO(image_bytes()), "p.jpg")},
            headers={"Accept-Language": "en"})
        assert response.status_code == 503 and response.headers["Retry-After"]
        if fmt == "json":
            [error] = response.get_json()
        else:
            assert response.mimetype == "text/xml"
            element = ET.fromstring(response.data).find("error")
            error = {"code": int(element.findtext("code")), "description": element.findtext("description")}
        assert error["code"] == 503 and "Photos cannot be saved" in error["description"]
    assert_nothing_stored(store_app)


def test_staff_forms_answer_503_when_photos_cannot_be_stored(store_app):
    client = store_app.test_client()
    login(client, make_user("case_officer", department="TS"))
    break_store(store_app)
    data = {"csrf_token": form_token(client, "/staff/reports/new"), "category": "street_light",
            "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0]), "description": "Lampan släckt", "source": "phone",
            "email": "", "photos": [(io.BytesIO(image_bytes()), "p.jpg")]}
    response = client.post("/staff/reports/new", data=data, content_type="multipart/form-data",
                           headers={"Accept-Language": "sv"})
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "Bilder kan inte sparas" in response.get_data(as_text=True)
    assert_nothing_stored(store_app)


def test_a_crews_done_with_an_after_photo_answers_503_and_the_order_stays_open(store_app):
    report, _ = make_report(category="littered")
    order = workorders.create_work_order([report.id], kind="cleaning", priority_code="normal", title="Städa",
                                         actor="officer")
    crew = store_app.test_client()
    login(crew, make_user("crew", department="TS"))
    page = crew.get(f"/staff/tasks/{order.id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    break_store(store_app)
    response = crew.post(f"/staff/tasks/{order.id}/complete", content_type="multipart/form-data", data={
        "csrf_token": form_token(crew), "version": version, "note": "Städat",
        "photo": (io.BytesIO(image_bytes()), "efter.jpg")}, headers={"Accept-Language": "sv"})
    assert response.status_code == 503 and "Bilder kan inte sparas" in response.get_data(as_text=True)
    db.session.expire_all()
    assert order.status != "done" and not order.after_photos and photo_count() == 0


def test_a_full_photo_disk_through_the_report_form(sqlite_app):
    store = sqlite_app.extensions["photo_store"]
    client = sqlite_app.test_client()
    with full_disk(store.root):
        response = client.post("/", data=report_form(client, noisy_photo()), content_type="multipart/form-data",
                               headers={"Accept-Language": "sv"})
        assert response.status_code == 503 and response.headers["Retry-After"]
        assert files_under(store.root) == []  # no half-written .tmp
        assert_nothing_stored(sqlite_app)


# --- Serving, caching, redaction: a report through the web form on each store -----------------------------------

def test_a_photo_from_the_form_is_approved_served_and_its_uncovered_files_go_at_redaction(store_app):
    resident, public = store_app.test_client(), store_app.test_client()
    response = resident.post("/", data=report_form(resident, image_bytes(gps=CENTRUM, color=(250, 250, 250))),
                             content_type="multipart/form-data")
    assert response.status_code == 302
    report = db.session.execute(select(Report)).scalar_one()
    photo = report.photos[0]
    old_names = [name_for(photo.stem), name_for(photo.stem, "thumb")]
    assert stored_files() == sorted(old_names)
    assert public.get(f"/photos/{photo.stem}/display.jpg").status_code == 404  # waits for approval

    officer = store_app.test_client()
    login(officer, make_user("case_officer", department="TS"))
    staff_copy = officer.get(f"/staff/photos/{photo.id}/thumb.jpg")
    assert staff_copy.status_code == 200 and staff_copy.headers["Cache-Control"] == "private, no-store"
    token = form_token(officer, f"/staff/reports/{report.id}")
    assert officer.post(f"/staff/photos/{photo.id}/moderate",
                        data={"csrf_token": token, "decision": "approved"}).status_code == 302

    page = public.get(f"/r/{report.reference}").get_data(as_text=True)
    old_urls = re.findall(r'/photos/[^"/]+/(?:display|thumb)\.jpg', page)
    assert old_urls, "the public page shows the photo"
    served = public.get(old_urls[0])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert len(Image.open(io.BytesIO(served.data)).getexif()) == 0 and b"TestPhone" not in served.data
    # A cache may keep it only if it asks again before each use: staff can still redact or reject it.
    assert served.headers["Cache-Control"] == "public, no-cache" and served.headers["ETag"]
    again = public.get(old_urls[0], headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304 and not again.data

    token = form_token(officer, f"/staff/reports/{report.id}")
    response = officer.post(f"/staff/photos/{photo.id}/redact", data={
        "csrf_token": token, "x": "0", "y": "0", "w": "0.5", "h": "0.5", "mode": "black"})
    assert response.status_code == 302
    db.session.refresh(photo)
    for url in old_urls:  # at once, also for a cache asking with the old ETag
        assert public.get(url).status_code == 404, url
        assert public.get(url, headers={"If-None-Match": served.headers["ETag"]}).status_code == 404, url
    new_url = re.findall(r'/photos/[^"/]+/display\.jpg', public.get(f"/r/{report.reference}").get_data(as_text=True))[0]
    covered = Image.open(io.BytesIO(public.get(new_url).data)).convert("RGB")
    assert covered.getpixel((5, 5)) < (30, 30, 30)
    # The uncovered files are gone from the store (the bucket), only the covered ones remain.
    assert stored_files() == sorted([name_for(photo.stem), name_for(photo.stem, "thumb")])
    assert not set(stored_files()) & set(old_names)


def test_a_rejected_photo_is_gone_from_its_public_address_at_once(store_app):
    report, _ = make_report(photos=[image_bytes()])
    photo = report.photos[0]
    photo.moderation = "approved"
    db.session.commit()
    public = store_app.test_client()
    url = f"/photos/{photo.stem}/thumb.jpg"
    first = public.get(url)
    assert first.status_code == 200 and "no-cache" in first.headers["Cache-Control"]
    photo.moderation = "rejected"
    db.session.commit()
    assert public.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 404


# --- Operators' tools through the store ------------------------------------------------------------------------

def test_backup_and_restore_carry_the_photos_of_each_store(store_app, request, tmp_path):
    reports = [make_report(photos=[image_bytes()])[0] for _ in range(2)]
    stems = sorted(r.photos[0].stem for r in reports)
    result = store_app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    archive = next((tmp_path / "backups").glob("trygghetskartan-backup-*.tar.gz"))
    assert backup.read_manifest(archive)["media_files"] == 4

    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    config = base_config(fresh_dir, database_url("sqlite", request, fresh_dir)) | \
        store_config(store_app.config["STORE"], request)
    fresh = build_app(config)
    with fresh.app_context():
        done = fresh.test_cli_runner().invoke(args=["restore", str(archive)])
        assert done.exit_code == 0, done.output
        store = fresh.extensions["photo_store"]
        assert sorted(store.list_stems()) == stems
        assert doctor.examine(store).clean
        assert process_photo(store.read(stems[0]), **LIMITS)  # a whole, readable photo
        db.session.remove()
        db.engine.dispose()


def test_doctor_finds_and_repairs_leftovers_in_each_store(store_app):
    store = store_app.extensions["photo_store"]
    make_report(photos=[image_bytes()])
    lost, _ = make_report(photos=[image_bytes()])
    store.put(name_for("ab" + "0" * 30), b"written before a commit that never came")
    store.remove(name_for(lost.photos[0].stem))
    findings = doctor.examine(store)
    assert findings.orphan_files == [name_for("ab" + "0" * 30)] and findings.missing_files == [lost.photos[0].id]
    result = store_app.test_cli_runner().invoke(args=["doctor", "--repair"])
    assert result.exit_code == 0 and "Repaired." in result.output
    db.session.expire_all()
    assert doctor.examine(store).clean


def test_the_app_builds_the_store_its_settings_ask_for(store_app):
    store = store_app.extensions["photo_store"]
    assert isinstance(store, S3PhotoStore if store_app.config["STORE"] == "s3" else DiskPhotoStore)
    store.health_check()


@pytest.mark.parametrize("settings, named", [({"PHOTO_STORE": "s3", "S3_BUCKET": ""}, "S3_BUCKET"),
                                             ({"PHOTO_STORE": "ftp"}, "PHOTO_STORE")])
def test_a_photo_store_setting_that_cannot_work_stops_the_start_naming_the_setting(tmp_path, settings, named):
    with pytest.raises(ValueError, match=named):
        build_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite'}") | settings)
