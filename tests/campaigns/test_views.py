"""Campaign pages over HTTP: set-up by communications, the public page, QR codes, import, results, exports."""
import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.factories import CENTRUM, KARLSLUND, form_token, login, make_user
from webapp.campaigns import imports, services
from webapp.extensions import db
from webapp.geo.models import District
from webapp.reports import lifecycle
from webapp.reports.models import Report


def comms(app):
    client = app.test_client()
    login(client, make_user("communications"))
    return client


def create(client, **overrides):
    centrum = db.session.execute(select(District.id).where(District.name == "Centrum/Öster")).scalar_one()
    today = date.today()
    data = {"csrf_token": form_token(client), "name": "Trygghetsvandring Öster", "slug": "", "kind": "safety_walk",
            "starts_on": (today - timedelta(days=1)).isoformat(), "ends_on": (today + timedelta(days=10)).isoformat(),
            "districts": [str(centrum)], "categories": ["dark_unsafe", "littered"], "hashtag": "#tryggtoster",
            "intro_sv": "Visa var det är mörkt.", "intro_en": "Show where it is dark.",
            "intro_ar": "أظهر أين يكون المكان مظلمًا.", "follows": ""}
    data.update(overrides)
    return client.post("/staff/campaigns/new", data=data)


def test_communications_runs_a_campaign_and_residents_report_through_it(sqlite_app):
    client = comms(sqlite_app)
    response = create(client)
    assert response.status_code == 302
    campaign = services.by_slug("trygghetsvandring-oster")
    assert campaign.hashtag == "tryggtoster" and campaign.category_keys == ["dark_unsafe", "littered"]

    resident = sqlite_app.test_client()
    page = resident.get("/k/trygghetsvandring-oster", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Visa var det är mörkt." in page and 'id="campaign-area"' in page
    # The walk of issue 24: the campaign's introduction in Arabic too, entered right to left.
    arabic = sqlite_app.test_client().get("/k/trygghetsvandring-oster?lang=ar").get_data(as_text=True)
    assert "أظهر أين يكون المكان مظلمًا." in arabic
    form = client.get(f"/staff/campaigns/{campaign.id}", headers={"Accept-Language": "sv"})
    assert form.status_code == 200 and 'dir="rtl"' in form.get_data(as_text=True)
    assert 'value="dark_unsafe"' in page and 'value="graffiti"' not in page
    token = csrf_token(resident, "/k/trygghetsvandring-oster")
    outside = resident.post("/k/trygghetsvandring-oster", data={"csrf_token": token, "category": "dark_unsafe",
                                                                "lat": str(KARLSLUND[1]), "lon": str(KARLSLUND[0])},
                            headers={"Accept-Language": "sv"})
    assert outside.status_code == 400 and "utanför kampanjens område" in outside.get_data(as_text=True)
    ok = resident.post("/k/trygghetsvandring-oster", data={"csrf_token": token, "category": "dark_unsafe",
                                                           "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0]),
                                                           "time_of_day": "night"})
    assert ok.status_code == 302
    report = db.session.execute(select(Report)).scalar_one()
    assert report.campaign_id == campaign.id and report.source == "campaign"

    officer = sqlite_app.test_client()
    login(officer, make_user("case_officer"))
    inbox = officer.get(f"/staff/reports?campaign={campaign.id}").get_data(as_text=True)
    assert report.reference in inbox


def test_bad_campaign_input_is_refused_next_to_the_field(sqlite_app):
    client = comms(sqlite_app)
    response = create(client, starts_on="2018-03-01", ends_on="2018-02-01")
    assert response.status_code == 400
    response = create(client, districts=[], drawn_area="")
    assert response.status_code == 400
    response = create(client, starts_on="not a date")
    assert response.status_code == 400
    assert services.all_campaigns() == []


def test_closed_campaign_shows_its_results(sqlite_app):
    client = comms(sqlite_app)
    create(client, starts_on="2018-02-19", ends_on="2018-03-04", slug="instagram-2018")
    page = sqlite_app.test_client().get("/k/instagram-2018", headers={"Accept-Language": "sv"})
    assert page.status_code == 200 and "Kampanjen är avslutad" in page.get_data(as_text=True)
    assert sqlite_app.test_client().post("/k/instagram-2018", data={}).status_code in (200, 400)
    assert db.session.execute(select(db.func.count(Report.id))).scalar_one() == 0


def test_qr_codes(sqlite_app):
    create(comms(sqlite_app), slug="qr-test")
    png = sqlite_app.test_client().get("/k/qr-test/qr.png")
    assert png.mimetype == "image/png" and Image.open(io.BytesIO(png.data)).size[0] > 100
    svg = sqlite_app.test_client().get("/k/qr-test/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert sqlite_app.test_client().get("/k/nope/qr.png").status_code == 404


def test_import_results_and_exports(sqlite_app):
    client = comms(sqlite_app)
    create(client, slug="insta", categories=[])
    campaign = services.by_slug("insta")
    csv_text = ("caption,posted_at,link,lat,lon,place\n"
                "Skräp #nedskräpat,2026-01-01T10:00:00+01:00,https://i.example/1,55.8706,12.8302,\n"
                "Klotter,bad-date,https://i.example/2,,,\n")
    response = client.post(f"/staff/campaigns/{campaign.id}/import", content_type="multipart/form-data",
                           data={"csrf_token": form_token(client), "csv_file": (io.BytesIO(csv_text.encode()), "p.csv")})
    status_url = response.headers["Location"]
    assert "/staff/imports/" in status_url  # the request does not wait for the import
    import time
    for _ in range(100):  # the import runs in the background; the page reports its progress
        html = client.get(status_url, headers={"Accept-Language": "sv"}).get_data(as_text=True)
        if 'data-status="done"' in html:
            break
        assert 'data-busy' in html and 'import-status.js' in html  # the page renews itself
        time.sleep(0.1)
    assert "Importerade 1 inlägg" in html and "Rad 3" in html and 'value="2"' in html

    results = client.get(f"/staff/campaigns/{campaign.id}/results", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "1 rapport" in html or "1 rapport" in results
    csv_export = client.get(f"/staff/campaigns/{campaign.id}/results.csv").get_data(as_text=True)
    assert csv_export.splitlines()[0].startswith("reference,created,category") and len(csv_export.splitlines()) == 2
    xlsx = client.get(f"/staff/campaigns/{campaign.id}/results.xlsx")
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book["Rapporter"].max_row == 2 and book["Sammanfattning"]["B3"].value == 1


def test_roles_for_campaigns(sqlite_app):
    officer = sqlite_app.test_client()
    login(officer, make_user("case_officer"))
    assert officer.get("/staff/campaigns").status_code == 200       # may look at results
    assert officer.get("/staff/campaigns/new").status_code == 403   # may not run campaigns
    crew = sqlite_app.test_client()
    login(crew, make_user("crew"))
    assert crew.get("/staff/campaigns").status_code == 403


def test_experience_collection_needs_a_field_login(sqlite_app):
    client = comms(sqlite_app)
    create(client, slug="erfarenhet", kind="experience_collection", categories=["littered"])
    anonymous = sqlite_app.test_client().get("/k/erfarenhet")
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]
    police = sqlite_app.test_client()
    login(police, make_user("field_reporter"))
    page = police.get("/k/erfarenhet")
    assert page.status_code == 200
    assert 'value="contractor"' in page.get_data(as_text=True)
    response = police.post("/k/erfarenhet", data={"csrf_token": form_token(police, "/k/erfarenhet"), "category": "littered",
                                                 "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0]), "source": "police"})
    assert response.status_code == 302
    assert db.session.execute(select(Report)).scalar_one().source == "police"


def test_activities_and_owner_letter(sqlite_app):
    client = comms(sqlite_app)
    token = form_token(client)
    assert client.post("/staff/activities", data={"csrf_token": token, "held_on": "2018-04-14", "kind": "cleanup",
                                                  "title": "Skräpplockardag", "participants": "64", "district": "",
                                                  "campaign": ""}).status_code == 302
    assert client.post("/staff/activities", data={"csrf_token": token, "held_on": "2018-04-14", "kind": "cleanup",
                                                  "title": "X", "participants": "-3"}).status_code == 400
    assert "Skräpplockardag" in client.get("/staff/activities").get_data(as_text=True)
    client.post("/staff/owners", data={"csrf_token": token, "name": "Öster Handel HB", "contact": "0418-1",
                                       "address": "Östergatan 20"})
    owner = lifecycle.owners()[0]
    from tests.factories import make_report
    from webapp.reports.lifecycle import assign_report
    report, _ = make_report(description="Klotter på fasaden")
    assign_report(report, actor="x", expected_version=report.version, external_kind="property_owner", external_name="Öster Handel HB",
                  public_note="Fastighetsägaren ansvarar.")
    letter = client.get(f"/staff/owners/{owner.id}/letter", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert report.reference in letter and "Östergatan 20" in letter
    assert "Har ni frågor, kontakta Teknik- och serviceförvaltningen, 0418-47 00 00" in letter
    rows = client.get(f"/staff/owners/{owner.id}.csv").get_data(as_text=True).splitlines()
    assert len(rows) == 2 and report.reference in rows[1]


def test_demographic_answers_are_never_shown_on_a_single_report(sqlite_app):
    client = comms(sqlite_app)
    create(client, slug="tv-2026", asks_demographics="y")
    campaign = services.by_slug("tv-2026")
    assert campaign.asks_demographics
    resident = sqlite_app.test_client()
    page = resident.get("/k/tv-2026", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert 'name="gender"' in page and 'name="age_group"' in page and "anonymt" in page
    token = csrf_token(resident, "/k/tv-2026")
    response = resident.post("/k/tv-2026", data={"csrf_token": token, "category": "dark_unsafe", "lat": str(CENTRUM[1]),
                                                 "lon": str(CENTRUM[0]), "gender": "woman", "age_group": "65+"})
    assert response.status_code == 302
    report = db.session.execute(select(Report)).scalar_one()
    assert (report.gender, report.age_group) == ("woman", "65+")
    public = resident.get(f"/r/{report.reference}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    tracking = resident.get(response.headers["Location"], headers={"Accept-Language": "sv"}).get_data(as_text=True)
    api = resident.get("/api/v1/reports?bbox=12.80,55.85,12.90,55.90").get_data(as_text=True)
    for text in (public, tracking, api):
        # "65+" as the answer, not the end of a time's microseconds before its offset ("…12.123465+00:00")
        assert "Kvinna" not in text and "woman" not in text and not re.search(r"(?<![\d.:])65\+", text)
    results = client.get(f"/staff/campaigns/{campaign.id}/results", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    # One report is too few to split at all (webapp/disclosure.py): the page says so instead of a table.
    assert "för litet för att delas upp" in results and "Per kön" in results and "Kvinna" not in results


def test_unsure_posts_get_their_category_in_the_queue(sqlite_app):
    from webapp.media import photo_settings

    client = comms(sqlite_app)
    create(client, slug="insta-queue", categories=[])
    campaign = services.by_slug("insta-queue")
    imports.import_posts(campaign, ("caption,posted_at,place\n"
                                     "Vilken utsikt 😍,2026-01-01T10:00:00+01:00,Kajen\n").encode(),
                          "p.csv", actor="kom@landskrona.se", settings=photo_settings())
    post = db.session.execute(select(Report)).scalar_one()
    officer = sqlite_app.test_client()
    login(officer, make_user("case_officer"))
    html = officer.get("/staff/places", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Importerade inlägg som behöver en kategori" in html and "Vilken utsikt" in html
    response = officer.post("/staff/places/category", data={"csrf_token": form_token(officer, "/staff/places"),
                                                           "report_id": str(post.id), "category": "feels_safe",
                                                           "version": str(post.version)})
    assert response.status_code == 302
    db.session.refresh(post)
    assert post.category.key == "feels_safe" and imports.needing_a_category() == []
    html = officer.get("/staff/places", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Alla importerade inlägg har en kategori." in html


def test_import_page_reads_the_job_and_says_when_its_worker_stopped(sqlite_app):
    """No worker yet: the import waits; its worker killed half-way: the page says it carries on later."""
    from datetime import datetime, timezone

    from webapp.jobs.models import Job

    sqlite_app.config["JOBS_IN_WEB_PROCESS"] = False
    client = comms(sqlite_app)
    create(client, slug="insta", categories=[])
    csv_text = "caption,posted_at\n" + "Skräp,2026-01-01T10:00:00+01:00\n" * 4
    upload = {"csrf_token": form_token(client), "csv_file": (io.BytesIO(csv_text.encode()), "p.csv")}
    response = client.post(f"/staff/campaigns/{services.by_slug('insta').id}/import",
                           content_type="multipart/form-data", data=upload)
    status_url = response.headers["Location"]
    html = client.get(status_url, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert 'data-status="queued"' in html and "Väntar på en arbetsprocess: 0 av 4 rader" in html

    job = db.session.execute(select(Job)).scalar_one()
    job.status, job.done, job.heartbeat_at = "running", 2, datetime(2026, 1, 1, tzinfo=timezone.utc)
    db.session.commit()
    html = client.get(status_url, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Avbröts efter 2 av 4 rader" in html and "data-busy" in html


def test_a_semicolon_file_from_swedish_excel_is_read_and_a_file_without_the_columns_refused_at_once(sqlite_app):
    sqlite_app.config["JOBS_IN_WEB_PROCESS"] = False
    client = comms(sqlite_app)
    create(client, slug="excel", categories=[])
    campaign = services.by_slug("excel")
    excel = "caption;posted_at\r\nSkräp vid ån;2026-01-01 10:00\r\n".encode("cp1252")
    response = client.post(f"/staff/campaigns/{campaign.id}/import?lang=sv", content_type="multipart/form-data",
                           data={"csrf_token": form_token(client), "csv_file": (io.BytesIO(excel), "export.csv")})
    assert "/staff/imports/" in response.headers["Location"]
    html = client.get(response.headers["Location"], headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Windows-1252" in html and "semikolon" in html and "1 rader" in html
    wrong = "rubrik;datum\r\nSkräp;2026-01-01\r\n".encode("cp1252")
    refused = client.post(f"/staff/campaigns/{campaign.id}/import", content_type="multipart/form-data",
                          data={"csrf_token": form_token(client), "csv_file": (io.BytesIO(wrong), "fel.csv")})
    page = client.get(refused.headers["Location"], headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "caption och posted_at" in page and "/staff/imports/" not in refused.headers["Location"]


def test_the_place_and_category_queue_changes_only_reports_in_it_at_the_version_shown(sqlite_app):
    """Issue 23.8: the queue's forms name a report by id; one that has a place (or a category) is not moved or
    recategorised by a crafted post, and a stale page is refused, each with a 409 and a message."""
    import re

    from tests.factories import make_report
    from webapp.media import photo_settings

    placed, _ = make_report(at=CENTRUM)
    unplaced, _ = make_report(at=CENTRUM, location_text="Slottsgatan")
    unplaced.lat = unplaced.lon = None  # as an Open311 report with only an address arrives
    db.session.commit()
    client = comms(sqlite_app)
    create(client, slug="insta-q2", categories=[])
    imports.import_posts(services.by_slug("insta-q2"), ("caption,posted_at,place\n"
                                                        "Vilken utsikt 😍,2026-01-01T10:00:00+01:00,Kajen\n").encode(),
                         "p.csv", actor="kom@landskrona.se", settings=photo_settings())
    post = db.session.execute(select(Report).where(Report.import_key.is_not(None))).scalar_one()
    officer = sqlite_app.test_client()
    login(officer, make_user("case_officer"))
    page = officer.get("/staff/places").get_data(as_text=True)
    assert re.search(rf'name="version-{unplaced.id}" value="{unplaced.version}"', page)
    token = form_token(officer, "/staff/places")
    lang = {"Accept-Language": "sv"}

    def place(report_id, version, lat=55.88, lon=12.84):
        return officer.post("/staff/places", headers=lang, data={
            "csrf_token": token, "report_id": str(report_id), f"version-{report_id}": str(version),
            "lat": str(lat), "lon": str(lon)})

    # The audit's request: a public report that has a place, with or without its version — not moved.
    before = (placed.lat, placed.lon, placed.version)
    for version in (placed.version, ""):
        refused = place(placed.id, version)
        assert refused.status_code == 409 and "inte längre i kön" in refused.get_data(as_text=True)
        db.session.refresh(placed)
        assert (placed.lat, placed.lon, placed.version) == before
    # A report in the queue, but the page was loaded before someone else changed it: refused too.
    lifecycle.edit_report(unplaced, actor="other", expected_version=unplaced.version, reason="x",
                          category_key="graffiti")
    stale = place(unplaced.id, unplaced.version - 1)
    assert stale.status_code == 409 and "Någon annan ändrade" in stale.get_data(as_text=True)
    db.session.refresh(unplaced)
    assert unplaced.lat is None
    # With the version the page shows: placed.
    assert place(unplaced.id, unplaced.version).status_code == 302
    db.session.refresh(unplaced)
    assert unplaced.lat == 55.88
    # The category queue: a report that is not an uncategorised import is refused, a stale version too.
    def categorise(report, version):
        return officer.post("/staff/places/category", headers=lang, data={
            "csrf_token": token, "report_id": str(report.id), "category": "feels_safe", "version": str(version)})

    assert categorise(placed, placed.version).status_code == 409
    db.session.refresh(placed)
    assert placed.category.key == "littered"
    assert categorise(post, post.version + 1).status_code == 409
    assert categorise(post, post.version).status_code == 302
    db.session.refresh(post)
    assert post.category.key == "feels_safe"


def test_the_communications_officer_places_and_categorises_the_campaigns_posts_only(sqlite_app):
    """Issue 24.4: the import page links the queue; the role that imports works it, for campaign reports only."""
    from tests.factories import make_report
    from webapp.media import photo_settings

    other, _ = make_report(at=CENTRUM, location_text="Slottsgatan")
    other.lat = other.lon = None  # an Open311 address: not the communications officer's to place
    db.session.commit()
    client = comms(sqlite_app)
    create(client, slug="insta-comms", categories=[])
    imports.import_posts(services.by_slug("insta-comms"), (
        "caption,posted_at,place\n"
        "Vilken utsikt 😍,2026-01-01T10:00:00+01:00,Kajen\n"
        "Skräp överallt vid ån,2026-01-01T11:00:00+01:00,Ån\n").encode(),
        "p.csv", actor="kom@landskrona.se", settings=photo_settings())
    unsure = db.session.execute(select(Report).where(Report.description.like("Vilken%"))).scalar_one()
    litter = db.session.execute(select(Report).where(Report.description.like("Skräp överallt%"))).scalar_one()
    lang = {"Accept-Language": "sv"}
    page = client.get("/staff/places", headers=lang)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Vilken utsikt" in html and "Skräp överallt" in html
    assert "Slottsgatan" not in html and "rapporterna från kampanjer" in html
    token = form_token(client, "/staff/places")
    placed = client.post("/staff/places", headers=lang, data={
        "csrf_token": token, "report_id": str(litter.id), f"version-{litter.id}": str(litter.version),
        "lat": "55.8705", "lon": "12.83"})
    assert placed.status_code == 302
    refused = client.post("/staff/places", headers=lang, data={
        "csrf_token": token, "report_id": str(other.id), f"version-{other.id}": str(other.version),
        "lat": "55.8705", "lon": "12.83"})
    assert refused.status_code == 409
    chosen = client.post("/staff/places/category", headers=lang, data={
        "csrf_token": token, "report_id": str(unsure.id), "category": "feels_safe", "version": str(unsure.version)})
    assert chosen.status_code == 302
    for report in (litter, unsure, other):
        db.session.refresh(report)
    assert litter.lat == 55.8705 and unsure.category.key == "feels_safe" and other.lat is None
    # A case officer still sees every report in the queue.
    officer = sqlite_app.test_client()
    login(officer, make_user("case_officer"))
    assert "Slottsgatan" in officer.get("/staff/places").get_data(as_text=True)


def test_the_comparison_page_warns_of_a_running_follow_up_and_another_area(sqlite_app):
    """Issue 24.15: 116→34 with the follow-up still running, or against another area, is said on the page."""
    client = comms(sqlite_app)
    today = date.today()
    create(client, name="Bas", slug="bas", starts_on=(today - timedelta(days=400)).isoformat(),
           ends_on=(today - timedelta(days=380)).isoformat())
    karlslund = db.session.execute(select(District.id).where(District.name == "Karlslund/Norrestad")).scalar_one()
    centrum = db.session.execute(select(District.id).where(District.name == "Centrum/Öster")).scalar_one()
    create(client, name="Uppföljning", slug="uppf", kind="follow_up", follows=str(services.by_slug("bas").id),
           districts=[str(centrum), str(karlslund)])
    follow_up = services.by_slug("uppf")
    html = client.get(f"/staff/campaigns/{follow_up.id}/compare", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Uppföljning pågår fortfarande" in html
    assert "olika områden (Centrum/Öster; Centrum/Öster, Karlslund/Norrestad)" in html


def test_the_queue_shows_the_photo_or_the_instagram_link_to_place_a_post_by(sqlite_app):
    """Issue 24.16: a post is placed by what it shows: its photo (pending, but public on Instagram already, so
    the communications officer sees it) and a link to the post."""
    import re
    import zipfile

    from tests.factories import image_bytes
    from webapp.media import photo_settings

    client = comms(sqlite_app)
    create(client, slug="insta-photo", categories=[])
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.jpg", image_bytes())
    imports.import_posts(services.by_slug("insta-photo"), (
        "caption,posted_at,link,image\n"
        "Skräp på stranden,2026-01-01T10:00:00+01:00,https://www.instagram.com/p/abc123/,a.jpg\n").encode(),
        "p.csv", actor="kom@landskrona.se", settings=photo_settings(), zip_bytes=archive.getvalue())
    html = client.get("/staff/places", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert 'href="https://www.instagram.com/p/abc123/"' in html and "Öppna inlägget på Instagram" in html
    photo = re.search(r'<img src="(/staff/photos/\d+/thumb\.jpg)"', html).group(1)
    assert client.get(photo).status_code == 200
