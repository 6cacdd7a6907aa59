"""Logging in and out, and two-factor enrolment. Every other staff page is behind access.require."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from webapp.auth import services
from webapp.auth.forms import CodeForm, LoginForm
from webapp.auth.models import User
from webapp.auth.roles import HOME
from webapp.extensions import db, limiter, login_manager

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


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _finish_login(user: User):
    session.pop("pending_user", None)
    login_user(user)
    session.permanent = False
    services.record_login(user)
    if services.must_enrol(user):
        return redirect(url_for("auth.setup_2fa"))
    return redirect(_safe_next(session.pop("next", None)) or url_for(HOME.get(user.role, "staff.home")))


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(HOME.get(current_user.role, "staff.home")))
    form = LoginForm()
    if request.method == "GET" and _safe_next(request.args.get("next")):
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
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/2fa", methods=["GET", "POST"])
@login_required
def setup_2fa():
    """Enrol (or re-enrol) an authenticator app. The new secret waits in the session until confirmed."""
    form = CodeForm()
    secret = session.get("totp_pending")
    if form.validate_on_submit() and secret:
        try:
            codes = services.confirm_enrolment(current_user, secret, form.code.data, current_user.email)
        except services.AccountError as exc:
            form.code.errors.append(exc.message)
        else:
            session.pop("totp_pending", None)
            login_user(current_user._get_current_object())  # the session epoch changed with the new factor
            return render_template("auth/recovery_codes.html", codes=codes)
    if not secret or request.method == "GET":
        secret = session["totp_pending"] = services.new_secret()
    uri = services.provisioning_uri(current_user, secret)
    return render_template("auth/setup_2fa.html", form=form, qr=services.qr_svg(uri), secret=secret,
                           required=services.must_enrol(current_user),
                           enabled=current_user.totp_enabled), 400 if form.errors else 200
