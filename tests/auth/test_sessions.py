"""Staff sessions end when they should: at logout (copied cookies too), when rights change, after a pause, and a
one-time code logs in once."""
import re
import time

import pyotp
import pytest

from tests.factories import PASSWORD, form_token, login, make_user, totp_code
from webapp.auth import services as accounts
from webapp.extensions import db


def _copy_cookies(source, target) -> None:
    """What someone who got hold of the browser's cookies would do."""
    for cookie in source._cookies.values():
        target.set_cookie(cookie.decoded_key, cookie.decoded_value, domain=cookie.domain, path=cookie.path,
                          origin_only=cookie.origin_only)


def _logged_in(client) -> bool:
    response = client.get("/staff/")
    return response.status_code in (200, 302) and "/staff/login" not in response.headers.get("Location", "")


def test_a_copied_cookie_stops_working_at_logout(sqlite_app):
    user = make_user("case_officer")
    officer = sqlite_app.test_client()
    login(officer, user)
    thief = sqlite_app.test_client()
    _copy_cookies(officer, thief)
    assert _logged_in(thief)  # the copy works while the session lasts...

    officer.post("/staff/logout", data={"csrf_token": form_token(officer, "/staff/reports")})
    assert not _logged_in(officer)
    response = thief.get("/staff/reports")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]  # ...and not after


@pytest.mark.parametrize("change", ["role", "department", "password", "disable"])
def test_changing_rights_or_password_ends_every_session(sqlite_app, change):
    user = make_user("case_officer", department="TS")
    officer = sqlite_app.test_client()
    login(officer, user)
    assert _logged_in(officer)
    if change == "role":
        accounts.update_user(user, "admin@landskrona.se", role="communications")
    elif change == "department":
        accounts.update_user(user, "admin@landskrona.se", department="SB")
    elif change == "password":
        accounts.set_password(user, "ett-helt-nytt-losenord", "admin@landskrona.se")
    else:
        accounts.update_user(user, "admin@landskrona.se", active=False)
    assert not _logged_in(officer)


def test_renaming_a_user_keeps_their_session(sqlite_app):
    user = make_user("case_officer")
    officer = sqlite_app.test_client()
    login(officer, user)
    accounts.update_user(user, "admin@landskrona.se", name="Nytt Namn")
    assert _logged_in(officer)


def _age(client, idle_minutes: float = 0, since_login_hours: float = 0) -> None:
    """Let time pass for the session: its times live in the signed cookie."""
    now = int(time.time())
    with client.session_transaction() as session:
        session["seen_at"] = now - int(idle_minutes * 60)
        session["login_at"] = now - int(max(since_login_hours * 3600, idle_minutes * 60))


@pytest.mark.parametrize("role, idle_minutes, still_in", [
    ("case_officer", 50, True), ("case_officer", 61, False),
    ("lighting_planner", 61, False),
    ("crew", 61, True), ("crew", 9 * 60, True), ("crew", 10 * 60 + 1, False),
    ("field_reporter", 3 * 60, True),
])
def test_a_session_ends_after_a_pause(sqlite_app, role, idle_minutes, still_in):
    client = sqlite_app.test_client()
    login(client, make_user(role, department="TS" if role in ("crew", "case_officer") else None))
    _age(client, idle_minutes=idle_minutes)
    response = client.get("/staff/")
    if still_in:
        assert "/staff/login" not in response.headers.get("Location", "")
    else:
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
        page = client.get(response.headers["Location"], headers={"Accept-Language": "sv"}).get_data(as_text=True)
        assert "utloggad" in page.lower()


def test_a_session_ends_after_a_working_day_however_busy(sqlite_app):
    client = sqlite_app.test_client()
    login(client, make_user("crew", department="TS"))
    _age(client, idle_minutes=1, since_login_hours=12.5)
    assert not _logged_in(client)


def test_a_cookie_without_session_times_is_not_accepted(sqlite_app):
    """A cookie made before sessions had times (or crafted without them) is treated as ended."""
    client = sqlite_app.test_client()
    login(client, make_user("case_officer"))
    with client.session_transaction() as session:
        session.pop("seen_at")
    assert not _logged_in(client)


def test_an_active_session_renews_its_idle_time(sqlite_app):
    client = sqlite_app.test_client()
    login(client, make_user("case_officer"))
    _age(client, idle_minutes=50)
    assert _logged_in(client)
    with client.session_transaction() as session:
        assert int(time.time()) - session["seen_at"] < 5  # the request counted as activity


def _second_factor(client, user, code):
    client.post("/staff/login", data={"csrf_token": form_token(client, "/staff/login"), "email": user.email,
                                      "password": PASSWORD})
    return client.post("/staff/login/code", data={"csrf_token": form_token(client, "/staff/login/code"),
                                                  "code": code})


def test_a_one_time_code_logs_in_once(sqlite_app):
    user = make_user("case_officer", totp=True)
    code = totp_code(user)
    first = sqlite_app.test_client()
    assert _second_factor(first, user, code).status_code == 302
    assert _logged_in(first)

    replay = sqlite_app.test_client()
    response = _second_factor(replay, user, code)
    assert response.status_code == 400 and not _logged_in(replay)
    # An older code (the one before it) is refused too; the phone's next code works.
    db.session.refresh(user)
    older = pyotp.TOTP(user.totp_secret).generate_otp(user.totp_last_step - 1)
    assert _second_factor(sqlite_app.test_client(), user, older).status_code == 400
    assert _second_factor(sqlite_app.test_client(), user, totp_code(user)).status_code == 302


def test_the_code_that_turned_two_factor_on_cannot_log_in(sqlite_app):
    user = make_user("case_officer")
    client = sqlite_app.test_client()
    login(client, user)
    page = client.get("/staff/account/2fa").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    code = pyotp.TOTP(secret).now()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    done = client.post("/staff/account/2fa", data={"csrf_token": token, "code": code})
    assert done.status_code == 200
    assert _second_factor(sqlite_app.test_client(), user, code).status_code == 400


def test_replacing_the_authenticator_asks_for_the_password_and_a_current_code(sqlite_app):
    user = make_user("case_officer", totp=True)
    old_secret = user.totp_secret
    client = sqlite_app.test_client()
    login(client, user)
    page = client.get("/staff/account/2fa", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert 'name="password"' in page and 'name="current_code"' in page
    new_secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def attempt(**fields):
        return client.post("/staff/account/2fa", headers={"Accept-Language": "sv"},
                           data={"csrf_token": token, "code": pyotp.TOTP(new_secret).now(), **fields})

    # Someone at an unlocked computer has neither the password nor the phone.
    for fields in ({}, {"password": "fel-losenord-123", "current_code": totp_code(user)},
                   {"password": PASSWORD, "current_code": "000000"}):
        response = attempt(**fields)
        assert response.status_code == 400
        db.session.refresh(user)
        assert user.totp_secret == old_secret
    assert "Lösenordet stämmer inte" in attempt(password="fel-losenord-123",
                                                current_code=totp_code(user)).get_data(as_text=True)

    response = attempt(password=PASSWORD, current_code=totp_code(user))
    assert response.status_code == 200 and len(re.findall(r"<li><code>", response.get_data(as_text=True))) == 10
    db.session.refresh(user)
    assert user.totp_secret == new_secret
