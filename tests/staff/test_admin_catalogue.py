"""A kommun's own categories and departments, added, edited and retired by an admin on /staff/admin/…: a new
category reaches the resident's form in sv, en and ar at once; a retired one leaves it but its reports keep its
name; only admins may do this."""
import re

from tests.factories import form_token, login, make_report, make_user
from webapp.extensions import db
from webapp.reports import catalogue

NEW = {"key": "broken_sign", "kind": "fault", "name_sv": "Trasig skylt", "name_en": "Broken sign",
       "name_ar": "لافتة مكسورة", "description_sv": "En skylt som är trasig eller borta.",
       "description_en": "A sign that is broken or missing.", "description_ar": "لافتة مكسورة أو مفقودة.",
       "notice_sv": "", "notice_en": "", "notice_ar": "", "icon": "other", "department": "TS", "work_kind": "graffiti",
       "default_priority": "normal", "duplicate_radius_m": "50", "active": "y", "extra_questions": ""}


def admin_client(app):
    client = app.test_client()
    login(client, make_user("admin"))
    return client


def resident_form(app, lang: str) -> str:
    return app.test_client().get(f"/?lang={lang}").get_data(as_text=True)


def test_an_admin_adds_a_category_that_residents_see_in_three_languages(sqlite_app):
    admin = admin_client(sqlite_app)
    page = admin.get("/staff/admin/settings").get_data(as_text=True)
    assert 'href="/staff/admin/categories/new"' in page and 'href="/staff/admin/departments"' in page
    form = admin.get("/staff/admin/categories/new").get_data(as_text=True)
    assert '<option value="bench">' in form and '<option value="STA">' in form  # the icon set, the departments
    response = admin.post("/staff/admin/categories/new", data={**NEW, "csrf_token": form_token(admin)})
    assert response.status_code == 302, response.get_data(as_text=True)
    for lang, name, description in (("sv", "Trasig skylt", "En skylt som är trasig eller borta."),
                                    ("en", "Broken sign", "A sign that is broken or missing."),
                                    ("ar", "لافتة مكسورة", "لافتة مكسورة أو مفقودة.")):
        html = resident_form(sqlite_app, lang)
        assert 'value="broken_sign"' in html and name in html and description in html, lang
    category = catalogue.category_by_key("broken_sign")
    assert (category.department_code, category.icon, category.kind) == ("TS", "other", "fault")
    # A work order for its reports is suggested the category's kind of work.
    report, _ = make_report(category="broken_sign")
    officer = sqlite_app.test_client()
    login(officer, make_user("case_officer", department="TS"))
    order_form = officer.get(f"/staff/workorders/new?report={report.id}").get_data(as_text=True)
    assert '<option selected value="graffiti">' in order_form


def test_a_refused_category_form_says_what_to_fix_and_adds_nothing(sqlite_app):
    admin = admin_client(sqlite_app)
    response = admin.post("/staff/admin/categories/new", data={
        **NEW, "key": "Has Spaces", "name_en": "", "csrf_token": form_token(admin)}, headers={"Accept-Language": "sv"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary"' in html and 'href="#name_en"' in html and "Ange namnet på engelska." in html
    response = admin.post("/staff/admin/categories/new", data={
        **NEW, "key": "littered", "csrf_token": form_token(admin)}, headers={"Accept-Language": "sv"})
    assert response.status_code == 400 and "Det finns redan en kategori med den nyckeln." in response.get_data(as_text=True)
    assert 'href="#key"' in response.get_data(as_text=True)
    assert catalogue.category_by_any_key("has_spaces") is None


def test_retiring_a_category_hides_it_from_residents_but_its_reports_keep_it(sqlite_app):
    admin = admin_client(sqlite_app)
    admin.post("/staff/admin/categories/new", data={**NEW, "csrf_token": form_token(admin)})
    report, _ = make_report(category="broken_sign")
    assert 'value="broken_sign"' in sqlite_app.test_client().get("/karta").get_data(as_text=True)
    edit = admin.get("/staff/admin/categories/broken_sign").get_data(as_text=True)
    assert 'value="لافتة مكسورة"' in edit
    fields = {k: v for k, v in NEW.items() if k not in ("key", "kind", "active")}
    response = admin.post("/staff/admin/categories/broken_sign", data={**fields, "csrf_token": form_token(admin)})
    assert response.status_code == 302
    for lang in ("sv", "en", "ar"):
        assert 'value="broken_sign"' not in resident_form(sqlite_app, lang)
    assert 'value="broken_sign"' not in sqlite_app.test_client().get("/karta").get_data(as_text=True)
    assert "broken_sign" not in sqlite_app.test_client().get("/api/v1/categories").get_data(as_text=True)
    # Staff filters still offer it, and the old report still names it.
    officer = sqlite_app.test_client()
    login(officer, make_user("case_officer", department="TS"))
    inbox = officer.get("/staff/reports?category=broken_sign&status=received", headers={"Accept-Language": "sv"})
    assert inbox.status_code == 200 and '<option selected value="broken_sign">Trasig skylt' in inbox.get_data(as_text=True)
    assert report.reference in inbox.get_data(as_text=True)
    staff_page = officer.get(f"/staff/reports/{report.id}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Trasig skylt" in staff_page
    # Its own edit form keeps it chosen, so that saving a new position does not move it to another category.
    assert '<option selected value="broken_sign">Trasig skylt</option>' in staff_page
    heatmap = admin.get("/staff/heatmap", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert 'value="broken_sign"' in heatmap
    public = sqlite_app.test_client().get(f"/r/{report.reference}?lang=ar").get_data(as_text=True)
    assert "لافتة مكسورة" in public  # the resident's own report page, in their language
    db.session.expire_all()
    assert report.category.key == "broken_sign" and not report.category.active


def test_an_admin_adds_and_retires_a_department(sqlite_app):
    admin = admin_client(sqlite_app)
    response = admin.post("/staff/admin/departments", data={
        "code": "MILJO", "name_sv": "Miljöförvaltningen", "name_en": "Environment Department", "name_ar": "",
        "csrf_token": form_token(admin)})
    assert response.status_code == 302
    assert "Miljöförvaltningen" in admin.get("/staff/admin/departments", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    # At once a choice for accounts and categories.
    assert '<option value="MILJO">' in admin.get("/staff/admin/users").get_data(as_text=True)
    assert '<option value="MILJO">' in admin.get("/staff/admin/categories/new").get_data(as_text=True)
    again = admin.post("/staff/admin/departments", data={"code": "MILJO", "name_sv": "Igen",
                                                         "csrf_token": form_token(admin)}, headers={"Accept-Language": "sv"})
    assert again.status_code == 400 and "Det finns redan en förvaltning med den koden." in again.get_data(as_text=True)

    # A department that active categories still use cannot be retired; an unused one can.
    busy = admin.post("/staff/admin/departments/TS", data={"name_sv": "Teknik- och serviceförvaltningen",
                                                           "csrf_token": form_token(admin)}, headers={"Accept-Language": "sv"})
    assert busy.status_code == 400 and "Aktiva kategorier går fortfarande till den här förvaltningen" in busy.get_data(as_text=True)
    retired = admin.post("/staff/admin/departments/MILJO", data={"name_sv": "Miljöförvaltningen",
                                                                 "csrf_token": form_token(admin)})
    assert retired.status_code == 302
    assert '<option value="MILJO">' not in admin.get("/staff/admin/users").get_data(as_text=True)
    listing = admin.get("/staff/admin/departments", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert re.search(r"MILJO</a></td><td>Miljöförvaltningen</td><td>Avvecklad", listing)


def test_only_admins_may_change_categories_and_departments(sqlite_app):
    for role in ("case_officer", "communications", "crew"):
        client = sqlite_app.test_client()
        login(client, make_user(role, department="TS"))
        for url in ("/staff/admin/categories/new", "/staff/admin/categories/littered", "/staff/admin/departments",
                    "/staff/admin/departments/TS"):
            assert client.get(url).status_code == 403, (role, url)
        token = form_token(client)
        assert client.post("/staff/admin/categories/new", data={**NEW, "csrf_token": token}).status_code == 403
        assert client.post("/staff/admin/departments", data={"code": "X", "name_sv": "X",
                                                             "csrf_token": token}).status_code == 403
    assert catalogue.category_by_any_key("broken_sign") is None and catalogue.department_by_code("X") is None
