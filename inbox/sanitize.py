"""Turning hostile email HTML, and agents' plain text, into HTML that is safe to show.

Email HTML is cleaned with nh3 (an html5ever-based allowlist sanitiser) and then shown in a
sandboxed iframe under a strict Content-Security-Policy; each layer alone should be enough. Only
``cid:`` and (after the agent opts in) http(s) images survive; ``cid:`` is rewritten to a URL the
caller supplies. Style attributes keep only an allowlist of properties whose values cannot load
anything or leave their box. ``<style>`` blocks are dropped whole: their selectors could not be
kept to the message anyway, and their ``url()`` would fetch remote content past the opt-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape, unescape
from html.parser import HTMLParser
from typing import Callable

import nh3

TAGS = {
    "a",
    "abbr",
    "address",
    "b",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
}
# removed with everything inside them, not just the tags
DROP_WITH_CONTENT = {
    "script",
    "style",
    "title",
    "head",
    "svg",
    "math",
    "template",
    "noscript",
    "iframe",
    "object",
    "embed",
    "textarea",
    "select",
    "button",
    "xmp",
    "noembed",
    "noframes",
}
_TABLE_ATTRS = {"width", "height", "align", "valign", "bgcolor", "border", "cellpadding", "cellspacing"}
ATTRIBUTES = {
    "*": {"style", "class", "id", "title", "dir", "lang", "align"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "border"},
    "table": _TABLE_ATTRS,
    "td": _TABLE_ATTRS | {"colspan", "rowspan", "nowrap"},
    "th": _TABLE_ATTRS | {"colspan", "rowspan", "nowrap", "scope"},
    "tr": {"align", "valign", "bgcolor", "height"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "font": {"color", "face", "size"},
    "ol": {"start", "type"},
    "ul": {"type"},
    "li": {"value"},
    "blockquote": {"cite"},
}
STYLE_PROPERTIES = {
    "color",
    "background-color",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "font-variant",
    "text-align",
    "text-decoration",
    "text-indent",
    "text-transform",
    "line-height",
    "letter-spacing",
    "word-spacing",
    "white-space",
    "word-break",
    "word-wrap",
    "overflow-wrap",
    "vertical-align",
    "direction",
    "display",
    "list-style-type",
    "table-layout",
    "border-collapse",
    "border-spacing",
    "width",
    "min-width",
    "max-width",
    "height",
    "min-height",
    "max-height",
    "margin",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-color",
    "border-style",
    "border-width",
    "border-radius",
    "border-top-color",
    "border-bottom-color",
    "border-left-color",
    "border-right-color",
    "border-top-width",
    "border-bottom-width",
    "border-left-width",
    "border-right-width",
    "border-top-style",
    "border-bottom-style",
    "border-left-style",
    "border-right-style",
    "float",
    "clear",
}
# values may be colours, lengths, keywords, font names; never functions other than colour ones,
# escapes, comments or anything that could load a resource
_SAFE_VALUE = re.compile(r"^[#%,.\-\w\s'\"/+]*$|^(?:[#%,.\-\w\s'\"/+]|(?:rgba?|hsla?)\([\d\s.,%/-]*\))*$")
_BAD_VALUE = re.compile(r"url|expression|javascript|behavio|binding|@import|\\|/\*|image-set|var\(", re.I)
_REMOTE = re.compile(r"^\s*(?:https?:)?//", re.I)


@dataclass
class Sanitized:
    html: str
    remote_images: int = 0  # remote images removed (when not allowed) or kept (when allowed)
    quotes_removed: bool = False


def clean_style(value: str) -> str | None:
    out = []
    for decl in value.split(";"):
        prop, sep, val = decl.partition(":")
        prop, val = prop.strip().lower(), val.strip()
        if not sep or prop not in STYLE_PROPERTIES or not val:
            continue
        if _BAD_VALUE.search(val) or not _SAFE_VALUE.match(val):
            continue
        if prop == "display" and val.lower() not in {
            "block",
            "inline",
            "inline-block",
            "none",
            "table",
            "table-row",
            "table-cell",
            "list-item",
        }:
            continue
        out.append(f"{prop}: {val}")
    return "; ".join(out) or None


def clean_email_html(
    html: str,
    *,
    cid_url: Callable[[str], str | None] | None = None,
    allow_remote: bool = False,
    strip_quotes: bool = False,
) -> Sanitized:
    """Sanitise one message's HTML. ``cid_url(content_id)`` gives the URL of the item's own
    attachment (None: the image is dropped). Remote images are removed unless ``allow_remote``.
    Pages use the two halves apart: ``prepare_email_html`` once at import, ``finish_email_html``
    per view."""
    prepared, _truncated = prepare_email_html(html)
    return finish_email_html(prepared, cid_url=cid_url, allow_remote=allow_remote, strip_quotes=strip_quotes)


# --- bounds: what one hostile mail may cost -------------------------------------------------------
# nh3 (html5ever) is quadratic in nesting depth: 100k nested <div>s took a minute per view. Nothing
# legitimate nests this deep; deeper tags are dropped (their text stays) before nh3 sees them.
MAX_NESTING = 200
_TAG_TOKEN = re.compile(r"<(/?)([A-Za-z][^\s/>]*)[^>]*>")
# tags a browser closes implicitly when a sibling opens (unclosed <td>s in old table mail are common)
_SIBLINGS = {
    "p": {"p"},
    "li": {"li"},
    "dt": {"dt", "dd"},
    "dd": {"dt", "dd"},
    "tr": {"tr"},
    "td": {"td", "th"},
    "th": {"td", "th"},
    "option": {"option"},
}
_SCOPES = {"table", "ul", "ol", "dl", "select", "tbody", "thead", "tfoot"}


def flatten_nesting(html: str, max_depth: int = MAX_NESTING) -> str:
    """Drop start tags (and their end tags) that would nest deeper than ``max_depth``; linear time.
    The depth is an estimate that closes implicitly closed siblings, as a browser would."""
    if html.count("<") <= max_depth:
        return html
    out: list[str] = []
    stack: list[str] = []
    dropped: dict[str, int] = {}
    pos = 0
    for m in _TAG_TOKEN.finditer(html):
        name = m.group(2).lower()
        if name in _VOID:
            continue
        if m.group(1):  # an end tag
            if name in stack:
                while stack.pop() != name:
                    pass
            elif dropped.get(name):
                dropped[name] -= 1
                out.append(html[pos : m.start()])
                pos = m.end()
            continue
        siblings = _SIBLINGS.get(name)
        if siblings:
            for i in range(len(stack) - 1, -1, -1):
                if stack[i] in siblings:
                    del stack[i:]
                    break
                if stack[i] in _SCOPES or (name in ("td", "th") and stack[i] == "tr"):
                    break
        if len(stack) >= max_depth:
            dropped[name] = dropped.get(name, 0) + 1
            out.append(html[pos : m.start()])
            pos = m.end()
        else:
            stack.append(name)
    out.append(html[pos:])
    return "".join(out)


def truncate_html(html: str, max_chars: int) -> tuple[str, bool]:
    """At most ``max_chars``, not cutting a tag in half (nh3 closes what stays open)."""
    if len(html) <= max_chars:
        return html, False
    cut = html[:max_chars]
    lt = cut.rfind("<")
    if lt > cut.rfind(">"):
        cut = cut[:lt]
    return cut, True


def prepare_email_html(html: str, max_chars: int = 1_500_000) -> tuple[str, bool]:
    """Sanitise a received body once, at import: size and nesting capped, then nh3 with every
    policy except the per-view ones (remote images and ``cid:`` sources are kept as they are, for
    ``finish_email_html``). Returns the HTML and whether it was truncated."""
    html, truncated = truncate_html(html or "", max_chars)
    html = flatten_nesting(html)
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=_prepare_attribute,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        id_prefix="m-",
        strip_comments=True,
    )
    return cleaned, truncated


def _prepare_attribute(tag: str, attr: str, value: str) -> str | None:
    if attr == "style":
        return clean_style(value)
    if tag == "img" and attr == "src":
        if value[:4].lower() == "cid:":
            return "cid:" + value[4:].strip().strip("<>")
        return value if _REMOTE.match(value) else None
    if attr == "href" and tag == "a" and value[:4].lower() == "cid:":
        return None
    return value


# nh3's serialiser quotes every attribute value with " and escapes " inside it, and escapes < in
# text, so on its output a tag and its attributes can be matched exactly
_IMG = re.compile(r'<img\b((?:\s+[^\s=>/"]+(?:="[^"]*")?)*)\s*/?>', re.I)
_ATTR = re.compile(r'\s+([^\s=>/"]+)(?:="([^"]*)")?')


def finish_email_html(
    prepared: str,
    *,
    cid_url: Callable[[str], str | None] | None = None,
    allow_remote: bool = False,
    strip_quotes: bool = False,
) -> Sanitized:
    """The per-view part on HTML from ``prepare_email_html``, without sanitising again: ``cid:``
    sources become the caller's URLs (or go), remote images go unless ``allow_remote``, quoted
    history is folded."""
    found = {"remote": 0}

    def img(m: re.Match) -> str:
        kept, src = [], None
        for a in _ATTR.finditer(m.group(1)):  # attribute by attribute: a value cannot fake another
            if a.group(1).lower() == "src":
                src = unescape(a.group(2) or "")
            else:
                kept.append(a.group(0))
        if src is None:
            return m.group(0)
        keep: str | None = None
        if src[:4].lower() == "cid:":
            keep = cid_url(src[4:]) if cid_url else None
        elif _REMOTE.match(src):
            found["remote"] += 1
            keep = src if allow_remote else None
        rest = "".join(kept)
        return f'<img{rest} src="{escape(keep)}">' if keep else f"<img{rest}>"

    cleaned = _IMG.sub(img, prepared)
    removed = False
    if strip_quotes:
        stripped = strip_quoted_html(cleaned)
        if stripped != cleaned and _has_text(stripped):
            cleaned, removed = stripped, True
    return Sanitized(cleaned, found["remote"], removed)


def _has_text(html: str) -> bool:
    return bool(re.sub(r"<[^>]*>|&nbsp;|\s", "", html))


# --- quoted history in HTML --------------------------------------------------------------------

_VOID = {"br", "img", "hr", "col", "wbr", "area", "base", "input", "link", "meta", "source", "track"}
_QUOTE_CLASSES = {"gmail_quote", "gmail_extra", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote"}
_REST_IDS = {"m-appendonsend", "m-divrplyfwdmsg", "m-stopspelling"}  # Outlook: everything below is history


class _QuoteStripper(HTMLParser):
    """Re-emits already-sanitised HTML without the containers mail clients put quoted history in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.depth = 0  # >0 while inside a dropped container
        self.rest = False

    def _is_quote(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        return tag == "blockquote" or bool(classes & _QUOTE_CLASSES)

    def handle_starttag(self, tag, attrs):
        if self.rest:
            return
        if (dict(attrs).get("id") or "").lower() in _REST_IDS:
            self.rest = True
            return
        if self.depth:
            if tag not in _VOID:
                self.depth += 1
            return
        if self._is_quote(tag, attrs) and tag not in _VOID:
            self.depth = 1
            return
        self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag, attrs):
        if not self.depth and not self.rest:
            self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag):
        if self.rest:
            return
        if self.depth:
            if tag not in _VOID:
                self.depth -= 1
            return
        self.out.append(f"</{tag}>")

    def _text(self, text: str) -> None:
        if not self.depth and not self.rest:
            self.out.append(text)

    def handle_data(self, data):
        self._text(data)

    def handle_entityref(self, name):
        self._text(f"&{name};")

    def handle_charref(self, name):
        self._text(f"&#{name};")


def strip_quoted_html(html: str) -> str:
    parser = _QuoteStripper()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


# --- plain text --------------------------------------------------------------------------------

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'\x00-\x1f]+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b", re.I)
_TRAIL = ".,;:!?'\")]}>*_"


def _split_url(match: str) -> tuple[str, str]:
    """Trailing punctuation usually belongs to the sentence, and a ')' only to a URL that opened one."""
    url, tail = match, ""
    while url and url[-1] in _TRAIL:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url, tail = url[:-1], url[-1] + tail
    return url, tail


def _link(url: str, label: str | None = None) -> str:
    if "@" in url and "://" not in url:
        href = "mailto:" + url
    else:
        href = url if "://" in url else "http://" + url
    return (
        f'<a href="{escape(href)}" target="_blank" rel="noopener noreferrer nofollow">'
        f"{escape(label if label is not None else url)}</a>"
    )


def linkify(text: str) -> str:
    """Escape text and turn URLs and addresses into links; nothing else becomes markup."""
    out, pos = [], 0
    for m in _URL.finditer(text or ""):
        url, tail = _split_url(m.group(0))
        out.append(escape(text[pos : m.start()]))
        out.append(_link(url) if url else "")
        out.append(escape(tail))
        pos = m.end()
    out.append(escape((text or "")[pos:]))
    return "".join(out)


def plain_to_html(text: str) -> str:
    """A plain-text message for display: escaped, linkified; the caller keeps line breaks with
    ``white-space: pre-wrap``."""
    return linkify((text or "").replace("\r\n", "\n"))


# --- what agents type ----------------------------------------------------------------------------

_MD_LINK = re.compile(r"\[([^\]\n]{1,300})\]\((https?://[^\s)]+|mailto:[^\s)]+)\)")
_INLINE = [
    (re.compile(r"`([^`\n]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"<em>\1</em>"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), r"<em>\1</em>"),
]
_BULLET = re.compile(r"^\s{0,3}[-*•]\s+(.*)$")
_NUMBER = re.compile(r"^\s{0,3}\d{1,3}[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
FORMAT_TAGS = {"p", "br", "strong", "em", "code", "a", "ul", "ol", "li", "blockquote"}


def _inline(line: str) -> str:
    out, pos = [], 0
    tokens = re.compile(f"{_MD_LINK.pattern}|{_URL.pattern}", re.I)
    for m in tokens.finditer(line):
        out.append(_emphasis(line[pos : m.start()]))
        if m.group(1) is not None:
            out.append(_link(m.group(2), m.group(1)))
        else:
            url, tail = _split_url(m.group(0))
            out.append(_link(url) + escape(tail))
        pos = m.end()
    out.append(_emphasis(line[pos:]))
    return "".join(out)


def _emphasis(text: str) -> str:
    text = escape(text, quote=False)
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return text


def format_text(text: str) -> str:
    """An agent's reply or note (plain text with a little markdown: **bold**, *italic*, [a](url),
    "- " and "1. " lists, "> " quotes) as HTML. Everything else is text; line breaks are kept."""
    blocks: list[str] = []
    para: list[str] = []
    lines = (text or "").replace("\r\n", "\n").split("\n")

    def flush() -> None:
        if para:
            blocks.append("<p>" + "<br>\n".join(_inline(x) for x in para) + "</p>")
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        for kind, pattern in (("ul", _BULLET), ("ol", _NUMBER), ("blockquote", _QUOTE)):
            if pattern.match(line):
                flush()
                items = []
                while i < len(lines) and pattern.match(lines[i]):
                    items.append(pattern.match(lines[i]).group(1))
                    i += 1
                if kind == "blockquote":
                    blocks.append("<blockquote>" + "<br>\n".join(_inline(x) for x in items) + "</blockquote>")
                else:
                    blocks.append(f"<{kind}>" + "".join(f"<li>{_inline(x)}</li>" for x in items) + f"</{kind}>")
                break
        else:
            if line.strip():
                para.append(line)
            else:
                flush()
            i += 1
    flush()
    # belt and braces: whatever the formatter emitted, only this small set of tags survives
    return nh3.clean(
        "\n".join(blocks),
        tags=FORMAT_TAGS,
        attributes={"a": {"href", "target"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
