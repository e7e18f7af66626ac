"""Raw RFC 822 bytes -> ParsedMessage: the façade of the parsing package (like the stdlib's
email.parser over email.feedparser). Callers import from here, never from the modules behind it."""
from .message import ParsedAttachment, ParsedMessage, auto_reply_suppressed, dedup_key, parse_ids, parse_message

__all__ = ["ParsedAttachment", "ParsedMessage", "auto_reply_suppressed", "dedup_key", "parse_ids", "parse_message"]
