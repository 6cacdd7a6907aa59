"""The one gate in front of every staff page: logged in, allowed by role, and admins with 2FA."""
from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from webapp.auth import services
from webapp.extensions import login_manager


def require(permission: str):
    """Anonymous: to the login page. Logged in without the permission: 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.password_must_change:
                return redirect(url_for("auth.choose_password"))
            if services.must_enrol(current_user) and request.endpoint != "auth.setup_2fa":
                return redirect(url_for("auth.setup_2fa"))
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = permission
        return wrapped

    return decorator


def actor() -> str:
    """How the audit log names the logged-in user."""
    return current_user.email if current_user.is_authenticated else "anonymous"
