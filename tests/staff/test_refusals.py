"""Every staff form, posted empty: a refusal always says what is wrong (issue 24.5's class). Walks every staff
POST route from the URL map as an administrator (who may use them all); a 4xx page must show a message at a
field, in an error summary or as an error notice, and a redirect must lead to a page that says something."""
import re

import pytest

from tests.auth.test_access import url_for_rule, world  # noqa: F401 - the fixture with one of everything
from tests.factories import form_token, login, make_user

MESSAGE = re.compile(r'class="(field-errors|error-summary|flash flash-error|flash flash-info|flash flash-warning)')
# Not forms a person fills in: logging out, and the crew's offline queue, which answers JSON to its script.
# Logging in and choosing a new password: an administrator already logged in, with no password to change, is
# sent on.
NOT_FORMS = {"auth.logout", "auth.login", "auth.second_factor", "auth.choose_password"}


@pytest.mark.filterwarnings("ignore")
def test_every_staff_form_posted_empty_says_what_is_wrong(sqlite_app, world):  # noqa: F811
    from webapp.extensions import limiter

    limiter.enabled = False
    try:
        admin = sqlite_app.test_client()
        login(admin, make_user("admin"))
        token = form_token(admin, "/staff/reports")
        routes = [rule for rule in sqlite_app.url_map.iter_rules()
                  if "POST" in rule.methods and rule.rule.startswith("/staff") and rule.endpoint not in NOT_FORMS]
        assert len(routes) > 30
        silent = []
        for rule in routes:
            url = url_for_rule(sqlite_app, rule, world)
            response = admin.post(url, data={"csrf_token": token}, headers={"Accept-Language": "sv"})
            if response.mimetype == "application/json" or response.status_code < 300 or response.status_code == 404:
                continue
            if response.status_code in (301, 302, 303):
                page = admin.get(response.headers["Location"], headers={"Accept-Language": "sv"})
                body = page.get_data(as_text=True)
            else:
                body = response.get_data(as_text=True)
            if response.status_code >= 500 or not MESSAGE.search(body):
                silent.append(f"{rule.endpoint} {response.status_code}")
        assert silent == [], "\n".join(silent)
    finally:
        limiter.enabled = True
