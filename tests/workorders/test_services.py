"""Work orders on SQLite and PostgreSQL: due dates, the flow, reports following, residents told."""
import re
from datetime import date

import pytest

from tests.factories import CENTRUM, KARLSLUND, image_bytes, make_report, make_user
from webapp.audit import events_for
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.mail import outbox_messages
from webapp.media import photo_settings
from webapp.reports import lifecycle, moderation, notify, public
from webapp.workorders import services

TODAY = date(2026, 3, 2)


def test_one_job_from_several_reports(app):
    a, _ = make_report(category="littered", at=CENTRUM)
    b, _ = make_report(category="littered", at=CENTRUM)
    order = services.create_work_order([a.id, b.id], kind="cleaning", priority_code="normal", title="Städa Storgatan", actor="officer", today=TODAY)
    assert re.fullmatch(r"AO-2026-\d{5}", order.number)
    assert {r.reference for r in order.reports} == {a.reference, b.reference}
    assert order.department_code == "TS"
    assert a.status == b.status == "planned"
    assert "planerat" in a.history[-1].public_note  # from the response template, in the reporter's language
    assert events_for("work_order", order.id)[0].action == "created"


@pytest.mark.parametrize("where, priority, days", [
    (CENTRUM, "normal", 5), (KARLSLUND, "normal", 10), (CENTRUM, "high", 2), (KARLSLUND, "high", 3),
    (KARLSLUND, "urgent", 1)])
def test_due_date_is_shorter_in_the_higher_intensity_zone(app, where, priority, days):
    report, _ = make_report(at=where)
    order = services.create_work_order([report.id], kind="maintenance", priority_code=priority, title="Laga", actor="officer", today=TODAY)
    assert (order.due_date - TODAY).days == days
    assert order.in_zone == (where == CENTRUM)


def test_overdue(app):
    report, _ = make_report()
    order = services.create_work_order([report.id], kind="cleaning", priority_code="urgent", title="Akut", actor="officer", today=TODAY)
    assert not services.is_overdue(order, date(2026, 3, 3))
    assert services.is_overdue(order, date(2026, 3, 4))
    assert [o.id for o in services.list_orders(overdue_only=True, today=date(2026, 3, 4))] == [order.id]
    services.change_status(order, "in_progress", "crew")
    services.change_status(order, "done", "crew")
    assert not services.is_overdue(order, date(2026, 3, 4))


def test_hidden_or_already_ordered_reports_need_confirmation(app):
    hidden, _ = make_report()
    moderation.set_hidden(hidden, True, actor="x", expected_version=hidden.version, reason="personuppgifter")
    with pytest.raises(services.NeedsConfirmation, match="hidden|dold"):
        services.create_work_order([hidden.id], kind="cleaning", priority_code="normal", title="X", actor="officer")
    assert services.create_work_order([hidden.id], kind="cleaning", priority_code="normal", title="X", actor="officer", confirm=True)

    busy, _ = make_report()
    first = services.create_work_order([busy.id], kind="cleaning", priority_code="normal", title="Första", actor="officer")
    with pytest.raises(services.NeedsConfirmation, match=first.number):
        services.create_work_order([busy.id], kind="cleaning", priority_code="normal", title="Andra", actor="officer")


def test_merged_reports_cannot_be_linked(app):
    keep, _ = make_report()
    gone, _ = make_report()
    lifecycle.merge_reports(gone, keep, "x")
    with pytest.raises(services.WorkOrderError):
        services.create_work_order([gone.id], kind="cleaning", priority_code="normal", title="X", actor="officer", confirm=True)


def test_status_flow_refuses_shortcuts_and_rejection_needs_a_reason(app):
    report, _ = make_report()
    order = services.create_work_order([report.id], kind="cleaning", priority_code="normal", title="X", actor="officer")
    with pytest.raises(services.WorkOrderError):
        services.change_status(order, "verified", "officer")
    with pytest.raises(services.WorkOrderError):
        services.change_status(order, "rejected", "officer")
    services.change_status(order, "rejected", "officer", reason="Privat mark")
    assert report.status == "closed"
    with pytest.raises(services.WorkOrderError):
        services.change_status(order, "in_progress", "officer")


def test_stale_version_is_refused(app):
    report, _ = make_report()
    order = services.create_work_order([report.id], kind="cleaning", priority_code="normal", title="X", actor="officer")
    seen = order.version
    services.change_status(order, "planned", "a", expected_version=seen)
    with pytest.raises(services.WorkOrderError):
        services.change_status(order, "in_progress", "b", expected_version=seen)


def test_completion_with_after_photo_fixes_reports_and_tells_the_residents(app):
    a, token = make_report(email="boende@example.org", locale="en")
    notify.receipt(a, token)  # as the form's submission does: the reporter follows from now on
    b, _ = make_report()
    order = services.create_work_order([a.id, b.id], kind="cleaning", priority_code="normal", title="Städa", actor="officer")
    crew = make_user("crew")
    with pytest.raises(services.WorkOrderError):
        services.complete(order, actor=crew.email, note="Städat", photo=None, settings=photo_settings())
    services.complete(order, actor=crew.email, note="Städat och tömt", photo=image_bytes(gps=CENTRUM), settings=photo_settings())
    db.session.commit()  # the request's commit: the mail goes after it

    assert order.status == "done" and order.completion_note == "Städat och tömt"
    assert a.status == b.status == "fixed"
    after = order.after_photos[0]
    assert after.kind == "after" and after.is_public
    assert b"Exif" not in app.extensions["photo_store"].read(after.stem)

    mails = [m for m in outbox_messages(app.config["MAIL_OUTBOX_DIR"]) if "fixed" in m["Subject"]]
    assert len(mails) == 1 and mails[0]["To"] == "boende@example.org"
    link = re.search(r"http://trygghetskartan\.test(/t/[\w-]+)", mails[0].get_content()).group(1)
    assert public.report_by_token(link.split("/")[2]).id == a.id  # a fresh link that works

    public.record_satisfaction(a, 4, "Bra jobbat")
    assert public.satisfaction_for(a).score == 4
    public.record_satisfaction(a, 5)
    assert public.satisfaction_for(a).score == 5


def test_satisfaction_only_after_a_fix(app):
    report, _ = make_report()
    with pytest.raises(InputRefused):
        public.record_satisfaction(report, 5)


def test_crew_sees_their_departments_free_or_own_jobs_nearest_first(app):
    near, _ = make_report(at=CENTRUM)
    far, _ = make_report(at=KARLSLUND)
    crew = make_user("crew", department="TS")
    other = make_user("crew", department="TS")
    o1 = services.create_work_order([far.id], kind="cleaning", priority_code="normal", title="Långt bort", actor="officer")
    o2 = services.create_work_order([near.id], kind="cleaning", priority_code="low", title="Nära", actor="officer")
    sb_report, _ = make_report(category="dark_unsafe")
    services.create_work_order([sb_report.id], kind="light_new", priority_code="normal", title="Ny belysning", actor="officer")
    mine_only, _ = make_report()
    services.create_work_order([mine_only.id], kind="cleaning", priority_code="normal", title="Annans", actor="officer", assignee_id=other.id)

    assert [o.title for o in services.tasks_for(crew)] == ["Långt bort", "Nära"]
    by_distance = services.tasks_for(crew, "distance", lat=CENTRUM[1], lon=CENTRUM[0])
    assert [o.id for o in by_distance] == [o2.id, o1.id]


def test_a_positive_report_is_never_a_job(app):
    safe, _ = make_report(category="feels_safe", at=CENTRUM)
    dirty, _ = make_report(category="littered", at=CENTRUM)
    with pytest.raises(services.WorkOrderError) as refused:
        services.create_work_order([dirty.id, safe.id], kind="maintenance", priority_code="normal", title="Se över", actor="officer", today=TODAY)
    assert safe.reference in str(refused.value.message)
    assert services.list_orders() == [] and safe.status == "received" and dirty.status == "received"


def test_a_crew_member_sees_only_their_kinds_of_work(app):
    from webapp.auth import services as accounts

    litter, _ = make_report(category="littered", at=CENTRUM)
    light, _ = make_report(category="street_light", at=CENTRUM)
    cleaning = services.create_work_order([litter.id], kind="cleaning", priority_code="normal", title="Städa", actor="officer", today=TODAY)
    lamp = services.create_work_order([light.id], kind="light_repair", priority_code="normal", title="Byt lampa", actor="officer", today=TODAY)
    cleaner = make_user("crew", department="TS")
    electrician = make_user("crew", department="TS")
    accounts.update_user(cleaner, "admin", work_kinds=["cleaning", "graffiti", "maintenance"])
    accounts.update_user(electrician, "admin", work_kinds=["light_repair"])
    anyone = make_user("crew", department="TS")  # no kinds chosen: every kind of the department

    assert [o.title for o in services.tasks_for(cleaner)] == ["Städa"]
    assert [o.title for o in services.tasks_for(electrician)] == ["Byt lampa"]
    assert {o.title for o in services.tasks_for(anyone)} == {"Städa", "Byt lampa"}
    assert services.may_work_on(cleaning, cleaner) and not services.may_work_on(lamp, cleaner)
    # A job given to someone by name is theirs, whatever its kind.
    lamp.assignee_id = cleaner.id
    assert services.may_work_on(lamp, cleaner) and not services.may_work_on(lamp, electrician)


def test_start_pressed_again_or_late_changes_nothing_and_keeps_the_done_form_valid(app):
    report, _ = make_report(category="littered", at=CENTRUM)
    order = services.create_work_order([report.id], kind="cleaning", priority_code="normal", title="Städa", actor="officer", today=TODAY)
    version = order.version
    services.start(order, "crew", expected_version=version)
    services.start(order, "crew", expected_version=version)  # the same press sent again
    assert order.status == "in_progress" and order.version == version
    # The "done" form was opened before the start (perhaps offline): still valid.
    services.complete(order, actor="crew", note="Klart", photo=image_bytes(), settings=photo_settings(), expected_version=version)
    assert order.status == "done"
    services.start(order, "crew", expected_version=version)  # a start that arrives after "done"
    assert order.status == "done"
    assert [e.details["to"] for e in events_for("work_order", order.id) if e.action == "status"] == \
        ["in_progress", "done"]


def test_a_bulk_orders_title_says_what_its_reports_share_and_a_misfitting_kind_is_named(sqlite_app):
    """Issue 24.13: ten reports from four districts are not "Nedskräpat, Karlslund/Norrestad"; a lighting order
    holding litter and graffiti is flagged (a category without a kind of its own fits any)."""
    from flask_babel import force_locale

    litter_c, _ = make_report(category="littered", at=CENTRUM, location_text="Torget")
    litter_k, _ = make_report(category="littered", at=KARLSLUND)
    graffiti_c, _ = make_report(category="graffiti", at=CENTRUM)
    lamp_c, _ = make_report(category="street_light", at=CENTRUM)
    with force_locale("sv"):
        assert services.suggested_title([litter_c]) == "Nedskräpat, Torget"
        assert services.suggested_title([litter_c, graffiti_c]) == "2 rapporter i Centrum/Öster"
        assert services.suggested_title([litter_c, litter_k]) == "Nedskräpat – 2 rapporter i 2 områden"
        assert services.suggested_title([litter_c, graffiti_c, litter_k]) == "3 rapporter i 2 områden"
    litter_c2, _ = make_report(category="littered", at=(CENTRUM[0] + 0.001, CENTRUM[1]))
    with force_locale("sv"):
        assert services.suggested_title([litter_c, litter_c2]) == "Nedskräpat, Centrum/Öster"
    mixed = [litter_c, graffiti_c, lamp_c]
    assert services.usual_kind([litter_c, litter_k, graffiti_c]) == "cleaning"
    assert services.kind_misfits("light_repair", mixed) == [litter_c, graffiti_c]
    assert services.kind_misfits("cleaning", [litter_c, litter_k]) == []
