"""Logging in and out, and two-factor enrolment. Every other staff page is behind access.require."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from webapp.auth import services
from webapp.auth.forms import ChoosePasswordForm, CodeForm, LoginForm, ReenrolForm
from webapp.auth.models import User
from webapp.auth.roles import FIELD_ROLES, HOME
from webapp.extensions import db, limiter, login_manager
from webapp.urls import safe_next

bp = Blueprint("auth", __name__, url_prefix="/staff")

login_manager.login_view = "auth.login"
login_manager.login_message = None


@login_manager.user_loader
def load_user(user_id: str):
    try:
        ident, epoch = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, ident)
    if user is None or user.session_epoch != epoch:
        return None
    return user


def _finish_login(user: User):
    session.pop("pending_user", None)
    next_page = session.pop("next", None)
    login_user(user)
    session.permanent = False
    session["login_at"] = session["seen_at"] = int(time.time())
    services.record_login(user)
    if user.password_must_change:
        return redirect(url_for("auth.choose_password"))
    if services.must_enrol(user):
        return redirect(url_for("auth.setup_2fa"))
    return redirect(safe_next(next_page) or url_for(HOME.get(user.role, "staff.home")))


def _idle_limit(user: User) -> int:
    """Seconds without a request before a staff session ends."""
    minutes = current_app.config["FIELD_IDLE_MINUTES"] if user.role in FIELD_ROLES \
        else current_app.config["STAFF_IDLE_MINUTES"]
    return minutes * 60


@bp.before_app_request
def end_stale_sessions():
    """A staff session ends after a while without requests and after STAFF_SESSION_HOURS in any case; the times
    live in the signed session cookie, so a copied old cookie is as stale as the original."""
    if "_user_id" not in session or not current_user.is_authenticated:
        return None
    now = int(time.time())
    login_at, seen_at = session.get("login_at"), session.get("seen_at")
    if not isinstance(login_at, int) or not isinstance(seen_at, int) \
            or now - login_at > current_app.config["STAFF_SESSION_HOURS"] * 3600 \
            or now - seen_at > _idle_limit(current_user):
        logout_user()
        session.clear()
        flash(_("You were logged out after a while without activity. Log in again to continue."), "info")
        return None
    if now - seen_at >= 60:  # the cookie is rewritten at most once a minute
        session["seen_at"] = now
    return None


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(HOME.get(current_user.role, "staff.home")))
    form = LoginForm()
    if request.method == "GET" and safe_next(request.args.get("next")):
        session["next"] = request.args["next"]
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong e-mail or password, or the account is disabled."))
            return render_template("auth/login.html", form=form), 400
        if services.needs_second_factor(user):
            session["pending_user"] = user.get_id()
            return redirect(url_for("auth.second_factor"))
        return _finish_login(user)
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def second_factor():
    user = load_user(session.get("pending_user", ""))
    if user is None or not user.active:
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if services.verify_second_factor(user, form.code.data):
            return _finish_login(user)
        form.code.errors.append(_("The code is not right. Check the time on your phone and try again."))
    return render_template("auth/code.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.end_sessions(current_user._get_current_object(), current_user.email)
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/2fa", methods=["GET", "POST"])
@login_required
def setup_2fa():
    """Enrol (or re-enrol) an authenticator app. The new secret waits in the session until confirmed."""
    enabled = current_user.totp_enabled
    form = ReenrolForm() if enabled else CodeForm()
    secret = session.get("totp_pending")
    if form.validate_on_submit() and secret:
        try:
            if enabled:  # replacing the authenticator asks for what only the account's owner has
                _check_owner(current_user, form)
            codes = services.confirm_enrolment(current_user, secret, form.code.data, current_user.email)
        except services.AccountError as exc:
            getattr(form, exc.field).errors.append(exc.message)
        else:
            session.pop("totp_pending", None)
            login_user(current_user._get_current_object())  # the session epoch changed with the new factor
            return render_template("auth/recovery_codes.html", codes=codes)
    if not secret or request.method == "GET":
        secret = session["totp_pending"] = services.new_secret()
    uri = services.provisioning_uri(current_user, secret)
    return render_template("auth/setup_2fa.html", form=form, qr=services.qr_svg(uri), secret=secret,
                           required=services.must_enrol(current_user),
                           enabled=enabled), 400 if form.errors else 200


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def choose_password():
    """After a one-time password: the user chooses their own before any other staff page."""
    if not current_user.password_must_change:
        return redirect(url_for(HOME.get(current_user.role, "staff.home")))
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.choose_password(user, form.current_password.data, form.password.data, user.email)
        except services.AccountError as exc:
            getattr(form, exc.field).errors.append(exc.message)
        else:
            login_user(user)  # the session epoch changed with the password
            flash(_("Your password was changed."), "info")
            if services.must_enrol(user):
                return redirect(url_for("auth.setup_2fa"))
            return redirect(url_for(HOME.get(user.role, "staff.home")))
    return render_template("auth/choose_password.html", form=form), 400 if form.errors else 200


def _check_owner(user: User, form: ReenrolForm) -> None:
    if not services.password_is_right(user, form.password.data):
        raise services.AccountError("password", _("The password is not right."))
    if not services.verify_second_factor(user, form.current_code.data):
        raise services.AccountError("current_code", _("The code is not right. Check the time on your phone and "
                                                      "try again."))
