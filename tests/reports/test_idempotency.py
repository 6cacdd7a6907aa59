"""A report sent twice (a retry on a bad connection, a report queued offline) is stored once, and the retry
gets the same receipt."""
import uuid

from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import CENTRUM, image_bytes, media_files
from webapp.extensions import db
from webapp.media import photo_settings
from webapp.reports import intake, public
from webapp.reports.models import Photo, Report


def count(model):
    return db.session.execute(select(func.count(model.id))).scalar_one()


def test_same_key_stores_one_report_and_gives_the_same_receipt(app):
    key = uuid.uuid4().hex
    data = intake.NewReport(category_key="littered", lat=CENTRUM[1], lon=CENTRUM[0], photos=[image_bytes()],
                              idempotency_key=key)
    first, token = intake.create_report(data, photo_settings())
    files = media_files()
    again, token_again = intake.create_report(data, photo_settings())
    assert again.id == first.id and token_again == token
    assert public.report_by_token(token).id == first.id
    assert count(Report) == 1 and count(Photo) == 1 and media_files() == files
    other, _ = intake.create_report(intake.NewReport(category_key="littered", lat=CENTRUM[1], lon=CENTRUM[0],
                                                         idempotency_key=uuid.uuid4().hex), photo_settings())
    assert other.id != first.id and count(Report) == 2
    # The key itself is not stored, only its hash.
    assert db.session.execute(select(Report.idempotency_hash).where(Report.id == first.id)).scalar_one() != key


def test_form_sent_twice_with_its_key_makes_one_report(sqlite_app):
    client = sqlite_app.test_client()
    key = uuid.uuid4().hex
    form = {"csrf_token": csrf_token(client), "idempotency_key": key, "category": "littered",
            "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0])}
    first = client.post("/", data=form)
    second = client.post("/", data=form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Report) == 1
    tampered = client.post("/", data={**form, "idempotency_key": "<script>"}, headers={"Accept-Language": "en"})
    assert tampered.status_code == 400 and "Reload the page" in tampered.get_data(as_text=True)
    assert count(Report) == 1


def test_a_report_sent_twice_mails_its_receipt_once(sqlite_app):
    from pathlib import Path

    outbox = Path(sqlite_app.config["MAIL_OUTBOX_DIR"])
    client = sqlite_app.test_client()
    form = {"csrf_token": csrf_token(client), "idempotency_key": uuid.uuid4().hex, "category": "littered",
            "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0]), "email": "boende@example.org"}
    client.post("/", data=form)
    client.post("/", data=form)
    assert len(list(outbox.glob("*.eml"))) == 1


def test_a_key_from_another_form_never_changes_that_report(app):
    from datetime import date, timedelta

    from webapp.campaigns import services as campaigns
    from webapp.errors import InputRefused
    from webapp.geo.models import District

    key = uuid.uuid4().hex
    plain, _ = intake.create_report(intake.NewReport(category_key="littered", lat=CENTRUM[1], lon=CENTRUM[0],
                                                         idempotency_key=key), photo_settings())
    centrum = db.session.execute(select(District.id).where(District.name == "Centrum/Öster")).scalar_one()
    campaign = campaigns.save_campaign(campaigns.CampaignInput(
        name="Vandring", slug="vandring", kind="safety_walk", starts_on=date.today(),
        ends_on=date.today() + timedelta(days=3), district_ids=[centrum]), "kom")
    import pytest

    with pytest.raises(InputRefused):
        campaigns.submit(campaign, intake.NewReport(category_key="littered", lat=CENTRUM[1], lon=CENTRUM[0],
                                                      idempotency_key=key), photo_settings())
    db.session.refresh(plain)
    assert plain.campaign_id is None and count(Report) == 1
