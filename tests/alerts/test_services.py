"""Area alerts: subscribe → confirm → one mail per new public report; hidden and pending reports never; the daily
digest once a day with the day's reports (Europe/Stockholm days); one-click unsubscribe; the per-address limit;
the Atom feeds; bad input answered 400 with a message."""
import re
from datetime import date, datetime, timedelta, timezone
from xml.etree import ElementTree as ET

import pytest
import time_machine
from sqlalchemy import select

from tests.factories import CENTRUM, form_token, make_report
from webapp.alerts import jobs as alert_jobs
from webapp.alerts import services
from webapp.alerts.models import AreaAlert
from webapp.extensions import db
from webapp.geo.models import District
from webapp.mail import outbox_messages
from webapp.reports.models import Report
from webapp.timeutil import as_utc


def mails(app):
    return outbox_messages(app.config["MAIL_OUTBOX_DIR"])


def centrum_district():
    report, _ = make_report()
    district = db.session.get(District, report.district_id)
    db.session.delete(report)
    db.session.commit()
    return district


def subscribe(client, **fields):
    data = {"csrf_token": form_token(client, "/bevakning"), "email": "granne@example.org", "kind": "district",
            "frequency": "immediate", **fields}
    return client.post("/bevakning", data=data, headers={"Accept-Language": "sv"})


def confirm_from_mail(client, app):
    link = re.search(r"https?://\S+/bevakning/bekrafta/\S+", mails(app)[-1].get_content()).group(0)
    asked = client.get(link)  # opening the link (as a link scanner does) only asks
    assert asked.status_code == 200 and not db.session.execute(
        select(AreaAlert).where(AreaAlert.confirmed_at.is_not(None))).first()
    response = client.post(link, data={"csrf_token": form_token(client, link)})
    assert response.status_code == 200
    # Confirmed two hours ago, so that reports made now and aged past the delay still come after it.
    for alert in db.session.execute(select(AreaAlert).where(AreaAlert.confirmed_at.is_not(None))).scalars():
        alert.confirmed_at = as_utc(alert.confirmed_at) - timedelta(hours=2)
    db.session.commit()
    return response


def age(report, minutes):
    report.created_at = as_utc(report.created_at) - timedelta(minutes=minutes)
    db.session.commit()


def test_subscribe_confirm_and_a_new_public_report_mails_once(app):
    client = app.test_client()
    district = centrum_district()
    assert subscribe(client, district=str(district.id)).status_code == 302
    assert len(mails(app)) == 1 and "granne@example.org" == mails(app)[0]["To"]
    confirm_from_mail(client, app)
    alert = db.session.execute(select(AreaAlert)).scalar_one()
    assert alert.confirmed_at is not None

    report, _ = make_report()
    alert_jobs.send_immediate(db.session.commit)
    assert len(mails(app)) == 1, "a report still pending the staff's look is not sent"
    age(report, 31)
    assert alert_jobs.send_immediate(db.session.commit) == 1
    alert_jobs.send_immediate(db.session.commit)
    sent = mails(app)
    assert len(sent) == 2
    assert report.reference in sent[-1].get_content()
    assert sent[-1]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Skräp vid bänken" not in sent[-1].get_content()  # no description text goes out


def test_a_hidden_report_never_mails(app):
    client = app.test_client()
    district = centrum_district()
    subscribe(client, district=str(district.id))
    confirm_from_mail(client, app)
    report, _ = make_report()
    report.hidden = True
    db.session.commit()
    age(report, 120)
    assert alert_jobs.send_immediate(db.session.commit) == 0
    assert len(mails(app)) == 1  # the confirmation only
    assert services.feed_reports(district=district) == []


def test_the_digest_mails_once_a_day_with_that_days_reports(app):
    client = app.test_client()
    district = centrum_district()
    with time_machine.travel(datetime(2026, 3, 9, 20, 0, tzinfo=timezone.utc), tick=False):
        subscribe(client, district=str(district.id), frequency="daily")
        confirm_from_mail(client, app)
    # 10 March 23:30 in Stockholm is 22:30 UTC: the 10th's report; 11 March 00:30 Stockholm is the 11th's.
    with time_machine.travel(datetime(2026, 3, 10, 22, 30, tzinfo=timezone.utc), tick=False):
        late, _ = make_report()
    with time_machine.travel(datetime(2026, 3, 10, 23, 30, tzinfo=timezone.utc), tick=False):
        next_day, _ = make_report()
    hidden, _ = make_report()
    hidden.created_at = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
    hidden.hidden = True
    db.session.commit()
    with time_machine.travel(datetime(2026, 3, 11, 6, 0, tzinfo=timezone.utc), tick=False):
        assert alert_jobs.send_digests(date(2026, 3, 10), db.session.commit) == 1
        assert alert_jobs.send_digests(date(2026, 3, 10), db.session.commit) == 0  # once a day
    digest = mails(app)[-1]
    assert late.reference in digest.get_content()
    assert next_day.reference not in digest.get_content() and hidden.reference not in digest.get_content()
    assert "2026-03-10" in digest["Subject"]
    with time_machine.travel(datetime(2026, 3, 12, 6, 0, tzinfo=timezone.utc), tick=False):
        assert alert_jobs.send_digests(date(2026, 3, 11), db.session.commit) == 1
    assert next_day.reference in mails(app)[-1].get_content()


def test_the_schedule_queues_the_digest_once_a_day_and_the_job_sends_it(app):
    from webapp.jobs import services as jobs
    from webapp.jobs.models import Job

    with time_machine.travel(datetime(2026, 3, 11, 4, 0, tzinfo=timezone.utc), tick=False):  # 05:00 Stockholm
        assert "alerts_digest" not in jobs.enqueue_periodic()
    with time_machine.travel(datetime(2026, 3, 11, 5, 30, tzinfo=timezone.utc), tick=False):  # 06:30
        assert "alerts_digest" in jobs.enqueue_periodic()
        assert "alerts_digest" not in jobs.enqueue_periodic()
        job = db.session.execute(select(Job).where(Job.kind == "alerts_digest")).scalar_one()
        assert job.params == {"day": "2026-03-10"}
        jobs.work(once=True)
    assert db.session.get(Job, job.id).status == "done"


def test_one_click_unsubscribe_by_post(app):
    client = app.test_client()
    district = centrum_district()
    subscribe(client, district=str(district.id))
    confirm_from_mail(client, app)
    report, _ = make_report()
    age(report, 60)
    alert_jobs.send_immediate(db.session.commit)
    message = mails(app)[-1]
    url = re.sub(r"\s", "", re.search(r"<([^>]+)>", str(message["List-Unsubscribe"])).group(1))
    assert url in message.get_content()
    page = client.get(url)
    assert page.status_code == 200 and "granne@example.org" in page.get_data(as_text=True)
    # The mail program's one-click POST (RFC 8058): no CSRF token, no cookie.
    assert app.test_client().post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert db.session.execute(select(AreaAlert)).scalar_one_or_none() is None
    assert app.test_client().post(url).status_code == 200  # again: still fine, nothing to do
    assert app.test_client().get(url).status_code == 404


def test_confirmations_per_address_are_limited_with_the_follows(app):
    from webapp.reports.public import CONFIRMATIONS_PER_RECIPIENT

    client = app.test_client()
    lat, lon = CENTRUM[1], CENTRUM[0]
    points = [(lat + i * 0.001, lon) for i in range(CONFIRMATIONS_PER_RECIPIENT + 2)]
    for plat, plon in points:
        assert subscribe(client, kind="radius", lat=str(plat), lon=str(plon), radius_m="250").status_code == 302
    assert len(mails(app)) == CONFIRMATIONS_PER_RECIPIENT
    # Asked again for the same area within a day: no second mail either.
    db.session.query(AreaAlert).delete()
    db.session.commit()
    assert services.ALERTS_PER_ADDRESS >= CONFIRMATIONS_PER_RECIPIENT


def test_the_number_of_areas_per_address_is_limited(app):
    lat, lon = CENTRUM[1], CENTRUM[0]
    made = []
    for i in range(services.ALERTS_PER_ADDRESS + 3):
        alert, _ = services.subscribe(services.AlertRequest(email="Granne@Example.org", kind="radius",
                                                            lat=lat + i * 0.0005, lon=lon, radius_m=250))
        made.append(alert)
    db.session.commit()
    assert made[-1] is None
    assert db.session.query(AreaAlert).count() == services.ALERTS_PER_ADDRESS


def test_a_radius_alert_covers_only_reports_within_the_circle(app):
    lat, lon = CENTRUM[1], CENTRUM[0]
    alert, _ = services.subscribe(services.AlertRequest(email="a@example.org", kind="radius", lat=lat, lon=lon,
                                                        radius_m=100))
    services.confirm(alert)
    alert.confirmed_at = as_utc(alert.confirmed_at) - timedelta(hours=2)
    db.session.commit()
    near, _ = make_report(at=(lon + 0.0005, lat))   # about 30 m
    far, _ = make_report(at=(lon + 0.005, lat))     # about 300 m
    for r in (near, far):
        age(r, 60)
    due = services.due_immediate()
    assert [r.reference for _, r in due] == [near.reference]


@pytest.mark.parametrize("fields", [
    {"email": "not-an-address"}, {"kind": "volcano"}, {"district": "999999"}, {"district": ""},
    {"kind": "campaign", "campaign": "nope"}, {"kind": "radius", "lat": "1e999", "lon": "12.8"},
    {"kind": "radius", "lat": "59.33", "lon": "18.06", "radius_m": "250"},
    {"kind": "radius", "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0]), "radius_m": "7"},
    {"kind": "radius", "lat": "abc", "lon": "def"}, {"frequency": "hourly"}, {"email": ""}])
def test_bad_input_is_refused_with_a_message(app, fields):
    client = app.test_client()
    response = subscribe(client, **fields)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'class="error-summary"' in body and "field-errors" in body
    assert mails(app) == []


def test_the_atom_feed_is_valid_and_holds_only_public_reports(app):
    client = app.test_client()
    district = centrum_district()
    public, _ = make_report()
    hidden, _ = make_report()
    hidden.hidden = True
    pending, _ = make_report()
    db.session.commit()
    for r in (public, hidden):
        age(r, 60)
    response = client.get(f"/bevakning/omrade/{district.slug}.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    links = [e.find("a:link", ns).get("href") for e in root.findall("a:entry", ns)]
    assert len(links) == 1 and links[0].endswith(f"/r/{public.reference}")
    assert b"granne" not in response.data and public.description.encode() not in response.data
    assert client.get("/bevakning/omrade/ingen-sadan.atom").status_code == 404
    assert client.get("/bevakning/kampanj/ingen-sadan.atom").status_code == 404


def test_the_page_is_in_arabic_too(sqlite_app):
    client = sqlite_app.test_client()
    page = client.get("/bevakning?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in page
    assert "Alerts for an area" not in page


def test_an_alert_never_confirmed_is_deleted_after_a_week(app):
    from webapp.jobs import services as jobs

    lat, lon = CENTRUM[1], CENTRUM[0]
    for email in ("kvar@example.org", "glomd@example.org"):
        services.subscribe(services.AlertRequest(email=email, kind="radius", lat=lat, lon=lon, radius_m=250))
    db.session.commit()
    old = db.session.execute(select(AreaAlert).where(AreaAlert.email == "glomd@example.org")).scalar_one()
    old.created_at = as_utc(old.created_at) - timedelta(days=8)
    db.session.commit()
    assert "alerts_immediate" in jobs.enqueue_periodic()
    jobs.work(once=True)
    assert [a.email for a in db.session.execute(select(AreaAlert)).scalars()] == ["kvar@example.org"]
