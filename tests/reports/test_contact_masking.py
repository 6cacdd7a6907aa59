"""Contact details a resident writes into the report itself (third attack round, finding 3): an e-mail address,
a telephone number or a personal identity number in the description or the place text never reaches a public
page, the API, Open311 or a published protocol; the staff page keeps them for whoever contacts the reporter."""
import re

from tests.factories import login, make_report, make_user
from webapp.textclean import mask_contact_details

WRITTEN = "Ring mig på 070-123 45 67 eller anna.andersson@example.org, personnr 19800101-1234. Mörkt sedan 2018-02-05."
SECRETS = ("070-123 45 67", "anna.andersson@example.org", "19800101-1234", "0701234567", "800101-1234")


def test_the_mask_takes_contact_details_and_leaves_dates_references_and_addresses():
    assert mask_contact_details(WRITTEN) == "Ring mig på […] eller […], personnr […]. Mörkt sedan 2018-02-05."
    for kept in ("LK-2018-000070", "Storgatan 12, 261 31", "kl 21:30", "lampa 1234"):
        assert mask_contact_details(kept) == kept
    for number in ("+46 70 123 45 67", "0418-47 00 00", "0701234567"):
        assert mask_contact_details(number) == "[…]"


def test_no_public_route_shows_contact_details_written_into_a_report(sqlite_app):
    report, token = make_report(description=WRITTEN, location_text="Vid porten, ring 0418-47 00 00")
    public = sqlite_app.test_client()
    values = {"reference": report.reference, "token": token, "request_id": report.reference, "fmt": "json"}
    checked = []
    for rule in sqlite_app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/staff") or any(a not in values for a in rule.arguments):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:\w+:)?{name}>", values[name], path)
        for fmt in (("json", "xml") if "fmt" in rule.arguments else ("",)):
            url = path.replace(".json", f".{fmt}") if fmt else path
            text = public.get(url, query_string={"bbox": "12.7,55.8,13.0,55.95"}).get_data(as_text=True)
            assert not any(secret in text for secret in SECRETS), url
            checked.append(url)
    assert f"/r/{report.reference}" in checked and f"/t/{token}" in checked
    assert f"/open311/v2/requests/{report.reference}.xml" in checked and f"/api/v1/reports/{report.reference}" in checked
    assert "/open311/v2/requests.json" in checked
    assert "Ring mig på […]" in public.get(f"/r/{report.reference}").get_data(as_text=True)

    officer = sqlite_app.test_client()
    login(officer, make_user("case_officer"))
    assert "070-123 45 67" in officer.get(f"/staff/reports/{report.id}").get_data(as_text=True)
