"""The resident's journey over HTTP: the form, the receipt, the tracking page, the public page, bad input."""
import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import CENTRUM, MALMO, image_bytes, make_report, media_files
from webapp.extensions import db
from webapp.mail import outbox_messages
from webapp.reports.models import Report


def report_count() -> int:
    return db.session.execute(select(func.count(Report.id))).scalar_one()


def form_data(client, **overrides):
    data = {"csrf_token": csrf_token(client), "category": "littered", "lat": str(CENTRUM[1]),
            "lon": str(CENTRUM[0]), "description": "Mycket skräp vid bänkarna", "email": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def photo(data: bytes, name: str = "photo.jpg"):
    return (io.BytesIO(data), name)


def submit(client, **overrides):
    photos = overrides.pop("photos", None)
    data = form_data(client, **overrides)
    if photos is not None:
        data["photos"] = photos
    return client.post("/", data=data, content_type="multipart/form-data", headers={"Accept-Language": "sv"})


def test_the_form_shows_the_map_the_categories_and_the_way_without_the_map(client):
    html = client.get("/", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert 'id="report-map"' in html
    for name in ("Mörkt och otryggt", "Nedskräpat", "Dåligt underhållet", "Här känns det tryggt", "Klotter",
                 "Trasig eller släckt gatubelysning"):
        assert name in html
    assert "Utan karta" in html and 'name="district"' in html and 'name="location_text"' in html
    assert "ungefärliga demogränser" in html  # the demo districts say they are approximate
    assert "112" in html and "114 14" in html
    assert re.search(r'src="/static/vendor/leaflet/leaflet.js\?v=\w+"', html)  # named by its content (kept a year)
    assert "unpkg" not in html and "cdn" not in html.lower()


def test_a_resident_reports_with_a_photo_and_gets_a_receipt_and_a_mail(client, app):
    response = submit(client, email="Boende@Example.org", photos=[photo(image_bytes(gps=CENTRUM))])
    assert response.status_code == 302
    tracking_path = response.headers["Location"]
    assert tracking_path.startswith("/t/")

    receipt = client.get(tracking_path).get_data(as_text=True)
    report = db.session.execute(select(Report)).scalar_one()
    assert "Tack! Din rapport är skickad." in receipt
    assert report.reference in receipt
    assert "1 bild väntar på granskning" in receipt
    assert report.reporter_email == "boende@example.org"
    assert report.district.name == "Centrum/Öster"

    mails = outbox_messages(app.config["MAIL_OUTBOX_DIR"])
    assert len(mails) == 1
    assert mails[0]["To"] == "boende@example.org"
    assert report.reference in mails[0]["Subject"]
    assert f"http://trygghetskartan.test{tracking_path}" in mails[0].get_content()

    # A second visit to the tracking page is not a receipt any more, but still the private view.
    again = client.get(tracking_path).get_data(as_text=True)
    assert "Tack! Din rapport är skickad." not in again and report.reference in again


def test_english_reporter_gets_english_pages_and_mail(client, app):
    data = form_data(client, email="resident@example.org")
    response = client.post("/?lang=en", data=data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you! Your report has been sent." in page
    mail = outbox_messages(app.config["MAIL_OUTBOX_DIR"])[0]
    assert mail["Subject"].startswith("Your report LK-")


def test_reporting_without_the_map(client):
    district_id = re.search(r'<option value="(\d+)">Karlslund/Norrestad</option>',
                            client.get("/").get_data(as_text=True)).group(1)
    response = submit(client, lat="", lon="", district=district_id, location_text="Gångtunneln vid stationen")
    assert response.status_code == 302
    report = db.session.execute(select(Report)).scalar_one()
    assert report.lat is None and report.district.name == "Karlslund/Norrestad"


def test_public_page_shows_the_report_but_never_the_contact(client, app):
    report, token = make_report(email="hemlig@example.org", photos=[image_bytes()])
    html = client.get(f"/r/{report.reference}").get_data(as_text=True)
    assert report.reference in html and "Nedskräpat" in html and "Mottagen" in html
    assert "hemlig@example.org" not in html and token not in html
    # The photo waits for approval: not on the page, and not downloadable by its URL.
    stem = report.photos[0].stem
    assert f"/photos/{stem}/" not in html
    assert client.get(f"/photos/{stem}/thumb.jpg").status_code == 404


def test_approved_photo_is_public_and_carries_no_exif(store_app):
    client = store_app.test_client()
    report, _ = make_report(photos=[image_bytes(gps=CENTRUM)])
    report.photos[0].moderation = "approved"
    db.session.commit()
    html = client.get(f"/r/{report.reference}").get_data(as_text=True)
    url = f"/photos/{report.photos[0].stem}/display.jpg"
    assert url in html
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(response.data))
    assert len(image.getexif()) == 0 and b"TestPhone" not in response.data


def test_hidden_report_is_gone_from_public_view(client):
    report, _ = make_report()
    report.hidden = True
    db.session.commit()
    assert client.get(f"/r/{report.reference}").status_code == 404


def test_supporting_from_the_public_page(client):
    report, _ = make_report()
    token = csrf_token(client, f"/r/{report.reference}")
    for _ in range(2):
        response = client.post(f"/r/{report.reference}/support", data={"csrf_token": token},
                               follow_redirects=True, headers={"Accept-Language": "sv"})
    assert "Du har redan instämt" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Report, report.id).support_count == 1


def _support_without_cookies(app, path: str, address: str, json_api: bool = False) -> int:
    """One "me too" as a script would send it: a fresh client (no cookie kept from before) that fetches the
    page for a session and a CSRF token, then posts, all from `address`."""
    fresh = app.test_client()
    fresh.environ_base["REMOTE_ADDR"] = address
    token = csrf_token(fresh, path)
    if json_api:
        reference = path.rsplit("/", 1)[1]
        return fresh.post(f"/api/v1/reports/{reference}/support", headers={"X-CSRFToken": token}).status_code
    return fresh.post(f"{path}/support", data={"csrf_token": token}).status_code


def test_cookie_less_supports_from_one_address_count_once(client, app):
    report, _ = make_report()
    path = f"/r/{report.reference}"
    codes = [_support_without_cookies(app, path, "198.51.100.7") for _ in range(8)]
    codes += [_support_without_cookies(app, path, "198.51.100.7", json_api=True) for _ in range(2)]
    assert set(codes) == {200, 302}  # each was answered; only the first counted
    db.session.expire_all()
    assert db.session.get(Report, report.id).support_count == 1
    # Someone at another address still counts, once.
    _support_without_cookies(app, path, "203.0.113.9")
    _support_without_cookies(app, path, "203.0.113.9", json_api=True)
    db.session.expire_all()
    assert db.session.get(Report, report.id).support_count == 2


def test_support_requests_are_rate_limited_per_address(client, app):
    reports_made = [make_report()[0] for _ in range(12)]
    codes = [_support_without_cookies(app, f"/r/{r.reference}", "198.51.100.8", json_api=i % 2 == 1)
             for i, r in enumerate(reports_made)]
    assert codes[:10] == [302, 200] * 5 and codes[10:] == [429, 429]
    db.session.expire_all()
    assert sum(db.session.get(Report, r.id).support_count for r in reports_made) == 10
    assert _support_without_cookies(app, f"/r/{reports_made[-1].reference}", "203.0.113.10") == 302


# Bad input: a readable message next to the field, 400, and nothing stored.
BAD = [
    ({"category": None}, "Välj vad du vill rapportera."),
    ({"category": "no_such_thing"}, "Välj vad du vill rapportera."),
    ({"safety_rating": "9", "category": "dark_unsafe"}, "Välj ett tal från 1 till 5."),
    ({"description": "x" * 2001}, "högst 2000 tecken"),
    ({"lat": str(MALMO[1]), "lon": str(MALMO[0])}, "utanför Landskrona kommun"),
    ({"lat": "abc", "lon": "12.83"}, "Positionen är ogiltig"),
    ({"lat": "nan", "lon": "nan"}, "Positionen är ogiltig"),
    ({"lat": "", "lon": ""}, "Visa var det är"),
    ({"lat": "55.87", "lon": ""}, "Visa var det är"),
    ({"email": "not-an-address"}, "Det ser inte ut som en e-postadress."),
    ({"time_of_day": "midnight", "category": "dark_unsafe"}, "Välj dag, kväll eller natt."),
    ({"district": "99999", "lat": "", "lon": ""}, "Välj ett område i listan."),
    ({"district": "not-a-number", "lat": "", "lon": ""}, "Välj ett område i listan."),
]


@pytest.mark.parametrize("overrides, message", BAD, ids=[
    "no-category", "unknown-category", "rating-9", "long-description", "outside-kommun", "lat-not-number", "nan",
    "no-place", "half-position", "bad-email", "bad-time-of-day", "unknown-district", "district-not-number"])
def test_bad_fields_are_refused_next_to_the_field(client, overrides, message):
    response = submit(client, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert "Inget har sparats ännu" in html
    assert "Traceback" not in html
    assert report_count() == 0


def test_more_than_three_photos(client):
    response = submit(client, photos=[photo(image_bytes()) for _ in range(4)])
    assert response.status_code == 400
    assert "Du kan bifoga högst 3 bilder." in response.get_data(as_text=True)
    assert report_count() == 0 and media_files() == []


def test_fake_image_named_jpg(client):
    response = submit(client, photos=[photo(image_bytes()), photo(b"<html>not an image</html>", "evil.jpg")])
    assert response.status_code == 400
    assert "Bild 2: Filen är ingen bild som vi kan läsa" in response.get_data(as_text=True)
    assert report_count() == 0 and media_files() == []


def test_oversized_image(client):
    big = image_bytes("PNG", size=(2600, 2200), noise=True)
    assert len(big) > 15 * 1024 * 1024
    response = submit(client, photos=[photo(big, "big.png")])
    assert response.status_code == 400
    assert "Bilden är för stor (högst 15 MB)" in response.get_data(as_text=True)
    assert report_count() == 0 and media_files() == []


def test_body_larger_than_the_limit_gets_a_readable_413(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = submit(client, photos=[photo(b"\xff\xd8" + b"0" * (2 * 1024 * 1024))])
    assert response.status_code == 413
    assert "för stort" in response.get_data(as_text=True)
    assert report_count() == 0 and media_files() == []


def test_missing_csrf_token_is_refused(client):
    data = form_data(client)
    del data["csrf_token"]
    response = client.post("/", data=data, headers={"Accept-Language": "sv"})
    assert response.status_code == 400
    assert "Formuläret hade gått ut" in response.get_data(as_text=True)
    assert report_count() == 0


def test_token_from_another_session_is_refused(app, client):
    stolen = csrf_token(app.test_client())  # a token issued to somebody else's session
    csrf_token(client)
    response = client.post("/", data=form_data(client, csrf_token=stolen), headers={"Accept-Language": "sv"})
    assert response.status_code == 400
    assert report_count() == 0


def test_errors_speak_the_residents_language(client):
    data = form_data(client, category=None)
    html = client.post("/?lang=en", data=data).get_data(as_text=True)
    assert "Choose what you want to report." in html
    assert 'lang="en"' in html


def test_unknown_tracking_token_and_reference_are_404_without_detail(client):
    assert client.get("/t/" + "a" * 32).status_code == 404
    response = client.get("/r/LK-2019-999999", headers={"Accept-Language": "sv"})
    assert response.status_code == 404 and "Vi hittade inte sidan" in response.get_data(as_text=True)


def test_language_switch_is_on_every_page_and_remembered(client):
    report, _ = make_report()
    for path in ("/", "/karta", f"/r/{report.reference}"):
        html = client.get(path, headers={"Accept-Language": "sv"}).get_data(as_text=True)
        assert 'hreflang="en"' in html
    client.get("/?lang=en")
    assert 'lang="en"' in client.get("/karta", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert 'lang="sv"' in client.get("/karta?lang=sv").get_data(as_text=True)


def test_accessibility_statement_is_linked_from_every_page(client):
    report, _ = make_report()
    for path in ("/", "/karta", f"/r/{report.reference}", "/staff/login"):
        assert 'href="/tillganglighet"' in client.get(path).get_data(as_text=True)
    page = client.get("/tillganglighet", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Tillgänglighetsredogörelse" in page and "mailto:" in page and "DIGG" in page


def test_control_characters_are_dropped_from_the_form_but_lines_stay(client):
    response = submit(client, description="Trasig\x01\x0b lampa\x00\nvid\tbron\x1b", location_text="Bron\x07\nnorra")
    assert response.status_code == 302
    report = db.session.execute(select(Report)).scalar_one()
    assert report.description == "Trasig lampa\nvid\tbron"
    assert report.location_text == "Bron norra"
    from xml.etree import ElementTree as ET

    ET.fromstring(client.get("/open311/v2/requests.xml").data)


def test_the_map_page_shows_its_filters_chosen_by_the_address(client):
    """The public map's filters work as a plain form: the address chooses them, unknown values choose nothing,
    and the clusters' names come in the page's plural forms."""
    html = client.get("/karta?category=littered&status=open", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert '<option value="littered" selected>Nedskräpat</option>' in html
    assert '<option value="open" selected>Öppna (inte åtgärdade än)</option>' in html
    assert 'href="#report-list-box">Hoppa förbi kartan till listan med rapporter</a>' in html
    assert '"one": "{n} rapport"' in html and '"other": "{n} rapporter"' in html
    odd = client.get("/karta?category=nothing&status=lost", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert " selected>" not in odd


def test_an_empty_form_lists_every_problem_at_once_with_links_to_the_fields(client):
    """Without the page's script: one refusal names everything to fix (the place and the kind), in a summary at
    the top with a link to each field, and each message also stands at its field."""
    response = submit(client, category=None, lat=None, lon=None, description="x" * 2001, email="inte-en-adress")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html[html.index('id="error-summary"'):html.index("</div>", html.index('id="error-summary"'))]
    links = re.findall(r'<a href="(#[^"]+)">([^<]+)</a>', summary)
    assert [href for href, _ in links] == ["#report-map", "#category-dark_unsafe", "#description", "#email"]
    assert "Visa var det är" in links[0][1] and links[1][1] == "Välj vad du vill rapportera."
    for field in ("location-error", "category-error", "description-error", "email-error"):
        assert f'id="{field}"' in html
    assert report_count() == 0


def test_the_place_field_does_not_offer_the_residents_home_address(web):
    """The place of a problem is not where the resident lives: no street-address autofill (a privacy slip)."""
    html = web.get("/").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="location_text"[^>]*>', html).group(0)
    assert 'autocomplete="off"' in field and "street-address" not in html
    assert 'id="csrf_token"' not in html  # hidden fields carry no id (a page with two forms would repeat it)
