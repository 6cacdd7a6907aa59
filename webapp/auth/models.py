from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from webapp.auth.roles import allowed
from webapp.extensions import db
from webapp.timeutil import utcnow


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(30))
    department_code: Mapped[Optional[str]] = mapped_column(ForeignKey("department.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[Optional[str]] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The time step (30 s) of the last one-time code accepted: that code, and older ones, never work again.
    totp_last_step: Mapped[Optional[int]] = mapped_column(BigInteger)
    # SHA-256 hashes of the unused recovery codes.
    recovery_codes: Mapped[list] = mapped_column(JSON, default=list)
    # Changes at logout and when the password, 2FA, role or department changes or the account is disabled:
    # every session (and every copied cookie) of the user stops working.
    session_epoch: Mapped[int] = mapped_column(default=0)
    # A crew member's kinds of work (work order kinds); none: every kind of their department.
    work_kinds: Mapped[Optional[list]] = mapped_column(JSON)
    # Set by a one-time password (`flask users reset-password`): every staff page asks for a new one first.
    password_must_change: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def can(self, permission: str) -> bool:
        return allowed(self.role, permission)


class ApiClient(db.Model):
    """A system allowed to submit reports through Open311. Only a hash of its key is stored."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, so that staff can tell keys apart.
    key_prefix: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
