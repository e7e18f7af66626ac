"""HTML -> readable plain text for search, previews and quote detection of HTML-only mail.

html2text gives the nicest text but is pure Python and slow on big newsletters, so it only sees
documents up to HTML2TEXT_MAX characters; larger ones go through a fast regex converter.
Script, style and head content never reaches the text.
"""
from __future__ import annotations

import html as htmllib
import re

HTML2TEXT_MAX = 60_000

_DROP = re.compile(r"<(script|style|head|title|template|noscript|xml)\b[^>]*>.*?</\1\s*>|<!--.*?-->"
                   r"|<!\[CDATA\[.*?\]\]>", re.I | re.S)
# Unclosed script/style: drop to the end rather than leak code into the text.
_DROP_OPEN = re.compile(r"<(script|style)\b.*\Z", re.I | re.S)
_BR = re.compile(r"<br\s*/?>", re.I)
_BLOCK_END = re.compile(r"</(p|div|h[1-6]|tr|table|ul|ol|blockquote|pre|section|article|header|footer)\s*>"
                        r"|<(p|div|h[1-6]|tr|table|ul|ol|blockquote|pre|hr|section|article)\b[^>]*>", re.I)
_LI = re.compile(r"<li\b[^>]*>", re.I)
_CELL = re.compile(r"</t[dh]\s*>", re.I)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANKS = re.compile(r"\n\s*\n\s*\n+")
_BQ = re.compile(r"<blockquote\b[^>]*>((?:(?!<blockquote\b).)*?)</blockquote\s*>", re.I | re.S)


def _quote_blocks(doc: str) -> str:
    """Mark (innermost) blockquotes with '> ' so quote detection works on HTML-only replies."""
    def repl(m: re.Match[str]) -> str:
        inner = fast_text(m.group(1))
        return "<p>" + "\n".join("> " + line if line else ">" for line in inner.split("\n")) + "</p>"
    for _ in range(5):
        new = _BQ.sub(repl, doc)
        if new == doc:
            break
        doc = new
    return doc


def fast_text(doc: str) -> str:
    doc = _BR.sub("\n", doc)
    doc = _BLOCK_END.sub("\n\n", doc)
    doc = _LI.sub("\n- ", doc)
    doc = _CELL.sub(" ", doc)
    doc = _TAG.sub("", doc)
    doc = htmllib.unescape(doc)
    doc = _SPACES.sub(" ", doc)
    lines = [line.strip() for line in doc.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def _html2text(doc: str) -> str | None:
    try:
        import html2text
    except ImportError:
        return None
    conv = html2text.HTML2Text()
    conv.body_width = 0
    conv.ignore_images = True
    conv.ignore_emphasis = True
    conv.ignore_links = True
    conv.ignore_tables = True
    conv.unicode_snob = True
    conv.single_line_break = False
    try:
        text = conv.handle(doc)
    except Exception:  # html2text trips over some broken markup; the fast path still works
        return None
    return _BLANKS.sub("\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()


def html_to_text(doc: str | None) -> str:
    if not doc:
        return ""
    doc = _DROP.sub(" ", doc)
    doc = _DROP_OPEN.sub(" ", doc)
    if len(doc) <= HTML2TEXT_MAX:
        text = _html2text(doc)
        if text is not None:
            return text
    return fast_text(_quote_blocks(doc))
