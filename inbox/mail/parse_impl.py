"""The parsing work behind parse_message (a first, simple version)."""
from __future__ import annotations

import email
import email.policy
import email.utils
from datetime import timezone

from .parse import ParsedAttachment, ParsedMessage, parse_ids


def _addr_list(values) -> list[tuple[str, str]]:
    out = []
    for name, addr in email.utils.getaddresses([str(v) for v in values if v]):
        if addr:
            out.append((name, addr.lower()))
    return out


def parse_into(raw: bytes, p: ParsedMessage) -> None:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for key in msg.keys():
        p.headers.setdefault(key.lower(), str(msg.get(key, "")))
    ids = parse_ids(msg.get("Message-ID"))
    p.message_id = ids[0] if ids else None
    p.in_reply_to = parse_ids(msg.get("In-Reply-To"))
    p.references = parse_ids(msg.get("References"))
    froms = _addr_list(msg.get_all("From", []))
    if froms:
        p.from_name, p.from_email = froms[0]
    p.to = _addr_list(msg.get_all("To", []))
    p.cc = _addr_list(msg.get_all("Cc", []))
    p.reply_to = _addr_list(msg.get_all("Reply-To", []))
    p.subject = str(msg.get("Subject", "") or "")
    if msg.get("Date"):
        try:
            d = email.utils.parsedate_to_datetime(str(msg["Date"]))
            p.date = (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        except (TypeError, ValueError):
            p.date = None
    body = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    p.text = body.get_content() if body is not None else ""
    p.html = html.get_content() if html is not None else None
    if not p.text and p.html:
        import html2text

        p.text = html2text.html2text(p.html)
    p.new_text = p.text
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True) or b""
        cid = parse_ids(part.get("Content-ID"))
        p.attachments.append(ParsedAttachment(
            filename=part.get_filename() or "attachment", content_type=part.get_content_type(), data=data,
            content_id=cid[0] if cid else None, inline=part.get_content_disposition() == "inline"))
