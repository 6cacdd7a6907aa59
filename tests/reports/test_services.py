"""The rules of reporting, on SQLite and PostgreSQL: all or nothing, references, duplicates, support."""
import re

import pytest
from sqlalchemy import func, select

from tests.factories import CENTRUM, KARLSLUND, MALMO, image_bytes, make_report, media_files
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.reports import intake, lifecycle, public
from webapp.reports.models import Photo, Report, StatusChange


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_report_gets_a_reference_a_private_token_and_its_history(app):
    report, token = make_report(category="dark_unsafe", time_of_day="night", safety_rating=2)
    assert re.fullmatch(r"LK-\d{4}-\d{6}", report.reference)
    assert report.reference.endswith(f"{report.id:06d}")
    assert len(token) >= 32 and token not in report.token_hash
    assert public.report_by_token(token).id == report.id
    assert public.report_by_token(token + "x") is None
    assert [h.to_status for h in report.history] == ["received"]
    assert (report.time_of_day, report.safety_rating) == ("night", 2)


def test_fault_categories_do_not_keep_safety_answers(app):
    report, _ = make_report(category="graffiti", time_of_day="night", safety_rating=1)
    assert report.time_of_day is None and report.safety_rating is None


def test_photos_are_stored_without_metadata_and_held_for_approval(store_app):
    app = store_app
    report, _ = make_report(photos=[image_bytes(gps=CENTRUM), image_bytes("PNG")])
    assert [p.moderation for p in report.photos] == ["pending", "pending"]
    store = app.extensions["photo_store"]
    for photo in report.photos:
        assert store.exists(photo.stem)
        assert b"Exif" not in store.read(photo.stem)
    assert public.public_photos(report) == []


def test_publish_at_once_switch(app):
    app.config["PUBLISH_PHOTOS_IMMEDIATELY"] = True
    report, _ = make_report(photos=[image_bytes()])
    assert [p.moderation for p in report.photos] == ["approved"]


@pytest.mark.parametrize("fields, field", [
    ({"category": "no_such_category"}, "category"),
    ({"at": MALMO}, "location"),
    ({"at": None}, "location"),
    ({"description": "x" * 2001}, "description"),
    ({"photos": [image_bytes()] * 4}, "photos"),
    ({"photos": [image_bytes(), b"GIF89a not really"]}, "photos"),
], ids=["category", "outside", "no-place", "long-text", "four-photos", "one-fake-photo"])
def test_refused_reports_store_nothing(app, fields, field):
    with pytest.raises(InputRefused) as error:
        make_report(**fields)
    assert error.value.field == field
    assert count(Report) == count(Photo) == count(StatusChange) == 0
    assert media_files() == []


def test_a_failing_database_write_leaves_no_photo_file(app, monkeypatch):
    original = intake.reference_for

    def broken(*args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(intake, "reference_for", broken)
    with pytest.raises(RuntimeError):
        make_report(photos=[image_bytes(), image_bytes()])
    monkeypatch.setattr(intake, "reference_for", original)
    db.session.rollback()
    assert count(Report) == count(Photo) == 0
    assert media_files() == []


def test_a_report_without_the_map_keeps_district_and_place_text(app):
    district = next(d for d in geo.district_locator().areas if d.name == "Karlslund/Norrestad")
    report, _ = make_report(at=None, district_id=district.id, location_text="Gångvägen bakom skolan")
    assert report.lat is None and report.district.name == "Karlslund/Norrestad"
    assert report.location_text == "Gångvägen bakom skolan"


def test_nearby_suggests_open_reports_of_the_same_category_within_50_m(app):
    near, _ = make_report(category="littered", at=CENTRUM)
    make_report(category="graffiti", at=CENTRUM)
    make_report(category="littered", at=KARLSLUND)
    x, y = geo.to_sweref(*CENTRUM)
    lon40, lat40 = geo.to_wgs84(x + 40, y)
    lon80, lat80 = geo.to_wgs84(x + 80, y)

    found = intake.nearby_open_reports(lat40, lon40, category_key="littered")
    assert [r.reference for r, _ in found] == [near.reference]
    assert found[0][1] == pytest.approx(40, abs=1)
    assert intake.nearby_open_reports(lat80, lon80, category_key="littered") == []

    lifecycle.change_status(near, "fixed", actor="test")
    assert intake.nearby_open_reports(lat40, lon40, category_key="littered") == []


def test_support_counts_once_per_supporter(app):
    report, _ = make_report()
    assert public.support_report(report, "browser-a") is True
    assert public.support_report(report, "browser-a") is False
    assert public.support_report(report, "browser-b") is True
    db.session.expire_all()
    assert db.session.get(Report, report.id).support_count == 2


def test_closed_reports_cannot_be_supported(app):
    report, _ = make_report()
    lifecycle.change_status(report, "fixed", actor="test")
    with pytest.raises(InputRefused):
        public.support_report(report, "browser-a")


def test_status_flow_refuses_steps_that_are_not_in_it(app):
    report, _ = make_report()
    lifecycle.change_status(report, "referred", actor="test", public_note="Trafikverket ansvarar för vägen.")
    with pytest.raises(InputRefused):
        lifecycle.change_status(report, "in_progress", actor="test")
    assert report.status == "referred"
    assert [h.to_status for h in report.history] == ["received", "referred"]


def test_bbox_returns_only_public_reports_inside(app):
    inside, _ = make_report(at=CENTRUM)
    hidden, _ = make_report(at=CENTRUM)
    hidden.hidden = True
    make_report(at=KARLSLUND)
    db.session.commit()
    rows, truncated = public.public_reports_in_bbox(12.82, 55.86, 12.84, 55.88, limit=10)
    assert [r.reference for r in rows] == [inside.reference]
    assert truncated is False
