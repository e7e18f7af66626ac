"""The parsing work behind parse_message.

The message is split with the stdlib parser under the compat32 policy and every header, parameter
and body is decoded here (charsets.py). email.policy.default was measured at ~10x the cost per
message (its header objects are built on every access) and raises on headers that compat32 keeps;
all it would add is the decoding we do ourselves, more leniently.
"""

from __future__ import annotations

import email.utils
import re
from datetime import datetime, timezone
from email import policy as _policy
from email.errors import MissingHeaderBodySeparatorDefect
from email.message import Message
from email.parser import BytesParser

from . import charsets, recover
from .classify import classify
from .message import ParsedMessage, parse_ids
from .mime import BodyWalker, params
from .quotes import split_quotes

_ADDRESS_HEADERS = ("from", "to", "cc", "reply-to", "sender")
_PLACEHOLDER = "ZqEw{}WqZ"
_MAX_ID = 998


def raw_headers(msg: Message) -> tuple[dict[str, str], dict[str, list[str]]]:
    first: dict[str, str] = {}
    addresses: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        key = charsets.clean_text(str(name)).strip().lower()
        if not isinstance(value, str):
            value = str(value)
        first.setdefault(key, value)
        if key in _ADDRESS_HEADERS:
            addresses.setdefault(key, []).append(value)
    return first, addresses


_EMAIL = re.compile(r"(?:\"[^\"\r\n\\]{1,64}\"|[^@\s<>]{1,256})@[^@\s<>,;\"()\[\]\\]{1,255}")


def _valid_email(addr: str) -> bool:
    return bool(addr) and _EMAIL.fullmatch(addr) is not None


_SIMPLE = re.compile(r"\s*(?:([^<>@,\"]*?)\s*<([^<>\s,@]+@[^<>\s,@]+)>|([^<>\s,@]+@[^<>\s,@]+))\s*")
_COMPLEX = re.compile(r"[\"();:\\]|=\?")


def _simple_addresses(text: str) -> list[tuple[str, str]] | None:
    """The common case (no quotes, comments, groups or encoded words) without the slow full parser."""
    if _COMPLEX.search(text):
        return None
    out = []
    for piece in text.split(","):
        if not piece.strip():
            continue
        m = _SIMPLE.fullmatch(piece)
        if m is None:
            return None
        addr = (m.group(2) or m.group(3)).lower()
        if not _valid_email(addr):
            return None
        if all(addr != a for _, a in out):
            out.append((clean_name(charsets.decode_header(m.group(1))) if m.group(1) else "", addr))
    return out


_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


def clean_name(name: str) -> str:
    """A display name as one line: an encoded CR/LF or other control character in a name is
    whitespace (stored names are put back into headers, where CR/LF raises)."""
    return " ".join(_CONTROLS.sub(" ", name or "").split())


def addresses(values: list[str], hint: str | None) -> list[tuple[str, str]]:
    """(decoded name, lower-cased email) pairs; unparseable entries are skipped."""
    if not values:
        return []
    text = ", ".join(charsets.raw_header_to_str(v, hint) for v in values)
    simple = _simple_addresses(text) if len(text) < 2000 else None
    if simple is not None:
        return simple
    words: list[str] = []

    def protect(m) -> str:  # encoded words may hide commas and quotes that would split the list
        words.append(m.group(0))
        return _PLACEHOLDER.format(len(words) - 1)

    text = charsets._EW.sub(protect, text)
    text = charsets.clean_text(text)

    def restore(s: str) -> str:
        for i in range(len(words) - 1, -1, -1):
            s = s.replace(_PLACEHOLDER.format(i), words[i])
        return s

    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, addr in email.utils.getaddresses([text]):
        as_written = restore(addr).strip().strip("<>").strip()
        addr = as_written.lower()
        name = clean_name(charsets.decode_header(restore(name) if words else name)).strip("'\"").strip()
        if not _valid_email(addr):
            if name or addr:  # kept for a display name (e.g. "MAILER-DAEMON"); callers filter
                out.append((name or as_written, ""))
            continue
        if addr not in seen:
            seen.add(addr)
            out.append((name, addr))
    return out


def _emails_only(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(n, e) for n, e in pairs if e]


_ADDR_SPEC = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
_NAME_JUNK = re.compile(r"[<>\[\]\"()]+")


def _scan(values: list[str], hint: str | None) -> tuple[str, str] | None:
    """An address found anywhere in a header the address parser gave up on (unbalanced quotes
    or brackets, "@" inside the display name...): the last one, as the real address follows the name."""
    text = charsets.decode_header(" ".join(charsets.raw_header_to_str(v, hint) for v in values))
    found = _ADDR_SPEC.findall(text)
    if not found:
        return None
    addr = found[-1]
    name = _NAME_JUNK.sub(" ", text.replace(addr, " ")).strip(" ,;:'")
    return " ".join(name.split()), addr.lower()


def sender(addr_values: dict[str, list[str]], first: dict[str, str], hint: str | None) -> tuple[str, str | None]:
    """(name, address) of whoever sent this, from a broken From if need be, else from Sender,
    Reply-To or Return-Path: a customer is never made without an address the headers hold."""
    froms = addresses(addr_values.get("from", []), hint)
    name = next((n for n, _e in froms if n), "")
    for pairs in (froms, addresses(addr_values.get("sender", []), hint)):
        for n, e in pairs:
            if e:
                return n or name, e
    scanned = _scan(addr_values.get("from", []), hint) if addr_values.get("from") else None
    if scanned:
        return scanned[0] or name, scanned[1]
    for key in ("reply-to",):
        for n, e in addresses(addr_values.get(key, []), hint):
            if e:
                return name or n, e
    path = first.get("return-path", "")
    for _n, e in addresses([path], hint) if path.strip() not in ("", "<>") else ():
        if e and "mailer-daemon" not in e:
            return name, e
    return name, None


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        d = email.utils.parsedate_to_datetime(charsets.decode_header(value))
    except Exception:  # malformed dates raise ValueError/TypeError/IndexError/OverflowError
        return None
    if d is None or not 1900 <= d.year <= 2200:
        return None
    try:
        return (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None


def _first_id(value: str | None) -> str | None:
    if not value:
        return None
    ids = parse_ids(charsets.decode_header(value))
    return ids[0][:_MAX_ID] if ids and ids[0] else None


def _ids(value: str | None) -> list[str]:
    return [i[:_MAX_ID] for i in parse_ids(charsets.decode_header(value))] if value else []


_B64_RUN = re.compile(rb"(?:^[A-Za-z0-9+/=]{16,}\r?\n){64,}", re.M)
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_B64_CTE = re.compile(rb"content-transfer-encoding:[ \t]*\"?base64", re.I)


def _fold_base64(raw: bytes) -> bytes:
    """Join the lines of big base64 bodies into one before parsing.

    The stdlib parser works line by line (~3 us a line), so a 1 MB attachment cost ~40 ms; base64
    decoding ignores line breaks, so the decoded bytes are identical. Only runs that start right
    after a header block declaring base64 are touched, so text bodies are never altered.
    """
    if len(raw) < 8192:
        return raw
    out: list[bytes] = []
    pos = 0
    for cte in _B64_CTE.finditer(raw):
        if cte.start() < pos:
            continue
        blank = _BLANK_LINE.search(raw, cte.end(), cte.end() + 4096)  # end of this header block
        if blank is None:
            continue
        run = _B64_RUN.match(raw, blank.end())
        if run is None:
            continue
        out += [raw[pos : run.start()], run.group(0).replace(b"\r\n", b"").replace(b"\n", b""), b"\r\n"]
        pos = run.end()
    if not out:
        return raw
    out.append(raw[pos:])
    return b"".join(out)


def parse_into(raw: bytes, p: ParsedMessage) -> None:
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    raw = bytes(raw or b"")
    errors: list[str] = []
    msg = BytesParser(policy=_policy.compat32).parsebytes(_fold_base64(raw))
    if not msg._headers or any(isinstance(d, MissingHeaderBodySeparatorDefect) for d in msg.defects):
        fixed = recover.recover(raw)  # junk before the headers, a broken name in them
        if fixed is not None:
            msg = BytesParser(policy=_policy.compat32).parsebytes(_fold_base64(fixed))
    first, addr_values = raw_headers(msg)
    if not first:
        errors.append("no headers found")
    elif "from" not in first or "subject" not in first:
        recover.misspelt(first, addr_values)  # "Subjet:", "Form:" are still meant

    walker = BodyWalker()
    try:
        walker.walk(msg)
    except Exception as exc:  # keep whatever the walk collected before it failed
        errors.append(f"body: {type(exc).__name__}: {exc}")
    errors.extend(walker.errors)
    hint = walker.charset_hint or params(msg, "content-type").get("charset")
    if isinstance(hint, tuple):
        hint = None

    for key, value in first.items():
        p.headers[key] = charsets.decode_header(value, hint)
    p.message_id = _first_id(first.get("message-id"))
    p.in_reply_to = _ids(first.get("in-reply-to"))
    p.references = _ids(first.get("references"))
    p.subject = p.headers.get("subject", "")
    p.date = parse_date(first.get("date"))
    try:
        p.from_name, p.from_email = sender(addr_values, first, hint)
        p.to = _emails_only(addresses(addr_values.get("to", []), hint))
        p.cc = _emails_only(addresses(addr_values.get("cc", []), hint))
        p.reply_to = _emails_only(addresses(addr_values.get("reply-to", []), hint))
    except Exception as exc:
        errors.append(f"addresses: {type(exc).__name__}: {exc}")

    p.text, p.html = walker.result()
    if not p.text and not p.html and not first and raw:
        p.text = charsets.clean_text(charsets.sniff(raw)).replace("\r\n", "\n")
    p.attachments = walker.attachments
    try:
        p.new_text, p.quoted_text = split_quotes(p.text)
    except Exception as exc:
        errors.append(f"quotes: {type(exc).__name__}: {exc}")
        p.new_text = p.text
    try:
        classify(p, msg)
    except Exception as exc:
        errors.append(f"classify: {type(exc).__name__}: {exc}")
    p.parse_error = "; ".join(errors)[:2000] or None
