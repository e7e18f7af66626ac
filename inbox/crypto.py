"""Secrets at rest (IMAP/SMTP passwords, plugin secrets) and signed tokens.

The Fernet key comes from ENCRYPTION_KEY (instance config or INBOX_ENCRYPTION_KEY); without one it
is derived from SECRET_KEY, so rotating SECRET_KEY alone makes stored passwords unreadable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from .logging_setup import register_secret


def _fernet() -> Fernet:
    key = current_app.config.get("ENCRYPTION_KEY")
    if not key:
        digest = hashlib.sha256(b"inbox-at-rest:" + current_app.config["SECRET_KEY"].encode()).digest()
        key = base64.urlsafe_b64encode(digest)
    return Fernet(key)


def encrypt(clear: str) -> str:
    return _fernet().encrypt(clear.encode()).decode()


def decrypt(token: str) -> str:
    try:
        clear = _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("stored secret cannot be decrypted: was SECRET_KEY or ENCRYPTION_KEY changed?") from None
    register_secret(clear)
    return clear


def sign(value: str, purpose: str, length: int = 16) -> str:
    """A short hex HMAC of value; purpose keeps signatures for different uses apart."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:length]


def verify(value: str, signature: str, purpose: str, length: int = 16) -> bool:
    return hmac.compare_digest(sign(value, purpose, length), signature or "")
