"""Accounts: creating users, checking passwords and one-time codes, roles. No request in here."""
from __future__ import annotations

import hashlib
import hmac
import io
import secrets

import pyotp
import segno
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, String, column, func, or_, select, table, update
from werkzeug.security import check_password_hash, generate_password_hash

from webapp import audit
from webapp.auth.models import User
from webapp.auth.roles import ADMIN, CASE_OFFICER, CREW, ROLES
from webapp.extensions import db
from webapp.municipality import current_municipality
from webapp.timeutil import utcnow

MIN_PASSWORD = 10
# Compared against when the e-mail is unknown, so that a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000")


def _hash_password(password: str) -> str:
    """Werkzeug's default (scrypt). PASSWORD_HASH_METHOD is a knob for the tests only (tests/conftest.py sets a
    cheap one so that creating and logging in users does not dominate the suite); it is read from no environment
    variable, so a deployed app always uses the default."""
    method = current_app.config.get("PASSWORD_HASH_METHOD")
    return generate_password_hash(password, method=method) if method else generate_password_hash(password)


# The departments table belongs to the reports domain (above this one): read here through a light table
# reference, only to check a code and to find the default one.
_department = table("department", column("code", String), column("active", Boolean))


class AccountError(ValueError):
    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise AccountError("email", _l("That does not look like an e-mail address.")) from None


def user_by_email(email: str) -> User | None:
    return db.session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()


def department_codes(*, active_only: bool = True) -> list[str]:
    """The codes of the kommun's departments (by default only those not retired), as the database holds them."""
    query = select(_department.c.code).order_by(_department.c.code)
    if active_only:
        query = query.where(_department.c.active.is_(True))
    return list(db.session.execute(query).scalars())


def default_department() -> str | None:
    """The municipality's default department, when the database has it and it is not retired."""
    code = current_municipality().default_department
    return code if code and code in department_codes() else None


def _check_department(department: str | None) -> None:
    if department and department not in department_codes():
        raise AccountError("department", _l("Unknown department."))


def create_user(email: str, name: str, *, password: str, role: str, department: str | None = None,
                actor: str = "system") -> User:
    """Create an active staff account. Refuses unknown roles and departments, weak passwords and taken e-mails.
    A case officer or crew member given no department belongs to the municipality's default one."""
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError("role", _l("Unknown role."))
    if len(password) < MIN_PASSWORD:
        raise AccountError("password", _l("The password must be at least %(n)d characters.", n=MIN_PASSWORD))
    if user_by_email(email):
        raise AccountError("email", _l("There is already an account with that e-mail address."))
    _check_department(department)
    if role in (CASE_OFFICER, CREW) and not department:
        department = default_department()
    user = User(email=email, name=name.strip() or email, password_hash=_hash_password(password),
                role=role, department_code=department, active=True)
    db.session.add(user)
    db.session.flush()
    audit.record("user", user.id, "created", actor, role=role, department=department)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (in the same time either way)."""
    user = user_by_email(email or "")
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


def password_is_right(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password or "")


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    audit.record("user", user.id, "login", user.email)
    db.session.flush()


def is_last_active_admin(user: User) -> bool:
    """True when no other active administrator is left besides this one."""
    if user.role != ADMIN or not user.active:
        return False
    others = db.session.execute(select(func.count(User.id)).where(
        User.role == ADMIN, User.active.is_(True), User.id != user.id)).scalar_one()
    return others == 0


def change_account(user: User, actor: str, *, role: str | None = None, department: str | None = None,
                   active: bool | None = None, name: str | None = None, work_kinds: list[str] | None = None) -> dict:
    """Change an account and flush; returns what changed. A change of role, department or whether it is active
    ends the user's sessions. Refuses to disable or demote the last active administrator (nobody could then
    manage accounts without SQL), unknown roles and unknown or retired departments."""
    if role is not None and role != user.role and role not in ROLES:
        raise AccountError("role", _l("Unknown role."))
    if ((role is not None and role != user.role) or active is False) and is_last_active_admin(user):
        raise AccountError("role", _l("This is the last active administrator: make another one first."))
    if department and department != (user.department_code or ""):
        _check_department(department)
    changes = {}
    if role is not None and role != user.role:
        changes["role"] = [user.role, role]
        user.role = role
    if department is not None and department != (user.department_code or ""):
        changes["department"] = [user.department_code, department or None]
        user.department_code = department or None
    if active is not None and active != user.active:
        changes["active"] = [user.active, active]
        user.active = active
    if name is not None and name.strip() and name.strip() != user.name:
        changes["name"] = [user.name, name.strip()]
        user.name = name.strip()
    if work_kinds is not None and sorted(work_kinds) != sorted(user.work_kinds or []):
        changes["work_kinds"] = [user.work_kinds or [], sorted(work_kinds)]
        user.work_kinds = sorted(work_kinds) or None
    if changes.keys() & {"role", "department", "active"}:
        # What the user may do changed: sessions opened under the old rights end (a disabled user everywhere).
        user.session_epoch += 1
    if changes:
        audit.record("user", user.id, "updated", actor, **changes)
    db.session.flush()
    return changes


def update_user(user: User, actor: str, **settings) -> None:
    """change_account, flushed (the admin page's save; the request commits)."""
    change_account(user, actor, **settings)
    db.session.flush()


def end_sessions(user: User, actor: str) -> None:
    """Log the user out everywhere: every session cookie issued so far, copies included, stops working."""
    user.session_epoch += 1
    audit.record("user", user.id, "logout", actor)
    db.session.flush()


def set_password(user: User, password: str, actor: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("password", _l("The password must be at least %(n)d characters.", n=MIN_PASSWORD))
    user.password_hash = _hash_password(password)
    user.session_epoch += 1
    audit.record("user", user.id, "password_changed", actor)
    db.session.flush()


def reset_password(user: User, actor: str, password: str | None = None) -> str:
    """Give the account a new password and end its sessions; returns the password, to be handed over once. None
    given: a random one-time password, which the user must replace with their own at the next login. Flushes."""
    one_time = not password
    password = password or secrets.token_urlsafe(12)
    if len(password) < MIN_PASSWORD:
        raise AccountError("password", _l("The password must be at least %(n)d characters.", n=MIN_PASSWORD))
    user.password_hash = _hash_password(password)
    user.password_must_change = one_time
    user.session_epoch += 1
    audit.record("user", user.id, "password_reset", actor, one_time=one_time)
    db.session.flush()
    return password


def choose_password(user: User, current: str, new: str, actor: str) -> None:
    """The user replaces a one-time password with their own: the current one must be right and the new one
    different and long enough. Ends the user's other sessions. Flushes."""
    if not password_is_right(user, current):
        raise AccountError("current_password", _l("The password is not right."))
    if len(new or "") < MIN_PASSWORD:
        raise AccountError("password", _l("The password must be at least %(n)d characters.", n=MIN_PASSWORD))
    if new == current:
        raise AccountError("password", _l("Choose a password other than the one-time password."))
    user.password_hash = _hash_password(new)
    user.password_must_change = False
    user.session_epoch += 1
    audit.record("user", user.id, "password_changed", actor)
    db.session.flush()


def reset_second_factor(user: User, actor: str) -> None:
    """Turn two-factor authentication off for a user who lost their phone: the secret and recovery codes are
    gone, sessions end, and the next login enrols again (an administrator must). Flushes."""
    user.totp_secret = None
    user.totp_enabled = False
    user.totp_last_step = None
    user.recovery_codes = []
    user.session_epoch += 1
    audit.record("user", user.id, "2fa_reset", actor)
    db.session.flush()


def all_users() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.role, User.name)).scalars())


# Two-factor authentication (TOTP, RFC 6238)

def needs_second_factor(user: User) -> bool:
    return user.totp_enabled


def must_enrol(user: User) -> bool:
    """Administrators may not work without two-factor authentication."""
    return user.role == ADMIN and not user.totp_enabled


def new_secret() -> str:
    """A new TOTP secret; it replaces the user's only once a code from it is confirmed."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_municipality().totp_issuer)


def qr_svg(uri: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False, svgns=True,
                                   title="QR code")
    return out.getvalue().decode()


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _matching_step(secret: str | None, code: str | None) -> int | None:
    """The time step (now, or one either side for a slow phone clock) whose code this is, or None."""
    if not secret or not code:
        return None
    code = code.replace(" ", "").strip()
    totp = pyotp.TOTP(secret)
    if len(code) != totp.digits or not code.isdigit():
        return None
    now = totp.timecode(utcnow())
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(user: User, step: int) -> bool:
    """Record `step` as the user's last accepted one if it is newer, in one statement: of two requests with the
    same code (a replay, or two at once), exactly one wins."""
    claimed = db.session.execute(
        update(User).where(User.id == user.id,
                           or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    db.session.flush()
    db.session.refresh(user)
    return claimed.rowcount == 1


def verify_totp(user: User, code: str) -> bool:
    """True once for each right code: a code (or an older one) that was accepted before is refused."""
    if not user.totp_enabled:
        return False
    step = _matching_step(user.totp_secret, code)
    return step is not None and _claim_step(user, step)


def confirm_enrolment(user: User, secret: str, code: str, actor: str) -> list[str]:
    """Turn 2FA on once a code from the new secret is right. Returns ten recovery codes, shown once. The
    confirming code is used up: it cannot log in a second time."""
    step = _matching_step(secret, code)
    if step is None:
        raise AccountError("code", _l("The code is not right. Check the time on your phone and try again."))
    user.totp_secret = secret
    user.totp_last_step = step
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(10)]
    user.recovery_codes = [_hash_code(c) for c in codes]
    user.totp_enabled = True
    user.session_epoch += 1
    audit.record("user", user.id, "2fa_enabled", actor)
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    hashed = _hash_code(code or "")
    if hashed not in (user.recovery_codes or []):
        return False
    user.recovery_codes = [c for c in user.recovery_codes if c != hashed]
    audit.record("user", user.id, "recovery_code_used", user.email, left=len(user.recovery_codes))
    db.session.flush()
    return True


def verify_second_factor(user: User, code: str) -> bool:
    return verify_totp(user, code) or use_recovery_code(user, code)
