"""HTML -> readable plain text for search, previews and quote detection of HTML-only mail.

Regex splitting rather than html2text: html2text (pure Python, HTMLParser based) costs about 1 ms
per KB, which alone would blow the ingest budget on newsletters; this is ~20x faster. Script, style,
head and similar content never reaches the text; blockquotes become '> ' lines so quote splitting
works; block elements and <br> become line breaks; source newlines are whitespace, as in a browser.
"""

from __future__ import annotations

import html as htmllib
import re


def _ci(word: str) -> str:
    # Case-insensitive by character classes: re.I makes every scan several times slower.
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


_SKIP_TAGS = ("script", "style", "head", "title", "template", "noscript", "svg", "object", "iframe", "xml")
_SKIP = re.compile(
    "|".join(rf"<{_ci(t)}\b.*?(?:</{_ci(t)}\s*>|\Z)" for t in _SKIP_TAGS)
    + r"|<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)",
    re.S,
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*>")
# Inline tags are most of a newsletter's markup and map to nothing: drop them in C, not in the loop.
_INLINE = re.compile(
    r"</?(?:"
    + "|".join(
        _ci(t) for t in ("span", "font", "strong", "img", "em", "a", "b", "i", "u", "small", "sup", "sub", "o:p", "wbr")
    )
    + r")(?=[\s/>])[^>]*>"
)
_OTHER_MARKUP = re.compile(r"<[!?][^>]*>")
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
_BLANKS = re.compile(r"\n{3,}")
_SOFT = re.compile(r"[ \x03]*\x03[ \x03]*")
_BQ_OPEN, _BQ_CLOSE = "\x01", "\x02"

_PARA = "\n\n"
_LINE = "\x03"  # soft break: several in a row (nested divs, table rows) are one line break
# (on open, on close) per tag; tags not listed vanish without a trace.
_TAGS: dict[str, tuple[str, str]] = {
    **{t: (_PARA, _PARA) for t in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table")},
    **{
        t: (_LINE, _LINE)
        for t in (
            "div",
            "tr",
            "ul",
            "ol",
            "pre",
            "section",
            "article",
            "header",
            "footer",
            "dl",
            "dd",
            "dt",
            "address",
            "center",
            "form",
            "main",
            "nav",
            "aside",
            "figure",
            "figcaption",
            "tbody",
            "thead",
            "tfoot",
            "body",
        )
    },
    "br": ("\n", "\n"),
    "hr": (_LINE, _LINE),
    "li": ("\n- ", ""),
    "td": ("", " "),
    "th": ("", " "),
    "blockquote": (f"\n{_BQ_OPEN}\n", f"\n{_BQ_CLOSE}\n"),
}


def html_to_text(doc: str | None) -> str:
    if not doc:
        return ""
    doc = _SKIP.sub(" ", doc)
    doc = _OTHER_MARKUP.sub("", doc)
    doc = _INLINE.sub("", doc)
    doc = _WS.sub(" ", doc)
    parts = _TAG.split(doc)  # text, slash, name, text, slash, name, ..., text
    out = [parts[0]]
    tags = _TAGS
    for i in range(1, len(parts) - 1, 3):
        rule = tags.get(parts[i + 1].lower())
        if rule is not None:
            out.append(rule[1] if parts[i] else rule[0])
        out.append(parts[i + 2])
    text = _SOFT.sub("\n", "".join(out))
    return _finish(htmllib.unescape(text))


def _finish(text: str) -> str:
    lines: list[str] = []
    depth = 0
    for line in text.split("\n"):
        if _BQ_OPEN in line or _BQ_CLOSE in line:
            depth = max(0, depth + line.count(_BQ_OPEN) - line.count(_BQ_CLOSE))
            line = line.replace(_BQ_OPEN, "").replace(_BQ_CLOSE, "")
        line = line.strip()
        if not line:
            if lines and lines[-1]:
                lines.append("")
            continue
        lines.append(">" * depth + " " + line if depth else line)
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
