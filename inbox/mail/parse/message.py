"""The parsed message's data types (and the id and dedup helpers that need nothing else).

Imports no sibling module, like the stdlib's email/message.py: every other parse module may import
this one, and nothing here can start an import cycle."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None  # without <>
    inline: bool = False
    sha256: str | None = None  # set once the bytes are in attachment storage (a parse worker stores them)
    stored_size: int | None = None  # kept when data was dropped after storing

    @property
    def size(self) -> int:
        return self.stored_size if self.stored_size is not None else len(self.data)


@dataclass
class ParsedMessage:
    message_id: str | None = None  # without <>; None when the message has none
    in_reply_to: list[str] = field(default_factory=list)  # ids without <>
    references: list[str] = field(default_factory=list)
    from_name: str = ""
    from_email: str | None = None  # lower-cased
    to: list[tuple[str, str]] = field(default_factory=list)  # (name, email)
    cc: list[tuple[str, str]] = field(default_factory=list)
    reply_to: list[tuple[str, str]] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None  # aware UTC
    text: str = ""  # whole plain text (derived from HTML for HTML-only mail)
    html: str | None = None  # raw HTML as received, decoded to str
    # (sanitised HTML, truncated?) when a parse worker already ran inbox.sanitize.prepare_email_html
    # on `html`, so the single importing process does not pay for it; None: the importer does it
    html_prepared: tuple[str, bool] | None = None
    new_text: str = ""  # the reply without quoted history
    quoted_text: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case name -> first value, decoded
    is_auto_reply: bool = False
    is_bulk: bool = False
    is_bounce: bool = False
    bounced_message_ids: list[str] = field(default_factory=list)  # for bounces: ids of the original
    parse_error: str | None = None

    @property
    def all_refs(self) -> list[str]:
        seen, out = set(), []
        for ref in [*self.in_reply_to, *self.references]:
            if ref not in seen:
                seen.add(ref)
                out.append(ref)
        return out


_ID_RE = re.compile(r"<([^<>\s]+)>")
# Headers that differ between copies of one message (per delivery, per server); excluded from dedup.
_TRANSPORT = {
    "received",
    "return-path",
    "delivered-to",
    "x-original-to",
    "envelope-to",
    "x-received",
    "authentication-results",
    "arc-seal",
    "arc-message-signature",
    "arc-authentication-results",
    "received-spf",
    "x-spam-status",
    "x-spam-score",
    "x-spam-flag",
    "x-spam-level",
}


def dedup_key(raw: bytes, message_id: str | None) -> str:
    """Message-ID plus a hash of the content minus transport headers.

    Senders reuse Message-IDs (so the id alone is not enough) and the same message arrives with
    different Received headers (so the raw bytes alone are not enough).
    """
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    kept = []
    for line in re.split(rb"\r?\n(?![ \t])", head):
        name = line.split(b":", 1)[0].strip().lower().decode("latin-1")
        if name not in _TRANSPORT:
            kept.append(line.strip())
    digest = hashlib.sha256()
    digest.update((message_id or "").encode("utf-8", "replace") + b"\0")
    digest.update(b"\n".join(kept) + b"\0" + body.replace(b"\r\n", b"\n").rstrip())
    return digest.hexdigest()


def parse_ids(value: str | None) -> list[str]:
    if not value:
        return []
    ids = _ID_RE.findall(str(value))
    if not ids and str(value).strip():
        ids = [str(value).strip().strip("<>")]  # a bare id without brackets
    return ids
