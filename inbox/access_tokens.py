"""Personal access tokens for the REST API: made, checked and revoked here (the CLI, the profile
page and the API all come here). A token acts as its user and never more: the API checks every
object through inbox.access with the token's user, and the token's scopes can only narrow that."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from .extensions import db
from .i18n import gettext as _
from .models import ApiToken, User, utcnow

PREFIX = "inbox_pat_"
SCOPES = ("conversations:read", "conversations:write", "customers:read", "customers:write", "admin")
DEFAULT_SCOPES = ("conversations:read", "conversations:write", "customers:read", "customers:write")
# last_used_at is written at most this often, so a busy script does not write on every request
LAST_USED_EVERY = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create(user: User, name: str, scopes=None, expires_days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for user and its secret, which exists only in this return value (shown once).
    The caller commits. ValueError for an unknown scope, `admin` for a non-admin, or no name."""
    name = (name or "").strip()
    if not name:
        raise ValueError(_("a token needs a name"))
    scopes = sorted(set(scopes or DEFAULT_SCOPES))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(
            _("unknown scope %(scope)s; choose from %(choices)s", scope=repr(unknown[0]), choices=", ".join(SCOPES))
        )
    if "admin" in scopes and not user.is_admin:
        raise ValueError(_("only an admin's token can have the admin scope"))
    if expires_days is not None and expires_days <= 0:
        raise ValueError(_("a token must live at least one day"))
    raw = PREFIX + secrets.token_urlsafe(32)  # 32 random bytes
    token = ApiToken(
        user_id=user.id,
        user=user,
        name=name[:120],
        token_hash=_digest(raw),
        prefix=raw[:14],
        scopes=scopes,
        expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None,
    )
    db.session.add(token)
    db.session.flush()
    return token, raw


def authenticate(raw: str, now: datetime | None = None) -> ApiToken | None:
    """The live token with this secret (not revoked, not expired, its user active), else None.
    Marks it used (at most once a minute); the caller's request commits or this commits itself."""
    if not raw or not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = db.session.execute(db.select(ApiToken).where(ApiToken.token_hash == _digest(raw))).scalar_one_or_none()
    now = now or utcnow()
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at and token.expires_at <= now)
        or not token.user.active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        db.session.execute(db.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return token


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.execute(
            db.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        ).scalars()
    )


def revoke(token: ApiToken) -> bool:
    """Revoke (idempotent; the row stays for the record). The caller commits."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    return True


def has_scope(token: ApiToken, scope: str) -> bool:
    """`admin` implies every scope, `…:write` implies `…:read`."""
    granted = set(token.scopes or ())
    if "admin" in granted or scope in granted:
        return True
    return scope.endswith(":read") and scope.replace(":read", ":write") in granted
