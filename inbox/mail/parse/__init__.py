"""Raw RFC 822 bytes -> ParsedMessage. Never raises: what cannot be parsed is reported in parse_error.

The façade of the parsing package, like the stdlib's email/parser.py over email/feedparser.py:
callers import from here. Behind it, one way only: engine -> mime, classify, charsets, quotes ->
message (the data types, which import no sibling). The stdlib feedparser speed-up is installed at
start-up (feedparser_speedups.install(), called by create_app and the parse workers), never by an
import.
"""

from __future__ import annotations

from .classify import auto_reply_suppressed as _suppressed
from .engine import parse_into
from .message import ParsedAttachment, ParsedMessage, dedup_key, parse_ids

__all__ = ["ParsedAttachment", "ParsedMessage", "auto_reply_suppressed", "dedup_key", "parse_ids", "parse_message"]


def parse_message(raw: bytes) -> ParsedMessage:
    parsed = ParsedMessage()
    try:
        parse_into(raw, parsed)
    except Exception as exc:  # hostile mail must never stop the import
        parsed.parse_error = f"{type(exc).__name__}: {exc}"
        if not parsed.text:
            parsed.text = raw.decode("utf-8", "replace")
            parsed.new_text = parsed.text
    return parsed


def auto_reply_suppressed(parsed: ParsedMessage) -> bool:
    """True when nothing automatic (autoresponder, notification) should answer this message."""
    return _suppressed(parsed)
