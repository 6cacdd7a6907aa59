"""The case officer's day over HTTP: inbox, report page, conflict, on-behalf reports, questions to reporters."""
import re

from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import CENTRUM, form_token, image_bytes, login, make_report, make_user
from webapp.extensions import db
from webapp.mail import outbox_messages
from webapp.reports.models import Report


def officer_client(app):
    client = app.test_client()
    login(client, make_user("case_officer", department="TS"))
    return client


def test_inbox_filters_live_in_the_url_and_show_the_count(sqlite_app):
    client = officer_client(sqlite_app)
    a, _ = make_report(category="graffiti")
    make_report(category="littered")
    html = client.get("/staff/reports?category=graffiti", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "1 rapport matchar" in html or "1 report matches" in html
    assert a.reference in html
    assert client.get("/staff/reports?date_from=not-a-date").status_code == 400
    assert client.get("/staff/reports?page=999").status_code == 200


def test_report_page_shows_the_private_contact_to_staff_only(sqlite_app):
    client = officer_client(sqlite_app)
    report, _ = make_report(email="privat@example.org")
    assert "privat@example.org" in client.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    assert "privat@example.org" not in sqlite_app.test_client().get(f"/r/{report.reference}").get_data(as_text=True)


def test_two_officers_saving_the_same_report(sqlite_app):
    report, _ = make_report(category="littered")
    first, second = officer_client(sqlite_app), officer_client(sqlite_app)
    page = first.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    data = {"version": version, "category": "graffiti", "lat": "", "lon": "", "reason": "Fel kategori"}
    first.post(f"/staff/reports/{report.id}/edit", data={**data, "csrf_token": form_token(first)})
    response = second.post(f"/staff/reports/{report.id}/edit",
                           data={**data, "category": "vandalism", "csrf_token": form_token(second)},
                           follow_redirects=True, headers={"Accept-Language": "sv"})
    assert "Någon annan ändrade rapporten" in response.get_data(as_text=True) or \
        "Someone else changed this report" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Report, report.id).category.key == "graffiti"


def test_case_officer_files_a_phoned_in_report_with_private_caller_details(sqlite_app):
    client = officer_client(sqlite_app)
    data = {"csrf_token": form_token(client, "/staff/reports/new"), "category": "street_light",
            "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0]), "description": "Lampan släckt", "source": "phone",
            "reporter_name": "Greta Ringde", "reporter_phone": "0418-123456", "email": ""}
    response = client.post("/staff/reports/new", data=data)
    assert response.status_code == 302
    report = db.session.execute(select(Report)).scalar_one()
    assert (report.source, report.reporter_name, report.reporter_phone) == ("phone", "Greta Ringde", "0418-123456")
    assert report.filed_by.endswith("@landskrona.se")
    public = sqlite_app.test_client().get(f"/r/{report.reference}").get_data(as_text=True)
    assert "Greta" not in public and "0418" not in public


def test_field_reporter_may_only_use_field_sources(sqlite_app):
    client = sqlite_app.test_client()
    login(client, make_user("field_reporter"))
    page = client.get("/staff/reports/new").get_data(as_text=True)
    assert 'value="police"' in page and 'value="phone"' not in page
    data = {"csrf_token": form_token(client, "/staff/reports/new"), "category": "graffiti",
            "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0]), "source": "phone"}
    assert client.post("/staff/reports/new", data=data).status_code == 400
    data["source"] = "police"
    assert client.post("/staff/reports/new", data=data).status_code == 302
    assert client.get("/staff/reports").status_code == 403  # filing, nothing else


def test_asking_the_reporter_and_the_answer_coming_back(sqlite_app):
    client = officer_client(sqlite_app)
    report, _ = make_report(email="boende@example.org")
    client.post(f"/staff/reports/{report.id}/ask", data={"csrf_token": form_token(client),
                                                         "question": "Vilken lyktstolpe gäller det?"})
    mail = outbox_messages(sqlite_app.config["MAIL_OUTBOX_DIR"])[-1]
    assert mail["To"] == "boende@example.org" and "Vilken lyktstolpe" in mail.get_content()
    link = re.search(r"http://trygghetskartan\.test(/t/[\w-]+)", mail.get_content()).group(1)

    resident = sqlite_app.test_client()
    page = resident.get(link).get_data(as_text=True)
    assert "Vilken lyktstolpe gäller det?" in page
    resident.post(f"{link}/answer", data={"csrf_token": csrf_token(resident, link), "answer": "Den vid busshållplatsen"})
    officer_mail = outbox_messages(sqlite_app.config["MAIL_OUTBOX_DIR"])[-1]
    assert "Den vid busshållplatsen" in officer_mail.get_content()
    assert "Den vid busshållplatsen" in client.get(f"/staff/reports/{report.id}").get_data(as_text=True)


def test_redact_through_the_page(sqlite_app):
    client = officer_client(sqlite_app)
    report, _ = make_report(photos=[image_bytes()])
    photo = report.photos[0]
    old = photo.stem
    response = client.post(f"/staff/photos/{photo.id}/redact", data={"csrf_token": form_token(client), "x": "0.1",
                                                                    "y": "0.1", "w": "0.3", "h": "0.3", "mode": "black"})
    assert response.status_code == 302
    db.session.refresh(photo)
    assert photo.stem != old
    bad = client.post(f"/staff/photos/{photo.id}/redact", data={"csrf_token": form_token(client), "x": "nan",
                                                               "y": "2", "w": "0", "h": "0.3"})
    assert bad.status_code == 302 and photo.stem == db.session.get(type(photo), photo.id).stem


def test_a_redacted_photo_gets_a_new_address_and_the_old_files_are_gone(store_app):
    """Caches must ask again before using a public photo: after a redaction the old address finds nothing."""
    sqlite_app = store_app
    import io

    from PIL import Image

    from tests.factories import stored_files
    from webapp.photostore import name_for
    from webapp.reports import moderation

    client = officer_client(sqlite_app)
    public = sqlite_app.test_client()
    report, _ = make_report(photos=[image_bytes(color=(250, 250, 250))])
    photo = report.photos[0]
    moderation.moderate_photo(photo, "approved", "test")
    page = public.get(f"/r/{report.reference}").get_data(as_text=True)
    old_urls = re.findall(r'/photos/[^"/]+/(?:display|thumb)\.jpg', page)
    assert old_urls, "the public page shows the photo"
    first = public.get(old_urls[0])
    assert first.status_code == 200 and first.headers["Cache-Control"] == "public, no-cache"

    response = client.post(f"/staff/photos/{photo.id}/redact", data={"csrf_token": form_token(client), "x": "0",
                                                                    "y": "0", "w": "0.5", "h": "0.5", "mode": "black"})
    assert response.status_code == 302
    db.session.refresh(photo)
    for url in old_urls:
        assert public.get(url).status_code == 404, url
    page = public.get(f"/r/{report.reference}").get_data(as_text=True)
    new_urls = re.findall(r'/photos/[^"/]+/display\.jpg', page)
    assert new_urls and not set(new_urls) & set(old_urls)
    served = public.get(new_urls[0])
    assert served.status_code == 200
    image = Image.open(io.BytesIO(served.data)).convert("RGB")
    assert image.getpixel((5, 5)) < (30, 30, 30)  # the covered corner is black
    assert stored_files() == sorted([name_for(photo.stem), name_for(photo.stem, "thumb")])


def test_reporter_contact_only_for_roles_that_contact_reporters(sqlite_app):
    """The staff report page shows the reporter's e-mail, name and phone only to the roles with
    reporter_contact; the lighting planner and communications see the report without them."""
    from webapp.auth.roles import ROLES, allowed
    from webapp.reports import lifecycle

    report, _ = make_report(email="kontakt.hemlig@example.org")
    lifecycle.set_private_contact(report, "Hemlig Kontaktperson", "0701-234567", "officer@landskrona.se")
    secrets = ("kontakt.hemlig@example.org", "Hemlig Kontaktperson", "0701-234567")
    seen = {}
    for role in ROLES:
        client = sqlite_app.test_client()
        login(client, make_user(role, department="TS" if role in ("crew", "case_officer") else None))
        response = client.get(f"/staff/reports/{report.id}")
        html = response.get_data(as_text=True)
        seen[role] = response.status_code
        for secret in secrets:
            assert (secret in html) == allowed(role, "reporter_contact"), (role, secret)
    assert seen["lighting_planner"] == seen["communications"] == 200  # they do see the report itself


def test_site_message_is_shown_on_resident_pages_until_it_expires(sqlite_app):
    admin_client = sqlite_app.test_client()
    login(admin_client, make_user("admin"))
    admin_client.post("/staff/admin/settings", data={"csrf_token": form_token(admin_client), "text_sv": "Snöröjning: ring 0418-47 00 00",
                                                     "text_en": "Snow clearing: call 0418-47 00 00",
                                                     "expires_on": "2099-01-31"})
    assert "Snöröjning" in sqlite_app.test_client().get("/", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Snow clearing" in sqlite_app.test_client().get("/?lang=en").get_data(as_text=True)
    admin_client.post("/staff/admin/settings", data={"csrf_token": form_token(admin_client), "text_sv": "Gammalt",
                                                            "expires_on": "2001-01-01"}, follow_redirects=True)
    assert "Gammalt" not in sqlite_app.test_client().get("/").get_data(as_text=True)


def test_a_response_template_saved_on_the_settings_page_fills_the_next_public_note(sqlite_app):
    """Each template has its own form on the settings page: the one saved changes, the others stay."""
    from webapp.workorders import services as workorders

    admin_client = sqlite_app.test_client()
    login(admin_client, make_user("admin"))
    page = admin_client.get("/staff/admin/settings").get_data(as_text=True)
    fixed = next(t for t in workorders.templates() if t.key == "fixed")
    others = {t.key: dict(t.texts) for t in workorders.templates() if t.key != "fixed"}
    prefix = f"template{fixed.id}"
    assert f'name="{prefix}-text_sv"' in page
    token = re.search(rf'name="{prefix}-csrf_token" type="hidden" value="([^"]+)"',
                      page).group(1)
    response = admin_client.post(f"/staff/admin/templates/{fixed.id}", data={
        f"{prefix}-csrf_token": token, f"{prefix}-text_sv": "Nu är det lagat, tack!",
        f"{prefix}-text_en": "Fixed now, thank you!"})
    assert response.status_code == 302
    db.session.expire_all()
    assert workorders.template_text("fixed", "sv") == "Nu är det lagat, tack!"
    assert {t.key: t.texts for t in workorders.templates() if t.key != "fixed"} == others


def test_admin_category_settings_reach_the_resident_form(sqlite_app):
    admin_client = sqlite_app.test_client()
    login(admin_client, make_user("admin"))
    response = admin_client.post("/staff/admin/categories/vandalism", data={
        "csrf_token": form_token(admin_client), "name_sv": "Skadegörelse", "name_en": "Vandalism",
        "notice_sv": "Pågående brott? Ring 112.", "notice_en": "Crime in progress? Call 112.", "department": "TS",
        "default_priority": "high", "duplicate_radius_m": "80", "active": "y",
        "extra_questions": "what | Vad är skadat? | What is damaged? | Fönster;Skylt;Annat"})
    assert response.status_code == 302
    from webapp.reports.catalogue import category_by_key
    category = category_by_key("vandalism")
    assert category.duplicate_radius_m == 80 and category.default_priority == "high"
    assert category.extra_questions[0]["values"][1]["name"]["sv"] == "Skylt"
    resident = sqlite_app.test_client()
    form = resident.get("/", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Pågående brott? Ring 112." in form
    assert 'name="answer_vandalism_what"' in form and "Vad är skadat?" in form
    base = {"csrf_token": csrf_token(resident), "category": "vandalism", "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0])}
    refused = resident.post("/", data={**base, "answer_vandalism_what": "99"}, headers={"Accept-Language": "sv"})
    assert refused.status_code == 400 and "Välj ett av svaren" in refused.get_data(as_text=True)
    assert resident.post("/", data={**base, "answer_vandalism_what": "2"}).status_code == 302
    report = db.session.execute(select(Report)).scalar_one()
    assert report.answers == {"what": "2"}
    officer = officer_client(sqlite_app)
    assert "Skylt" in officer.get(f"/staff/reports/{report.id}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    bad = admin_client.post("/staff/admin/categories/vandalism", data={
        "csrf_token": form_token(admin_client), "name_sv": "S", "name_en": "V", "default_priority": "high",
        "duplicate_radius_m": "80", "extra_questions": "bara en kolumn"})
    assert bad.status_code == 400


def test_admin_manages_users(sqlite_app):
    admin_client = sqlite_app.test_client()
    login(admin_client, make_user("admin"))
    token = form_token(admin_client)
    response = admin_client.post("/staff/admin/users", data={"csrf_token": token, "email": "ny@landskrona.se",
                                                             "name": "Ny", "role": "crew", "department": "TS",
                                                             "password": "langt-losenord"})
    assert response.status_code == 302
    from webapp.auth.services import user_by_email
    user = user_by_email("ny@landskrona.se")
    admin_client.post(f"/staff/admin/users/{user.id}", data={"csrf_token": token, "role": "case_officer",
                                                             "department": "SB"})
    db.session.refresh(user)
    assert (user.role, user.department_code, user.active) == ("case_officer", "SB", False)
    duplicate = admin_client.post("/staff/admin/users", data={"csrf_token": token, "email": "ny@landskrona.se",
                                                              "name": "Ny", "role": "crew", "password": "langt-losenord"})
    assert duplicate.status_code == 400


def test_admin_creates_and_revokes_an_open311_key(sqlite_app):
    admin_client = sqlite_app.test_client()
    login(admin_client, make_user("admin"))
    page = admin_client.post("/staff/admin/api-clients", data={"csrf_token": form_token(admin_client),
                                                               "name": "FixMyStreet"}).get_data(as_text=True)
    key = re.search(r'<code class="secret" id="new-key">(tk_[\w-]+)</code>', page).group(1)
    from webapp.auth.apikeys import client_for_key
    client = client_for_key(key)
    assert client.name == "FixMyStreet" and key not in client.key_hash
    assert key not in admin_client.get("/staff/admin/api-clients").get_data(as_text=True)  # shown once
    admin_client.post(f"/staff/admin/api-clients/{client.id}/revoke", data={"csrf_token": form_token(admin_client),
                                                                           "decision": "revoke"})
    assert client_for_key(key) is None


def test_inbox_starts_on_new_and_open_reports_of_ones_department_with_counts_per_view(sqlite_app):
    from webapp.reports import lifecycle

    open_ts, _ = make_report(category="graffiti")
    closed_ts, _ = make_report(category="graffiti")
    lifecycle.change_status(closed_ts, "closed", actor="test")
    to_sb, _ = make_report(category="littered")
    lifecycle.assign_report(to_sb, actor="test", expected_version=to_sb.version, department="SB")
    client = officer_client(sqlite_app)
    html = client.get("/staff/reports", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert open_ts.reference in html and closed_ts.reference not in html and to_sb.reference not in html
    assert "1 rapport matchar" in html
    current = re.search(r'<a href="([^"]+)" aria-current="page">\s*<span class="view-name">([^<]+)</span>', html)
    assert current.group(2) == "Nya och öppna för TS"
    assert current.group(1) == ("/staff/reports?status=received&amp;status=confirmed&amp;status=planned"
                                "&amp;status=in_progress&amp;department=TS")
    counts = dict(re.findall(r'<span class="view-name">([^<]+)</span>\s*<span class="view-count"[^>]*>(\d+)<', html))
    assert counts == {"Nya och öppna för TS": "1", "Alla rapporter": "3"}
    everything = client.get("/staff/reports?sort=newest", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "3 rapporter matchar" in everything
    assert re.search(r'aria-current="page">\s*<span class="view-name">Alla rapporter<', everything)
    # An admin (no department) starts on the new and open reports of every department; the next page keeps the
    # start view's filter in its address.
    sqlite_app.config["STAFF_PAGE_SIZE"] = 1
    admin = sqlite_app.test_client()
    login(admin, make_user("admin"))
    html = admin.get("/staff/reports", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Nya och öppna, alla förvaltningar" in html and "2 rapporter matchar" in html
    next_page = re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
    assert next_page == ("/staff/reports?status=received&status=confirmed&status=planned&status=in_progress"
                         "&page=2")
    second = admin.get(next_page).get_data(as_text=True)
    assert closed_ts.reference not in second and "2 rapporter matchar" in second


def test_saving_a_view_shares_it_and_only_its_owner_deletes_it(sqlite_app):
    from webapp.staff.models import SavedView

    make_report(category="graffiti")
    make_report(category="littered")
    owner = officer_client(sqlite_app)
    colleague = officer_client(sqlite_app)  # also TS
    query = "category=graffiti&district=&zone=&sort=newest&page=3"  # what a form without JavaScript sends
    response = owner.post("/staff/reports/views", data={"csrf_token": form_token(owner, "/staff/reports"),
                                                        "name": "Klotter", "scope": "department", "query": query})
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/reports?category=graffiti&sort=newest"
    view = db.session.execute(select(SavedView)).scalar_one()
    assert (view.query, view.scope, view.department_code) == ("category=graffiti&sort=newest", "department", "TS")
    html = colleague.get("/staff/reports", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert re.search(r'<span class="view-name">Klotter</span>\s*<span class="view-count"[^>]*>1<', html)
    assert "Delad med TS" in html and f"/staff/reports/views/{view.id}/delete" not in html
    refused = colleague.post(f"/staff/reports/views/{view.id}/delete",
                             data={"csrf_token": form_token(colleague, "/staff/reports")}, follow_redirects=True,
                             headers={"Accept-Language": "sv"})
    assert "Bara den som sparade en vy kan ta bort den" in refused.get_data(as_text=True)
    assert db.session.get(SavedView, view.id) is not None
    # A query that is no filter of the inbox is not saved.
    bad = owner.post("/staff/reports/views", data={"csrf_token": form_token(owner, "/staff/reports"), "name": "Fel",
                                                   "scope": "personal", "query": "district=99999"})
    assert bad.status_code == 302 and db.session.execute(select(func.count(SavedView.id))).scalar_one() == 1
    owner.post(f"/staff/reports/views/{view.id}/delete", data={"csrf_token": form_token(owner, "/staff/reports")})
    assert db.session.execute(select(func.count(SavedView.id))).scalar_one() == 0


def test_status_choices_follow_the_flow_and_closing_must_be_confirmed(sqlite_app):
    client = officer_client(sqlite_app)
    report, _ = make_report()
    html = client.get(f"/staff/reports/{report.id}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="status"[^>]*>(.*?)</select>', html, re.S)
    assert "required" in select_html.group(0)
    options = re.findall(r'<option([^>]*)value="([^"]*)"[^>]*>([^<]*)<', select_html.group(1))
    assert [(value, label) for _attrs, value, label in options] == [
        ("", "Välj en status"), ("confirmed", "Bekräftad"), ("planned", "Planerad"), ("in_progress", "Pågår"),
        ("fixed", "Åtgärdad"), ("closed", "Avslutad"), ("referred", "Hänvisad till annan")]
    assert not any("selected" in attrs for attrs, _value, _label in options[1:])
    data = {"csrf_token": form_token(client), "version": str(report.version), "public_note": "Klart"}
    nothing = client.post(f"/staff/reports/{report.id}/status", data={**data, "status": ""},
                          headers={"Accept-Language": "sv"})
    assert nothing.status_code == 400 and "Välj den nya statusen." in nothing.get_data(as_text=True)
    unconfirmed = client.post(f"/staff/reports/{report.id}/status", data={**data, "status": "closed"},
                              headers={"Accept-Language": "sv"})
    page = unconfirmed.get_data(as_text=True)
    assert unconfirmed.status_code == 400 and "Kryssa i rutan för att bekräfta" in page
    assert re.search(r'<option selected value="closed">', page)  # what was chosen is kept
    db.session.refresh(report)
    assert report.status == "received"
    confirmed = client.post(f"/staff/reports/{report.id}/status", data={**data, "status": "closed",
                                                                        "confirm_close": "y"})
    assert confirmed.status_code == 302
    db.session.refresh(report)
    assert report.status == "closed"
    # Reopening closes nothing: no confirmation asked.
    assert client.post(f"/staff/reports/{report.id}/status", data={**data, "version": str(report.version),
                                                                   "status": "received"}).status_code == 302


def confirm_merge(client, duplicate, fields):
    """Press a merge button, then confirm on the page it shows (issue 24.12): nothing is merged before that."""
    asked = client.post(f"/staff/reports/{duplicate.id}/merge", data=fields, headers={"Accept-Language": "sv"})
    assert asked.status_code == 200 and "Ja, slå samman med" in asked.get_data(as_text=True)
    db.session.refresh(duplicate)
    assert duplicate.merged_into_id is None
    form = re.search(r'<form method="post" action="[^"]+" class="merge-confirm-form">(.*?)</form>',
                     asked.get_data(as_text=True), re.S).group(1)
    return client.post(f"/staff/reports/{duplicate.id}/merge", data=dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', form)))


def test_merging_into_a_nearby_report_with_its_button(sqlite_app):
    client = officer_client(sqlite_app)
    keep, _ = make_report(category="littered", at=CENTRUM)
    duplicate, _ = make_report(category="littered", at=(CENTRUM[0] + 0.0003, CENTRUM[1]))
    far, _ = make_report(category="littered", at=(CENTRUM[0] + 0.01, CENTRUM[1]))
    html = client.get(f"/staff/reports/{duplicate.id}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    forms_ = re.findall(r'<form method="post" action="/staff/reports/\d+/merge" class="merge-candidate-form">(.*?)</form>',
                        html, re.S)
    assert len(forms_) == 1 and f'name="target" value="{keep.reference}"' in forms_[0]
    assert f"Slå samman med {keep.reference}" in re.sub(r"<[^>]+>", "", forms_[0]) and far.reference not in html
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', forms_[0]))
    response = confirm_merge(client, duplicate, fields)
    assert response.status_code == 302 and response.headers["Location"] == f"/staff/reports/{keep.id}"
    db.session.refresh(duplicate)
    assert duplicate.merged_into_id == keep.id
    merged = client.get(f"/staff/reports/{duplicate.id}").get_data(as_text=True)
    assert "merge-candidate-form" not in merged and 'name="target"' not in merged  # nothing left to merge


def test_get_forms_send_no_none_for_an_empty_choice(sqlite_app):
    """WTForms renders a None choice value as the text "None": every empty choice must be value=""."""
    from pathlib import Path

    client = officer_client(sqlite_app)
    admin = sqlite_app.test_client()
    login(admin, make_user("admin"))
    pages = {client: ["/staff/reports", "/staff/reports/new", "/staff/workorders/new", "/staff/heatmap"],
             admin: ["/staff/activities", "/staff/campaigns/new"],
             sqlite_app.test_client(): ["/"]}
    for who, paths in pages.items():
        for path in paths:
            html = who.get(path).get_data(as_text=True)
            assert 'value="None"' not in html, path
    source = Path(__file__).resolve().parents[2] / "webapp"
    offenders = [str(p) for p in source.rglob("*.py") if "SelectChoice(None" in p.read_text(encoding="utf-8")]
    assert offenders == []  # use webapp.formfields.empty_choice


def test_overdue_work_orders_show_on_the_report_and_in_the_inbox_and_the_order_comes_before_creating_another(sqlite_app):
    """Issue 24.11: the order's number, status and "overdue" where the officer looks; "Create work order" is the
    first offer only on a report without an open order."""
    from datetime import timedelta

    from webapp.timeutil import local_today
    from webapp.workorders import services as workorders

    client = officer_client(sqlite_app)
    late, _ = make_report(category="littered", description="Sent ärende")
    plain, _ = make_report(category="graffiti", description="Utan order")
    order = workorders.create_work_order([late.id], kind="cleaning", priority_code="normal", title="Städa",
                                         actor="x", today=local_today() - timedelta(days=60))
    workorders.start(order, "x")
    lang = {"Accept-Language": "sv"}
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(f"/staff/reports/{late.id}", headers=lang)
                                      .get_data(as_text=True)))
    assert f"{order.number} – Pågår – försenad" in text
    assert "Skapa arbetsorder" not in text and "Skapa ytterligare en arbetsorder" in text
    assert text.index(f"{order.number} – Pågår") < text.index("Skapa ytterligare en arbetsorder")
    bare = client.get(f"/staff/reports/{plain.id}", headers=lang).get_data(as_text=True)
    assert 'class="button primary" href="/staff/workorders/new' in bare and "AO-" not in bare
    inbox = client.get("/staff/reports?sort=newest", headers=lang).get_data(as_text=True)
    rows = {ref: row for row in re.findall(r"<tr.*?</tr>", inbox, re.S) for ref in (late.reference, plain.reference)
            if ref in row}
    assert order.number in rows[late.reference] and "försenad" in rows[late.reference]
    assert "AO-" not in rows[plain.reference]


def test_merging_offers_the_same_category_first_asks_to_confirm_and_can_be_undone(sqlite_app):
    """Issue 24.12: a "feels safe" report is no likely duplicate of a "dark and unsafe" one: other categories wait
    behind a disclosure; a merge is confirmed on a page that warns when the categories differ; the merged report's
    page undoes it, and both reports' logs say so."""
    from webapp import audit

    client = officer_client(sqlite_app)
    lang = {"Accept-Language": "sv"}
    keep, _ = make_report(category="dark_unsafe", at=CENTRUM, description="Mörkt vid bron")
    safe, _ = make_report(category="feels_safe", at=(CENTRUM[0] + 0.0002, CENTRUM[1]), description="Tryggt här")
    duplicate, _ = make_report(category="dark_unsafe", at=(CENTRUM[0] + 0.0003, CENTRUM[1]), description="Mörkt")
    html = client.get(f"/staff/reports/{duplicate.id}", headers=lang).get_data(as_text=True)
    same_part, other_part = html.split('class="merge-other"')
    assert keep.reference in same_part and safe.reference not in same_part
    assert safe.reference in other_part.split("</details>")[0]
    token = form_token(client, f"/staff/reports/{duplicate.id}")
    asked = client.post(f"/staff/reports/{duplicate.id}/merge", headers=lang,
                        data={"csrf_token": token, "version": str(duplicate.version), "target": safe.reference})
    assert asked.status_code == 200 and "olika kategorier" in asked.get_data(as_text=True)
    db.session.refresh(duplicate)
    assert duplicate.status != "duplicate"

    response = confirm_merge(client, duplicate, {"csrf_token": token, "version": str(duplicate.version),
                                                 "target": keep.reference})
    assert response.status_code == 302
    db.session.refresh(keep)
    db.session.refresh(duplicate)
    assert duplicate.status == "duplicate" and keep.support_count == 1
    page = client.get(f"/staff/reports/{duplicate.id}", headers=lang).get_data(as_text=True)
    assert "Ångra sammanslagningen" in page
    form = re.search(r'<form method="post" action="/staff/reports/\d+/unmerge">(.*?)</form>', page, re.S).group(1)
    undone = client.post(f"/staff/reports/{duplicate.id}/unmerge", headers=lang,
                         data=dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', form)))
    assert undone.status_code == 302
    db.session.expire_all()
    duplicate, keep = db.session.get(Report, duplicate.id), db.session.get(Report, keep.id)
    assert duplicate.status == "received" and duplicate.merged_into_id is None and keep.support_count == 0
    assert [e.actor for e in audit.events_for("report", duplicate.id) if e.action == "merge_undone"] == \
        [e.actor for e in audit.events_for("report", keep.id) if e.action == "merge_undone"] != []
    after = client.get(f"/staff/reports/{duplicate.id}", headers=lang).get_data(as_text=True)
    assert "Sammanslagningen ångrades" in after and "Ångra sammanslagningen" not in after
    # Undoing twice is refused with a message, not a 5xx.
    again = client.post(f"/staff/reports/{duplicate.id}/unmerge", headers=lang,
                        data=dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', form)))
    assert again.status_code == 302
