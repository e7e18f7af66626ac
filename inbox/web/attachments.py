"""Attachment downloads and image previews.

Attachments are whatever a stranger mailed us, so they are never rendered as a page of ours:
downloads always carry ``Content-Disposition: attachment``, HTML/SVG/XML-like types are served as
application/octet-stream, and every response says ``nosniff`` with a CSP that forbids everything.
Inline display is limited to four raster image types.

The email body iframe is sandboxed without allow-same-origin, so its requests carry no SameSite
session cookie; its ``cid:`` images therefore use a signed, expiring URL (``cid_image_url``)
instead of the session.
"""
from __future__ import annotations

import io
import re

from flask import Blueprint, abort, current_app, send_file, url_for
from flask_login import login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .. import storage
from ..extensions import db
from ..models import Attachment
from ..access import attachment_or_404

bp = Blueprint("attachments", __name__)
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
# types a browser could run or render as a document of ours if it ever displayed them
_ACTIVE = re.compile(r"html|svg|xml|javascript|ecmascript|xsl|pdf|flash|multipart|message/", re.I)
CID_MAX_AGE = 7 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="inbox.cid-image")


def cid_image_url(att: Attachment) -> str:
    token = _serializer().dumps(att.id)
    return url_for("attachments.cid_image", attachment_id=att.id, token=token)


def safe_filename(name: str | None) -> str:
    name = re.sub(r"[\x00-\x1f\x7f/\\]+", "_", (name or "").strip()).strip(". ") or "attachment"
    return name[:200]


def download_type(content_type: str | None) -> str:
    ct = (content_type or "").split(";")[0].strip().lower()
    if not re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", ct) or _ACTIVE.search(ct) or ct.startswith("text/"):
        return "application/octet-stream" if not ct.startswith("text/plain") else "text/plain"
    return ct


def _harden(resp):
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


def _bytes(att: Attachment) -> bytes:
    try:
        return storage.read(att.sha256)
    except (FileNotFoundError, ValueError):
        abort(404)


@bp.get("/attachments/<int:attachment_id>/download")
@login_required
def download(attachment_id: int):
    att = attachment_or_404(attachment_id)
    resp = send_file(io.BytesIO(_bytes(att)), mimetype=download_type(att.content_type), as_attachment=True,
                     download_name=safe_filename(att.filename), max_age=0)
    return _harden(resp)


def _inline(att: Attachment):
    ct = (att.content_type or "").split(";")[0].strip().lower()
    if ct not in INLINE_TYPES:
        abort(404)
    resp = send_file(io.BytesIO(_bytes(att)), mimetype=ct, as_attachment=False,
                     download_name=safe_filename(att.filename), max_age=0)
    return _harden(resp)


@bp.get("/attachments/<int:attachment_id>/preview")
@login_required
def preview(attachment_id: int):
    return _inline(attachment_or_404(attachment_id))


@bp.get("/attachments/<int:attachment_id>/cid/<token>")
def cid_image(attachment_id: int, token: str):
    try:
        signed_id = _serializer().loads(token, max_age=CID_MAX_AGE)
    except BadSignature:
        abort(404)
    if signed_id != attachment_id:
        abort(404)
    att = db.session.get(Attachment, attachment_id)
    if att is None:
        abort(404)
    return _inline(att)


def is_previewable(att: Attachment) -> bool:
    return (att.content_type or "").split(";")[0].strip().lower() in INLINE_TYPES


def human_size(n: int | None) -> str:
    n = n or 0
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}".replace(".0 ", " ")
        n /= 1024
    return f"{n} GB"


def init_app(app) -> None:
    app.jinja_env.filters["filesize"] = human_size
    app.jinja_env.globals["is_previewable"] = is_previewable
