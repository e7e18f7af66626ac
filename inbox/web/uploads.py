"""Reading uploaded attachments, one rule for every face (agent editor and customer portal): the
request's files under the form field "attachments", MAX_ATTACHMENT_BYTES for all of them together
(the same limit outgoing mail has), read no further than the limit."""

from __future__ import annotations

from flask import current_app, request

from ..i18n import gettext as _

Upload = tuple[str, str, bytes]  # (filename, content type, data)


class UploadError(ValueError):
    """Too much to attach; the message is for the person who uploaded."""


def read_uploads(field: str = "attachments") -> list[Upload]:
    """The request's files, within MAX_ATTACHMENT_BYTES in total; UploadError otherwise."""
    limit = int(current_app.config.get("MAX_ATTACHMENT_BYTES") or 0)
    out, total = [], 0
    for f in request.files.getlist(field):
        if not f or not f.filename:
            continue
        data = f.stream.read(limit - total + 1) if limit else f.stream.read()
        total += len(data)
        if limit and total > limit:
            raise UploadError(
                _(
                    "“%(name)s” is too large: attachments may be at most %(mb)s MB in total.",
                    name=f.filename,
                    mb=format(limit / (1024 * 1024), "g"),
                )
            )
        out.append((f.filename, f.mimetype or "application/octet-stream", data))
    return out
