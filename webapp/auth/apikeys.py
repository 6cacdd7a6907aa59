"""Keys of the systems allowed to submit reports through Open311: only a hash of each key is stored."""
from __future__ import annotations

import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp import audit
from webapp.auth.models import ApiClient
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.timeutil import utcnow


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(name: str, actor: str) -> tuple[ApiClient, str]:
    """A new client with a new key. The key is returned once and only its hash is kept."""
    name = (name or "").strip()
    if not name:
        raise InputRefused("name", _l("Give the client a name."))
    if db.session.execute(select(ApiClient).where(ApiClient.name == name)).scalar_one_or_none():
        raise InputRefused("name", _l("There is already a client with that name."))
    key = "tk_" + secrets.token_urlsafe(30)
    client = ApiClient(name=name, key_hash=_hash(key), key_prefix=key[:10], created_by=actor)
    db.session.add(client)
    db.session.flush()
    audit.record("api_client", client.id, "created", actor, name=name)
    db.session.flush()
    return client, key


def revoke_key(client: ApiClient, actor: str) -> None:
    client.active = False
    client.revoked_at = utcnow()
    audit.record("api_client", client.id, "revoked", actor)
    db.session.flush()


def client_for_key(key: str | None) -> ApiClient | None:
    if not key or len(key) > 200:
        return None
    return db.session.execute(select(ApiClient).where(ApiClient.key_hash == _hash(key),
                                                      ApiClient.active.is_(True))).scalar_one_or_none()


def clients() -> list[ApiClient]:
    return list(db.session.execute(select(ApiClient).order_by(ApiClient.created_at)).scalars())
