"""From the inbox to a completed work order over HTTP, and what the resident then sees."""
import csv
import io
import re

from sqlalchemy import select

from tests.conftest import csrf_token
from tests.factories import CENTRUM, form_token, image_bytes, login, make_report, make_user
from webapp.extensions import db
from webapp.mail import outbox_messages
from webapp.reports import notify
from webapp.workorders import services as workorders
from webapp.workorders.models import WorkOrder


def test_officer_to_crew_to_resident(sqlite_app):
    a, token_a = make_report(category="littered", email="boende@example.org")
    notify.receipt(a, token_a)  # as the form's submission does: the reporter follows from now on
    db.session.commit()
    b, _ = make_report(category="litter_bin")
    officer = sqlite_app.test_client()
    login(officer, make_user("case_officer", department="TS"))

    form = officer.get(f"/staff/workorders/new?report={a.id}&report={b.id}").get_data(as_text=True)
    assert a.reference in form and b.reference in form and '<option selected value="cleaning">' in form
    response = officer.post("/staff/workorders/new", data={
        "csrf_token": form_token(officer), "reports": [a.id, b.id], "kind": "cleaning", "priority": "normal",
        "title": "Städa vid torget", "instructions": "Ta med tång", "assignee": ""})
    assert response.status_code == 302
    order = db.session.execute(select(WorkOrder)).scalar_one()
    assert order.number in officer.get(response.headers["Location"]).get_data(as_text=True)

    crew = sqlite_app.test_client()
    login(crew, make_user("crew", department="TS"))
    tasks = crew.get("/staff/tasks").get_data(as_text=True)
    assert "Städa vid torget" in tasks
    page = crew.get(f"/staff/tasks/{order.id}").get_data(as_text=True)
    assert "Ta med tång" in page and a.reference in page
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    token = form_token(crew)
    missing_photo = crew.post(f"/staff/tasks/{order.id}/complete", data={"csrf_token": token, "version": version,
                                                                         "note": "Klart"})
    assert missing_photo.status_code == 400
    fake = crew.post(f"/staff/tasks/{order.id}/complete", content_type="multipart/form-data", data={
        "csrf_token": token, "version": version, "note": "Klart", "photo": (io.BytesIO(b"not a photo"), "x.jpg")})
    assert fake.status_code == 400 and not order.after_photos
    done = crew.post(f"/staff/tasks/{order.id}/complete", content_type="multipart/form-data", data={
        "csrf_token": token, "version": version, "note": "Städat",
        "photo": (io.BytesIO(image_bytes(gps=CENTRUM)), "efter.jpg")})
    assert done.status_code == 302
    assert "Städa vid torget" not in crew.get("/staff/tasks").get_data(as_text=True)

    db.session.expire_all()
    resident = sqlite_app.test_client()
    tracking = resident.get(f"/t/{token_a}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Åtgärdad" in tracking and "Efter arbetet" in tracking and "Är du nöjd?" in tracking
    public = resident.get(f"/r/{a.reference}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Efter arbetet" in public
    mail = [m for m in outbox_messages(sqlite_app.config["MAIL_OUTBOX_DIR"]) if m["To"] == "boende@example.org"][-1]
    assert a.reference in mail["Subject"]
    link = re.search(r"http://trygghetskartan\.test(/t/[\w-]+)", mail.get_content()).group(1)
    response = resident.post(f"{link}/feedback", data={"csrf_token": csrf_token(resident, link), "score": "4"},
                             follow_redirects=True, headers={"Accept-Language": "sv"})
    assert "Tack för ditt svar!" in response.get_data(as_text=True)
    bad = resident.post(f"{link}/feedback", data={"csrf_token": csrf_token(resident, link), "score": "9"},
                        follow_redirects=True, headers={"Accept-Language": "sv"})
    assert "Välj ett tal från 1 till 5." in bad.get_data(as_text=True)


def test_crew_cannot_open_other_departments_jobs(sqlite_app):
    report, _ = make_report(category="dark_unsafe")
    from webapp.workorders import services
    order = services.create_work_order([report.id], kind="light_new", priority_code="normal", title="Ny belysning", actor="officer")
    crew = sqlite_app.test_client()
    login(crew, make_user("crew", department="TS"))
    assert crew.get(f"/staff/tasks/{order.id}").status_code == 403
    assert crew.get("/staff/workorders").status_code == 403


def test_day_list_print_and_csv(sqlite_app):
    report, _ = make_report()
    from webapp.workorders import services
    services.create_work_order([report.id], kind="cleaning", priority_code="normal", title="Tömma korgar", actor="officer")
    crew = sqlite_app.test_client()
    login(crew, make_user("crew", department="TS"))
    assert "Tömma korgar" in crew.get("/staff/tasks/print").get_data(as_text=True)
    response = crew.get("/staff/tasks.csv", headers={"Accept-Language": "sv"})
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0]["Rubrik"] == "Tömma korgar" and rows[0]["Rapporter"] == report.reference
    assert rows[0]["Typ"] == "Renhållning" and rows[0]["Status"] == "Ny" and rows[0]["Försenad"] == "nej"


def test_linking_an_ordered_report_again_asks_for_confirmation(sqlite_app):
    report, _ = make_report()
    officer = sqlite_app.test_client()
    login(officer, make_user("case_officer"))
    data = {"csrf_token": form_token(officer), "reports": [report.id], "kind": "cleaning", "priority": "normal",
            "title": "Första", "assignee": ""}
    assert officer.post("/staff/workorders/new", data=data).status_code == 302
    again = officer.post("/staff/workorders/new", data={**data, "title": "Andra"})
    assert again.status_code == 400 and 'name="confirm"' in again.get_data(as_text=True)
    assert officer.post("/staff/workorders/new", data={**data, "title": "Andra", "confirm": "y"}).status_code == 302


def test_the_chosen_order_and_position_stay_after_a_job(sqlite_app):
    near, _ = make_report(category="littered", at=CENTRUM)
    far, _ = make_report(category="littered", at=(CENTRUM[0] + 0.02, CENTRUM[1]))
    workorders.create_work_order([far.id], kind="cleaning", priority_code="normal", title="Långt bort", actor="officer")
    workorders.create_work_order([near.id], kind="cleaning", priority_code="normal", title="Nära", actor="officer")
    crew = sqlite_app.test_client()
    login(crew, make_user("crew", department="TS"))
    page = crew.get(f"/staff/tasks?order=distance&lat={CENTRUM[1]}&lon={CENTRUM[0]}").get_data(as_text=True)
    assert page.index("Nära") < page.index("Långt bort")
    again = crew.get("/staff/tasks").get_data(as_text=True)  # where "done" sends the crew back
    assert again.index("Nära") < again.index("Långt bort") and "m bort" in again
    assert re.search(r'id="order-distance" aria-current="true"', again)
    crew.get("/staff/tasks?order=due")
    assert 'id="order-distance" aria-current' not in crew.get("/staff/tasks").get_data(as_text=True)


def test_admin_sets_a_crew_members_kinds_of_work(sqlite_app):
    admin = sqlite_app.test_client()
    login(admin, make_user("admin"))
    crew = make_user("crew", department="TS")
    page = admin.get(f"/staff/admin/users/{crew.id}").get_data(as_text=True)
    assert 'value="light_repair"' in page
    response = admin.post(f"/staff/admin/users/{crew.id}", data={
        "csrf_token": form_token(admin, f"/staff/admin/users/{crew.id}"), "role": "crew", "department": "TS",
        "active": "y", "work_kinds": ["cleaning", "graffiti"]})
    assert response.status_code == 302
    db.session.refresh(crew)
    assert crew.work_kinds == ["cleaning", "graffiti"]
    bogus = admin.post(f"/staff/admin/users/{crew.id}", data={
        "csrf_token": form_token(admin, f"/staff/admin/users/{crew.id}"), "role": "crew", "department": "TS",
        "active": "y", "work_kinds": ["drop_tables"]})
    assert bogus.status_code == 400  # refused: the form shows again with the problem
    db.session.refresh(crew)
    assert crew.work_kinds == ["cleaning", "graffiti"]


def test_the_status_menu_follows_the_flow_chooses_nothing_and_confirms_an_ending(sqlite_app):
    """From "Ny" the menu offers Planerad, Pågår, Avvisad in the flow's order after an empty choice; Save with
    nothing chosen changes nothing and says why at the field; ending the order needs the box ticked."""
    report, _ = make_report(category="littered")
    order = workorders.create_work_order([report.id], kind="cleaning", priority_code="normal", title="Städa",
                                         actor="test")
    db.session.commit()
    officer = sqlite_app.test_client()
    login(officer, make_user("case_officer", department="TS"))
    page = officer.get(f"/staff/workorders/{order.id}?lang=sv").get_data(as_text=True)
    menu = re.search(r'<select[^>]*name="status"[^>]*>(.*?)</select>', page, re.S).group(1)
    options = re.findall(r'<option[^>]*value="([^"]*)"', menu)
    assert options == ["", "planned", "in_progress", "rejected"]
    assert "selected" not in menu
    token = form_token(officer, f"/staff/workorders/{order.id}")
    url = f"/staff/workorders/{order.id}/status"
    nothing = officer.post(url, data={"csrf_token": token, "version": str(order.version), "status": ""})
    assert nothing.status_code == 400 and "Välj den nya statusen" in nothing.get_data(as_text=True)
    unconfirmed = officer.post(url, data={"csrf_token": token, "version": str(order.version), "status": "rejected",
                                          "reason": "Dubblett"})
    assert unconfirmed.status_code == 400
    assert '<option selected value="rejected">' in unconfirmed.get_data(as_text=True)  # the choice is kept
    db.session.expire_all()
    assert db.session.get(WorkOrder, order.id).status == "new"
    confirmed = officer.post(url, data={"csrf_token": token, "version": str(order.version), "status": "rejected",
                                        "reason": "Dubblett", "confirm_close": "y"})
    assert confirmed.status_code == 302
    db.session.expire_all()
    assert db.session.get(WorkOrder, order.id).status == "rejected"


def test_a_bulk_order_gets_a_shared_title_and_a_warning_when_its_kind_does_not_fit(sqlite_app):
    """Issue 24.13: the form suggests a title from what the reports share and warns (without refusing) when the
    type of work does not fit their categories; the order's page keeps saying so."""
    import re

    from tests.factories import KARLSLUND

    officer = sqlite_app.test_client()
    login(officer, make_user("case_officer"))
    lang = {"Accept-Language": "sv"}
    litter, _ = make_report(category="littered", at=CENTRUM)
    graffiti, _ = make_report(category="graffiti", at=KARLSLUND)
    page = officer.get(f"/staff/workorders/new?report={litter.id}&report={graffiti.id}", headers=lang)
    html = page.get_data(as_text=True)
    assert 'value="2 rapporter i 2 områden"' in html and "brukar behöva: Renhållning (1), Klotter (1)" in html
    # Prefilled with the first report's kind, the other report is named at once.
    assert f"1 rapport passar inte arbetstypen Renhållning: {graffiti.reference}" in html
    data = {"csrf_token": form_token(officer, "/staff/workorders/new"), "reports": [str(litter.id), str(graffiti.id)],
            "kind": "light_repair", "priority": "normal", "title": "Belysning", "assignee": ""}
    created = officer.post("/staff/workorders/new", data=data, headers=lang)
    assert created.status_code == 302
    shown = officer.get(created.headers["Location"], headers=lang).get_data(as_text=True)
    warning = re.search(r'class="flash flash-warning kind-warning">(.*?)</p>', shown, re.S).group(1)
    assert "2 rapporter passar inte arbetstypen Belysning – reparation" in warning
    assert litter.reference in warning and "Renhållning" in warning and "Klotter)" in warning
