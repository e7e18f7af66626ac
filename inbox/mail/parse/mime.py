"""MIME tree -> body text/HTML and attachments (the walking half of parse_impl)."""

from __future__ import annotations

import binascii
import email.utils
import io
import quopri
import re
from email import message as _message
from email.generator import BytesGenerator
from email.message import Message
from functools import lru_cache

from . import charsets
from .html_text import html_to_text
from .message import ParsedAttachment, parse_ids

MAX_DEPTH = 40
MAX_PARTS = 2000
MAX_NAME = 255  # what file systems allow; longer names are cut keeping the extension
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_EXT = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/bmp": ".bmp",
    "image/svg+xml": ".svg",
    "image/tiff": ".tif",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "text/csv": ".csv",
    "application/zip": ".zip",
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "application/msword": ".doc",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "application/pgp-signature": ".asc",
    "message/delivery-status": ".txt",
    "text/rfc822-headers": ".txt",
    "text/x-vcard": ".vcf",
    "text/vcard": ".vcf",
    "application/octet-stream": ".bin",
    "application/json": ".json",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel": ".xls",
    "audio/mpeg": ".mp3",
    "video/mp4": ".mp4",
}
_BODY_TYPES = ("text/plain", "text/html")
_STEMS = {
    "message/delivery-status": "delivery-status",
    "text/rfc822-headers": "original-headers",
    "message/disposition-notification": "disposition-notification",
    "text/calendar": "invite",
}


def raw_header(part: Message, header: str) -> str | None:
    """First raw value of a header (8-bit bytes as surrogate escapes), or None."""
    for name, value in getattr(part, "_headers", ()):
        if name.lower() == header:
            return value if isinstance(value, str) else str(value)
    return None


def content_type(part: Message) -> str:
    """Like compat32's get_content_type (missing -> default, invalid -> text/plain), but cached."""
    raw = raw_header(part, "content-type")
    return part.get_default_type() if raw is None else _content_type(raw)


@lru_cache(maxsize=4096)
def _content_type(raw: str) -> str:
    value = re.sub(r"\s+", "", raw.split(";", 1)[0]).strip("\"'").lower()
    main, slash, sub = value.partition("/")
    return value if slash and main and sub and "/" not in sub else "text/plain"


def disposition(part: Message) -> str:
    raw = raw_header(part, "content-disposition")
    return raw.split(";", 1)[0].strip().strip("\"'").lower() if raw else ""


def params(part: Message, header: str) -> dict[str, object]:
    """Parameters of a header, RFC 2231-decoded; values are str or (charset, lang, raw) tuples.

    Works on the raw value so 8-bit parameter bytes survive (compat32's get_param mangles them).
    The returned dict is shared (cached): do not modify it.
    """
    raw = raw_header(part, header)
    return _params(raw) if raw else {}


@lru_cache(maxsize=4096)
def _params(raw: str) -> dict[str, object]:
    text = charsets.raw_header_to_str(raw, "utf-8")
    pairs = []
    try:
        for item in _message._parseparam(text)[1:]:
            name, _, value = item.partition("=")
            pairs.append((name.strip().lower(), value.strip()))
        decoded = email.utils.decode_params([("", ""), *pairs])[1:]
    except Exception:  # malformed continuations: take the parameters literally
        decoded = pairs
    out: dict[str, object] = {}
    for name, value in decoded:
        if name and name not in out:
            out[name] = value if isinstance(value, tuple) else email.utils.unquote(str(value))
    return out


def _param_text(value: object) -> str:
    if isinstance(value, tuple):
        cs, _lang, text = (list(value) + ["", "", ""])[:3]
        text = email.utils.unquote(str(text))
        try:
            data = text.encode("latin-1")
        except UnicodeEncodeError:  # raw 8-bit already decoded: it is text
            return text
        return charsets.decode_bytes(data, cs or "utf-8")
    return charsets.decode_words(str(value or ""))


def _clean(name: str) -> str:
    name = charsets.strip_controls(re.sub(r"[\r\n\t]+", " ", name))
    name = re.split(r"[\\/]", name)[-1].strip().strip("\"'").strip()
    return name if name.strip(".") else ""


def safe_filename(name: str, ctype: str, stem: str = "attachment", number: int | None = None) -> str:
    """The name as sent, minus path components and control/bidi characters (which disguise a
    name); a part without one is named from its type: attachment-1.pdf, image-2.png."""
    name = _clean(name)
    if not name:
        ext = _EXT.get(ctype, "." + ctype.split("/")[-1][:10] if "/" in ctype else ".bin")
        return f"{stem}-{number}{ext}" if number else stem + ext
    if len(name) > MAX_NAME:
        base, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            name = base[: MAX_NAME - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:MAX_NAME].rstrip()
    return name


def _message_bytes(part: Message) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        chunks = []
        for inner in payload:  # one message for rfc822; one header block per recipient for DSNs
            buf = io.BytesIO()
            try:
                BytesGenerator(buf, mangle_from_=False, maxheaderlen=0).flatten(inner)
                chunks.append(buf.getvalue())
            except Exception:
                chunks.append(str(inner).encode("utf-8", "surrogateescape"))
        data = b"\n".join(chunks)
        cte = str(part.get("content-transfer-encoding", "")).strip().lower()
        if cte == "base64":  # not allowed for message/rfc822, but sent anyway
            try:
                return binascii.a2b_base64(data.split(b"\n\n", 1)[-1])
            except (binascii.Error, ValueError):
                return data
        if cte == "quoted-printable":
            return quopri.decodestring(data)
        return data
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft-broken lines back into paragraphs."""
    out: list[str] = []
    buf: str | None = None
    buf_depth = 0

    def prefix(depth: int) -> str:
        return ">" * depth + " " if depth else ""

    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        if body.startswith(" "):  # space-stuffing
            body = body[1:]
        if buf is not None and depth != buf_depth:
            out.append(prefix(buf_depth) + buf)
            buf = None
        if body.endswith(" ") and body != "-- ":
            buf = (buf or "") + (body[:-1] if delsp else body)
            buf_depth = depth
            continue
        out.append(prefix(depth) + (buf or "") + body)
        buf = None
    if buf is not None:
        out.append(prefix(buf_depth) + buf)
    return "\n".join(out)


class BodyWalker:
    def __init__(self) -> None:
        self.segments: list[tuple[str | None, str | None]] = []
        self.attachments: list[ParsedAttachment] = []
        self._related: set[int] = set()
        self.errors: list[str] = []
        self.charset_hint: str | None = None
        self.count = 0
        self.unnamed = 0  # parts named from their type so far: attachment-1.pdf, image-2.png

    def result(self) -> tuple[str, str | None]:
        texts, htmls = [], []
        for text, html in self.segments:
            if text is None and html:
                text = html_to_text(html)  # only HTML-only segments pay for the conversion
            if text:
                texts.append(text)
            if html:
                htmls.append(html)
        html = "\n".join(htmls) or None
        for i, att in enumerate(self.attachments):
            if att.content_id:
                referenced = html is not None and ("cid:" + att.content_id).lower() in html.lower()
                att.inline = referenced or i in self._related
        return "\n\n".join(texts).strip("\n"), html

    def walk(self, part: Message, depth: int = 0, related: bool = False) -> None:
        self.count += 1
        if depth > MAX_DEPTH or self.count > MAX_PARTS:
            self.errors.append("MIME structure too deep or too large; rest skipped")
            return
        ctype = content_type(part)
        payload = part.get_payload()
        if ctype.startswith("message/") or (isinstance(payload, list) and not ctype.startswith("multipart/")):
            self._attach(part, ctype, related)
        elif isinstance(payload, list):
            children = [c for c in payload if isinstance(c, Message)]
            sub = ctype.split("/", 1)[1]
            if sub == "alternative":
                self._alternative(children, depth, related)
            elif sub == "related":
                start = parse_ids(str(params(part, "content-type").get("start", "")))
                root = next(
                    (c for c in children if start and parse_ids(raw_header(c, "content-id")) == start),
                    children[0] if children else None,
                )
                for child in children:
                    self.walk(child, depth + 1, related=child is not root)
            else:
                for child in children:
                    self.walk(child, depth + 1, related)
        else:
            # A multipart without a usable boundary is a single text blob.
            self._leaf(part, "text/plain" if ctype.startswith("multipart/") else ctype, related)

    def _alternative(self, children: list[Message], depth: int, related: bool) -> None:
        text: str | None = None
        html: str | None = None
        for child in children:
            sub = BodyWalker()
            sub.attachments, sub._related, sub.count = self.attachments, self._related, self.count
            sub.unnamed = self.unnamed
            ctype = content_type(child)
            if (
                not child.is_multipart()
                and ctype.startswith("text/")
                and ctype not in _BODY_TYPES
                and ctype != "text/calendar"
            ):
                continue  # text/enriched, text/watch-html ...: a worse copy of the same content
            sub.walk(child, depth + 1, related)
            self.count, self.errors, self.unnamed = sub.count, self.errors + sub.errors, sub.unnamed
            self.charset_hint = self.charset_hint or sub.charset_hint
            texts = [t for t, _ in sub.segments if t]
            htmls = [h for _, h in sub.segments if h]
            if texts and text is None:
                text = "\n\n".join(texts)
            if htmls:
                html = "\n".join(htmls)  # the last alternative is the preferred one (RFC 2046)
        if text is not None or html is not None:
            self.segments.append((text, html))

    def _leaf(self, part: Message, ctype: str, related: bool) -> None:
        disp = disposition(part)
        filename = self._filename(part)
        if ctype in _BODY_TYPES and disp != "attachment" and not (filename and disp):
            data = part.get_payload(decode=True)
            data = data if isinstance(data, bytes) else b""
            ct = params(part, "content-type")
            label = ct.get("charset")
            label = label[2] if isinstance(label, tuple) else label
            if not label and ctype == "text/html":
                m = _META_CHARSET.search(data[:4096])
                label = m.group(1).decode("ascii", "replace") if m else None
            if label and not self.charset_hint and charsets.codec_for(str(label)) not in (None, "ascii"):
                self.charset_hint = str(label)
            text = charsets.decode_bytes(data, str(label) if label else None)
            text = charsets.clean_text(text.replace("\r\n", "\n").replace("\r", "\n"))
            if ctype == "text/html":
                self.segments.append((None, text))
            else:
                if str(ct.get("format", "")).lower() == "flowed":
                    text = _unflow(text, str(ct.get("delsp", "")).lower() == "yes")
                self.segments.append((text, None))
            return
        self._attach(part, ctype, related, filename)

    def _filename(self, part: Message) -> str:
        value = params(part, "content-disposition").get("filename") or params(part, "content-type").get("name")
        return _param_text(value) if value else ""

    def _attach(self, part: Message, ctype: str, related: bool, filename: str | None = None) -> None:
        try:
            if filename is None:
                filename = self._filename(part)
            if ctype.startswith("message/") and ctype not in (
                "message/delivery-status",
                "message/disposition-notification",
            ):
                data = _message_bytes(part)
                if not filename:  # a name as sent is kept as sent; only a made-up one gets .eml
                    inner = part.get_payload()
                    subject = inner[0].get("subject") if isinstance(inner, list) and inner else None
                    filename = charsets.decode_header(subject) if subject else "forwarded-message"
                    if not filename.lower().endswith(".eml"):
                        filename = filename[: MAX_NAME - 4] + ".eml"
            elif ctype.startswith("message/"):
                data = _message_bytes(part)
            else:
                data = part.get_payload(decode=True)
                data = data if isinstance(data, bytes) else b""
            cids = parse_ids(charsets.decode_header(part.get("content-id"))) if part.get("content-id") else []
            stem = _STEMS.get(ctype, "image" if ctype.startswith("image/") else "attachment")
            number = None
            if not _clean(filename):
                self.unnamed += 1
                number = self.unnamed
            att = ParsedAttachment(
                filename=safe_filename(filename, ctype, stem, number),
                content_type=ctype,
                data=data,
                content_id=(cids[0][:500] or None) if cids else None,
            )
        except Exception as exc:  # one broken attachment must not lose the others or the text
            self.errors.append(f"attachment: {type(exc).__name__}: {exc}")
            return
        if related:
            self._related.add(len(self.attachments))
        self.attachments.append(att)
