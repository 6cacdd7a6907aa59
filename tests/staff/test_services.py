"""Triage rules on SQLite and PostgreSQL: filters, conflicts, merging, hiding, referral, redaction."""
import io
from datetime import date, datetime, timezone

import pytest
from PIL import Image

from tests.factories import CENTRUM, KARLSLUND, commit, image_bytes, make_report
from webapp.audit import events_for
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.reports import lifecycle, moderation, public
from webapp.reports.models import Report
from webapp.staff import services
from webapp.staff.services import ReportFilter


def refs(rows):
    return sorted(r.reference for r in rows)


def test_filters_combine_and_count(app):
    a, _ = make_report(category="littered", at=CENTRUM, photos=[image_bytes()],
                       created_at=datetime(2018, 2, 10, 12, tzinfo=timezone.utc))
    b, _ = make_report(category="graffiti", at=CENTRUM, created_at=datetime(2018, 11, 20, 12, tzinfo=timezone.utc))
    c, _ = make_report(category="littered", at=KARLSLUND, source="instagram",
                       created_at=datetime(2019, 4, 2, 12, tzinfo=timezone.utc))
    lifecycle.change_status(c, "confirmed", actor="test")

    assert refs(services.search_reports(ReportFilter(category="littered"))[0]) == refs([a, c])
    assert refs(services.search_reports(ReportFilter(zone=a.zone_id))[0]) == refs([a, b])
    assert refs(services.search_reports(ReportFilter(district=c.district_id))[0]) == refs([c])
    assert refs(services.search_reports(ReportFilter(has_photo=True))[0]) == refs([a])
    assert refs(services.search_reports(ReportFilter(source="instagram"))[0]) == refs([c])
    assert refs(services.search_reports(ReportFilter(status=["confirmed"]))[0]) == refs([c])
    assert refs(services.search_reports(ReportFilter(date_from=date(2018, 11, 1), date_to=date(2018, 11, 20)))[0]) == refs([b])
    assert refs(services.search_reports(ReportFilter(text=b.reference))[0]) == refs([b])
    assert refs(services.search_reports(ReportFilter(department="TS"))[0]) == refs([a, b, c])
    rows, total = services.search_reports(ReportFilter(sort="oldest"), page=2, per_page=2)
    assert total == 3 and refs(rows) == refs([c])


def test_second_save_with_a_stale_version_is_refused(app):
    report, _ = make_report(category="littered")
    loaded_by_both = report.version
    lifecycle.edit_report(report, actor="anna@landskrona.se", expected_version=loaded_by_both, reason="fel kategori", category_key="graffiti")
    with pytest.raises(lifecycle.ConflictError):
        lifecycle.edit_report(report, actor="bo@landskrona.se", expected_version=loaded_by_both, reason="fel kategori", category_key="vandalism")
    db.session.expire_all()
    assert db.session.get(Report, report.id).category.key == "graffiti"


def test_edit_position_relocates_district_and_needs_a_reason(app):
    report, _ = make_report(at=CENTRUM)
    with pytest.raises(InputRefused):
        lifecycle.edit_report(report, actor="x", expected_version=report.version, reason="", lat=KARLSLUND[1], lon=KARLSLUND[0])
    with pytest.raises(InputRefused):
        lifecycle.edit_report(report, actor="x", expected_version=report.version, reason="flytta", lat=55.6, lon=13.0)  # Malmö
    lifecycle.edit_report(report, actor="x", expected_version=report.version, reason="rätt plats", lat=KARLSLUND[1], lon=KARLSLUND[0])
    assert report.district.name == "Karlslund/Norrestad" and report.zone_id is None
    assert [e.action for e in events_for("report", report.id)] == ["edited"]


def test_merge_adds_up_support_and_keeps_the_duplicates_link_working(app):
    keep, _ = make_report()
    duplicate, token = make_report()
    public.support_report(keep, "a")
    public.support_report(duplicate, "b")
    public.support_report(duplicate, "c")
    lifecycle.merge_reports(duplicate, keep, "officer@landskrona.se")
    assert keep.support_count == 1 + 2 + 1
    assert duplicate.status == "duplicate" and duplicate.merged_into_id == keep.id
    assert public.report_by_token(token).merged_into.reference == keep.reference
    with pytest.raises(InputRefused):
        lifecycle.merge_reports(keep, duplicate, "officer@landskrona.se")


def test_hide_needs_a_reason_and_takes_it_off_the_public_map(app):
    report, _ = make_report()
    with pytest.raises(InputRefused):
        moderation.set_hidden(report, True, actor="x", expected_version=report.version, reason="")
    moderation.set_hidden(report, True, actor="x", expected_version=report.version, reason="Namn på person i texten")
    assert public.public_report(report.reference) is None
    assert public.public_reports_in_bbox(12.8, 55.8, 12.9, 55.9, limit=10)[0] == []
    moderation.set_hidden(report, False, actor="x", expected_version=report.version)
    assert public.public_report(report.reference) is not None


def test_referral_to_an_outside_party_is_public_with_an_explanation(app):
    report, _ = make_report()
    with pytest.raises(InputRefused):
        lifecycle.assign_report(report, actor="x", expected_version=report.version, external_kind="trafikverket")
    lifecycle.assign_report(report, actor="x", expected_version=report.version, external_kind="property_owner", external_name="Fastighets AB",
                           external_contact="info@fastighet.example", public_note="Fastighetsägaren ansvarar.")
    assert report.status == "referred"
    assert report.history[-1].public_note == "Fastighetsägaren ansvarar."
    assert report.external_name == "Fastighets AB"


def test_redaction_covers_the_area_and_leaves_no_uncovered_copy(store_app):
    app = store_app
    report, _ = make_report(photos=[image_bytes(size=(1600, 1200), color=(250, 250, 250))])
    photo = report.photos[0]
    store = app.extensions["photo_store"]
    old_stem = photo.stem
    moderation.redact_photo(photo, [moderation.Box(0.5, 0.5, 0.25, 0.25)], mode="black", actor="x", store=store)
    commit()  # the old files go once the change is committed
    assert store.read(old_stem) is None and store.read(old_stem, "thumb") is None
    with Image.open(io.BytesIO(store.read(photo.stem))) as image:
        assert image.getpixel((1000, 700)) == (0, 0, 0) or sum(image.getpixel((1000, 700))) < 30
        assert sum(image.getpixel((1500, 100))) > 600
    assert len(list(store.names())) == 2


def test_blur_removes_the_detail_in_the_marked_area_only(app):
    from PIL import ImageStat

    report, _ = make_report(photos=[image_bytes(size=(1600, 1200), noise=True)])
    photo = report.photos[0]
    store = app.extensions["photo_store"]

    def detail(box):
        with Image.open(io.BytesIO(store.read(photo.stem))) as image:
            return ImageStat.Stat(image.convert("L").crop(box)).stddev[0]

    inside, outside = (100, 100, 300, 300), (1200, 800, 1400, 1000)
    before_in, before_out = detail(inside), detail(outside)
    moderation.redact_photo(photo, [moderation.Box(0.0, 0.0, 0.25, 0.3)], mode="blur", actor="x", store=store)
    assert detail(inside) < before_in / 4
    assert detail(outside) == pytest.approx(before_out, rel=0.25)


def test_moderation_publishes_a_photo(app):
    report, _ = make_report(photos=[image_bytes()])
    moderation.moderate_photo(report.photos[0], "approved", "x")
    assert public.public_photos(report) == report.photos


def test_count_and_start_department(app):
    from tests.factories import make_user

    open_ts, _ = make_report(category="graffiti")
    closed_ts, _ = make_report(category="graffiti")
    lifecycle.change_status(closed_ts, "closed", actor="test")
    to_sb, _ = make_report(category="littered")
    lifecycle.assign_report(to_sb, actor="test", expected_version=to_sb.version, department="SB")
    start = ReportFilter(status=list(services.START_STATUSES), department="TS")
    assert services.count_reports(start) == 1 == len(services.search_reports(start)[0])
    assert services.count_reports(ReportFilter()) == 3
    # Their own department when reports go to it; otherwise every department.
    assert services.start_department("TS") == "TS" and services.start_department("SB") == "SB"
    assert services.start_department("KOM") is None and services.start_department(None) is None
    assert make_user("communications", department="KOM").department_code == "KOM"


def test_next_statuses_follow_the_flow_and_closing_steps_are_named(app):
    report, _ = make_report()
    assert lifecycle.next_statuses(report) == ["confirmed", "planned", "in_progress", "fixed", "closed", "referred"]
    lifecycle.change_status(report, "in_progress", actor="test")
    assert lifecycle.next_statuses(report) == ["planned", "fixed", "closed"]
    assert [s for s in ("received", "planned", "fixed", "closed", "referred") if lifecycle.closes(s)] == \
        ["fixed", "closed", "referred"]


def test_saved_views_are_seen_by_their_owner_their_department_or_all_staff(app):
    from tests.factories import make_user

    hugo, hanna = make_user("case_officer", department="TS"), make_user("case_officer", department="TS")
    sara, admin = make_user("case_officer", department="SB"), make_user("admin")
    services.save_view(hugo, name="Mitt klotter", query="category=graffiti", scope="personal", actor=hugo.email)
    services.save_view(hugo, name="TS-klotter", query="category=graffiti&department=TS", scope="department", actor=hugo.email)
    services.save_view(sara, name="Allas skräp", query="category=littered", scope="all", actor=sara.email)

    def names(user):
        return [v.name for v in services.views_for(user)]

    assert names(hugo) == ["Allas skräp", "Mitt klotter", "TS-klotter"]
    assert names(hanna) == ["Allas skräp", "TS-klotter"]
    assert names(sara) == ["Allas skräp"]
    assert names(admin) == ["Allas skräp"]  # no department: only what is shared with all staff
    assert [e.action for e in events_for("saved_view", services.views_for(sara)[0].id)] == ["created"]


def test_saving_and_deleting_views_is_refused_when_it_should_be(app):
    from tests.factories import make_user
    from webapp.staff.models import SavedView

    owner, other, admin = make_user("case_officer", department="TS"), make_user("case_officer"), make_user("admin")
    for name, query, scope, user in [("", "category=graffiti", "personal", owner),
                                     ("x" * 81, "category=graffiti", "personal", owner),
                                     ("Vy", "category=graffiti", "everyone", owner),
                                     ("Vy", "", "personal", owner),
                                     ("Vy", "category=graffiti", "department", admin)]:
        with pytest.raises(InputRefused):
            services.save_view(user, name=name, query=query, scope=scope, actor=user.email)
    view = services.save_view(owner, name="Delad", query="category=graffiti", scope="all", actor=owner.email)
    with pytest.raises(InputRefused):
        services.delete_view(view, other, other.email)  # shared with them, still not theirs
    assert db.session.get(SavedView, view.id) is not None
    for n in range(services.MAX_VIEWS_PER_USER - 1):
        services.save_view(owner, name=f"Vy {n}", query="category=graffiti", scope="personal", actor=owner.email)
    with pytest.raises(InputRefused):
        services.save_view(owner, name="En för mycket", query="category=graffiti", scope="personal", actor=owner.email)
    services.delete_view(view, owner, owner.email)
    assert db.session.get(SavedView, view.id) is None
    assert [e.action for e in events_for("saved_view", view.id)] == ["created", "deleted"]
