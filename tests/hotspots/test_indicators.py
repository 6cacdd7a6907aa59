"""Annex 1's follow-up on the indicators page, beside annex 4's."""
from tests.factories import login, make_user
from webapp.insights import indicators


def test_annex_1_block_shows_evening_safety_and_avoided_activity_per_area(web, sqlite_app):
    for year, safe, avoided in ((2018, 61.5, 22.0), (2017, 58.0, 25.0)):
        indicators.save_survey_value(source="trygghetsmatning", indicator="safe_evening", area="Karlslund/Norrestad",
                                     year=year, value=safe, actor="x")
        indicators.save_survey_value(source="trygghetsmatning", indicator="avoided_activity",
                                     area="Karlslund/Norrestad", year=year, value=avoided, actor="x")
    login(web, make_user("police"))
    page = web.get("/staff/indicators?period=2018", headers={"Accept-Language": "en"}).get_data(as_text=True)
    block = page[page.index('id="annex1"'):page.index('class="chart-box"')]
    assert "Annex 1: hot-spot patrols" in block
    assert "Feel safe outdoors in the evening (%), 2018" in block and "2017" in block
    cells = [c.split("<")[0] for c in block.split("<td")[1:]]
    assert [c.split(">", 1)[1] for c in cells] == ["61.5", "58", "22", "25"]
    assert "/staff/hotspots/" in block
