"""A resident answers a citizen dialogue on a 390 px phone in Arabic, in a real browser (issue 27.2): right to
left, by role and label as a screen reader finds them, refused with GOV.UK's error summary first, then sent."""
import pytest
from sqlalchemy import select

from tests.browser import browser_page, live_server
from tests.campaigns.test_dialogue import make_dialogue
from webapp.campaigns.models import DialogueAnswer, DialogueResponse
from webapp.extensions import db

pytestmark = pytest.mark.browser


def test_a_resident_answers_a_dialogue_on_a_phone_in_arabic(sqlite_app):
    campaign = make_dialogue("dialog-ar")
    with live_server(sqlite_app) as url, browser_page(url, "dialogue-arabic", locale="ar-SE") as page:
        page.goto(f"/k/{campaign.slug}")  # the campaign's link (its QR code) leads to the questions
        page.wait_for_url(f"**/k/{campaign.slug}/dialog")
        html = page.locator("html")
        assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
        # Nothing answered: refused in Arabic, the summary first, nothing stored.
        page.get_by_role("button", name="أرسل إجاباتي").click()
        summary = page.locator(".error-summary")
        summary.wait_for()
        assert "يجب تصحيح شيء قبل أن يمكن إرسال إجاباتك" in summary.inner_text()
        assert "أجب عن سؤال واحد على الأقل." in summary.inner_text()
        assert db.session.execute(select(DialogueResponse.id)).first() is None
        # Answered by label and role, as a screen reader reads the questions.
        page.get_by_role("textbox", name="جوابك").fill("الممر المظلم قرب المحطة")
        page.get_by_role("group", name="هل تخرج في المساء؟").get_by_role("radio", name="لا").check()
        several = page.get_by_role("group", name="ما الذي نحتاجه؟")
        several.get_by_role("checkbox", name="إنارة").check()
        several.get_by_role("checkbox", name="تنظيف").check()
        scale = page.get_by_role("group", name="ما مدى شعورك بالأمان؟").get_by_role("radio", name="2")
        scale.focus()
        page.keyboard.press("Space")
        assert scale.is_checked()
        # The place: tapped on the map (the words field is there for those who cannot use it).
        page.wait_for_selector(".dialogue-map.leaflet-container")
        box = page.locator(".dialogue-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.get_by_label("كيف تسكن").select_option(label="شقة مستأجرة (hyresrätt)")
        # Nothing wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_role("button", name="أرسل إجاباتي").click()
        page.get_by_role("heading", name="شكرًا على إجاباتك").wait_for()
    response = db.session.execute(select(DialogueResponse)).scalar_one()
    assert response.housing == "rental" and response.gender is None and response.channel == "web"
    answers = {a.question.kind: a for a in db.session.execute(select(DialogueAnswer)).scalars()}
    assert answers["text"].text == "الممر المظلم قرب المحطة" and answers["one"].choices == [1]
    assert answers["several"].choices == [0, 2] and answers["scale"].scale == 2
    assert answers["place"].lat is not None
