"""Attachment bytes on disk under ATTACHMENTS_DIR, addressed by SHA-256 (stored once, however often sent)."""

from __future__ import annotations

import hashlib
import os
import tempfile

from flask import current_app


def _root() -> str:
    return current_app.config["ATTACHMENTS_DIR"]


def path_for(sha256: str) -> str:
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise ValueError("not a sha256 digest")
    return os.path.join(_root(), sha256[:2], sha256[2:4], sha256)


def store(data: bytes) -> str:
    """Write data once (atomically) and return its digest."""
    digest = hashlib.sha256(data).hexdigest()
    path = path_for(digest)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return digest


def read(sha256: str) -> bytes:
    with open(path_for(sha256), "rb") as f:
        return f.read()
