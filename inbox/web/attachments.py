"""Attachment downloads and image previews.

Attachments are whatever a stranger mailed us, so they are never rendered as a page of ours:
downloads always carry ``Content-Disposition: attachment``, HTML/SVG/XML-like types are served as
application/octet-stream, and every response says ``nosniff`` with a CSP that forbids everything.
Inline display is limited to four raster image types.

The email body iframe is sandboxed with allow-same-origin but without scripts, so its ``cid:``
images are plain preview URLs: they carry the session cookie and pass the same access check as
every other attachment (there are no bearer URLs that outlive a session or a revoked access).
"""

from __future__ import annotations

import io
import re

from flask import Blueprint, abort, send_file
from flask_login import login_required

from .. import storage
from ..access import attachment_or_404
from ..i18n.formatting import format_filesize
from ..models import Attachment

bp = Blueprint("attachments", __name__)
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
# types a browser could run or render as a document of ours if it ever displayed them
_ACTIVE = re.compile(r"html|svg|xml|javascript|ecmascript|xsl|pdf|flash|multipart|message/", re.I)


def safe_filename(name: str | None) -> str:
    name = re.sub(r"[\x00-\x1f\x7f/\\]+", "_", (name or "").strip()).strip(". ") or "attachment"
    return name[:200]


def download_type(content_type: str | None) -> str:
    ct = (content_type or "").split(";")[0].strip().lower()
    if not re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", ct) or _ACTIVE.search(ct) or ct.startswith("text/"):
        return "application/octet-stream" if not ct.startswith("text/plain") else "text/plain"
    return ct


def harden(resp):
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
    resp = send_file(
        io.BytesIO(_bytes(att)),
        mimetype=download_type(att.content_type),
        as_attachment=True,
        download_name=safe_filename(att.filename),
        max_age=0,
    )
    return harden(resp)


def _inline(att: Attachment):
    ct = (att.content_type or "").split(";")[0].strip().lower()
    if ct not in INLINE_TYPES:
        abort(404)
    resp = send_file(
        io.BytesIO(_bytes(att)), mimetype=ct, as_attachment=False, download_name=safe_filename(att.filename), max_age=0
    )
    return harden(resp)


@bp.get("/attachments/<int:attachment_id>/preview")
@login_required
def preview(attachment_id: int):
    return _inline(attachment_or_404(attachment_id))


def is_previewable(att: Attachment) -> bool:
    return (att.content_type or "").split(";")[0].strip().lower() in INLINE_TYPES


def init_app(app) -> None:
    app.jinja_env.filters["filesize"] = format_filesize  # in the viewer's locale
    app.jinja_env.globals["is_previewable"] = is_previewable
