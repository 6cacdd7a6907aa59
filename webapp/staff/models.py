"""The inbox's saved views: a name and the inbox's filter query, kept for one person or shared."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.extensions import db
from webapp.timeutil import utcnow

# Who sees a saved view besides its owner: nobody, the owner's department, or all staff with the inbox.
VIEW_SCOPES = ("personal", "department", "all")


class SavedView(db.Model):
    __tablename__ = "saved_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    # The inbox's query string as the inbox writes it (webapp/staff/presenters.py canonical_query).
    query: Mapped[str] = mapped_column(String(2000))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(20), default="personal")
    # For scope "department": the owner's department when the view was shared.
    department_code: Mapped[Optional[str]] = mapped_column(ForeignKey("department.code"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    owner: Mapped[User] = relationship()
