"""Reading the header block of broken mail: junk before it, misspelt names, missing colons.

The stdlib parser ends the header block at the first line that is not a header, and takes a
message that does not start with one as all body: a forwarding banner ("---- Original message
----"), a blank first line or a header named "Fro :" hides every header after it. Only mail the
parser flagged is rebuilt here, so well-formed mail costs nothing.
"""

from __future__ import annotations

import difflib
import re

_STRICT = re.compile(rb"^[!-9;-~]+:")
# A name with a stray space or underscore before the colon ("Fro :", "Reply To:", "Subject :")
_LENIENT = re.compile(rb"^([A-Za-z][A-Za-z0-9_-]{0,40}(?:[ \t]+[A-Za-z0-9_-]{1,40})?)[ \t]*:[ \t]?(.*)$", re.S)
# A known name followed by its value without the colon ("Subject Hello")
_NO_COLON = re.compile(
    rb"^(subject|to|cc|date|reply-to|message-id|in-reply-to|references|from)[ \t]+(\S.*)$", re.I | re.S
)
_MBOX_FROM = re.compile(rb"^>?From \S+.*\d{4}\s*$")
_BANNER = re.compile(
    rb"^\s*(?:[-=_*~#>]{2,}.*|.*(?:original|forwarded|weitergeleitete|transf\xe9r\xe9|"
    rb"message d'origine|urspr\xfcngliche)[^:]*(?:message|nachricht|e-?mail)?.*)$",
    re.I,
)
KNOWN = (
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "reply-to",
    "sender",
    "message-id",
    "in-reply-to",
    "references",
    "return-path",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
    "received",
    "delivered-to",
    "x-mailer",
    "user-agent",
)
_ESSENTIAL = {"from", "to", "subject", "date", "message-id", "sender", "reply-to"}
MAX_JUNK = 5


def _name(raw: bytes) -> str | None:
    """A header name as meant: "Fro" -> "From", "Reply To" -> "Reply-To"; None if it is no name."""
    name = re.sub(r"[\s_]+", "-", raw.decode("ascii", "replace").strip()).lower()
    if name in KNOWN or name.startswith("x-") or name.startswith("content-") or name.startswith("list-"):
        return name
    close = difflib.get_close_matches(name, KNOWN, n=1, cutoff=0.75)
    return close[0] if close else None


def _header(line: bytes) -> bytes | None:
    """The line as a proper header line, or None when it is not a header."""
    if _STRICT.match(line):
        return line
    m = _LENIENT.match(line)
    if m:
        name = _name(m.group(1))
        if name:
            return name.title().encode() + b": " + m.group(2)
    m = _NO_COLON.match(line)
    if m and not _MBOX_FROM.match(line):
        return m.group(1).title() + b": " + m.group(2)
    return None


def recover(raw: bytes) -> bytes | None:
    """raw with a header block the stdlib parser can read, or None when there is none to find."""
    lines = raw.split(b"\n")
    i = 0
    while i < len(lines) and i < MAX_JUNK:  # junk before the headers: blank, mbox From, banners
        line = lines[i].rstrip(b"\r")
        if _header(line) is not None and not _MBOX_FROM.match(line):
            break
        if line.strip() and not _MBOX_FROM.match(line) and not _BANNER.match(line):
            return None  # text, not junk: a message without headers stays one
        i += 1
    head: list[bytes] = []
    names: set[str] = set()
    body_at = len(lines)
    while i < len(lines):
        line = lines[i].rstrip(b"\r")
        if not line.strip():
            body_at = i + 1
            break
        if line[:1] in (b" ", b"\t") and head:
            head.append(line)
        else:
            fixed = _header(line)
            if fixed is not None:
                head.append(fixed)
                names.add(fixed.split(b":", 1)[0].decode("ascii", "replace").strip().lower())
            elif i + 1 < len(lines) and _header(lines[i + 1].rstrip(b"\r")) is None:
                body_at = i  # two lines that are no headers: the body started without a blank line
                break
            # else: one stray line inside the block is dropped
        i += 1
    if not names & _ESSENTIAL:
        return None
    body = b"\n".join(lines[body_at:])
    eol = b"\r\n" if b"\r\n" in raw[:2000] else b"\n"
    return eol.join(head) + eol + eol + body


def misspelt(first: dict[str, str], addresses: dict[str, list[str]]) -> None:
    """Fill a missing From/Subject from a header whose name is a near miss ("Subjet", "Form")."""
    for wanted in ("from", "subject", "to", "date"):
        if wanted in first:
            continue
        others = [k for k in first if k not in KNOWN and not k.startswith("x-")]
        close = difflib.get_close_matches(wanted, others, n=1, cutoff=0.75)
        if close:
            first[wanted] = first[close[0]]
            if wanted in ("from", "to"):
                addresses.setdefault(wanted, []).append(first[close[0]])
