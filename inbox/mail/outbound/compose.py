"""Outgoing MIME: subjects, threading headers, text/HTML bodies and attachments.

Pure functions over plain values (no database, no network), so every header rule is testable on
its own. outbox.py decides *what* to send; this module decides how the bytes look to a mail client.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, formataddr, getaddresses

from ...addresses import is_address

ID_HEADERS = {"message-id", "in-reply-to", "references"}


class _MailPolicy(EmailPolicy):
    """policy.SMTP, except that Message-ID lists are folded between ids and never RFC 2047-encoded.

    The stdlib folds an unstructured header whose token is longer than the line by turning it into
    encoded words (``=?utf-8?q?=3Cxxx...?=``), which breaks threading in every client for long ids
    such as Outlook's. Ids are ASCII by definition, so folding at the spaces between them is enough.
    """

    def _fold_ids(self, name: str, value) -> str:
        ids = str(value).split()
        out, line = [], f"{name}:"
        for token in ids:
            if len(line) + 1 + len(token) > self.max_line_length and line.strip() != f"{name}:":
                out.append(line)
                line = ""
            line += " " + token
        out.append(line)
        return self.linesep.join(out) + self.linesep

    def fold(self, name, value):
        if name.lower() in ID_HEADERS:
            return self._fold_ids(name, value)
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if name.lower() in ID_HEADERS:
            return self._fold_ids(name, value).encode("ascii", "replace")
        return super().fold_binary(name, value)


# 7bit: quoted-printable/base64 for non-ASCII bodies, so no relay needs 8BITMIME.
POLICY = _MailPolicy(linesep="\r\n", cte_type="7bit")

# Reply prefixes in the languages clients commonly use; "Re[2]:" and "Re(2):" too.
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|vs|antw|odp|r|ref|rif|res|atb|ynt)\s*(\[\d+\]|\(\d+\))?\s*:\s*", re.I)
_FWD_PREFIX = re.compile(r"^\s*(fwd?|wg|tr|rv|enc|doorst)\s*:\s*", re.I)
_NUMBER_TAG = re.compile(r"\s*\[#\d+\]\s*")


@dataclass
class OutAttachment:
    filename: str
    content_type: str
    data: bytes


def base_subject(subject: str) -> str:
    """The subject without leading reply prefixes (any number, any case) and without our [#N] tag."""
    s = _NUMBER_TAG.sub(" ", subject or "").strip()
    while True:
        m = _REPLY_PREFIX.match(s)
        if not m:
            return s
        s = _NUMBER_TAG.sub(" ", s[m.end() :]).strip()


def reply_subject(subject: str, number: int | None = None, number_format: str = "[#{number}]") -> str:
    """ "Re: <subject>", never "Re: Re:"; a forwarded subject keeps one "Fwd:" ("Re: Fwd: x").

    With number, the tag (e.g. "[#42]") goes right after "Re: " so that it survives clients which
    truncate long subjects.
    """
    base = base_subject(subject)
    fwd = _FWD_PREFIX.match(base)
    if fwd:  # "Fwd: Fw: x" -> "Fwd: x"
        rest = base[fwd.end() :]
        while (again := _FWD_PREFIX.match(rest)) or _REPLY_PREFIX.match(rest):
            rest = rest[(again or _REPLY_PREFIX.match(rest)).end() :]
        base = "Fwd: " + rest.strip()
    tag = (number_format.format(number=number) + " ") if number is not None else ""
    return f"Re: {tag}{base}".rstrip() if base or tag else "Re:"


def forward_subject(subject: str) -> str:
    base = base_subject(subject)
    while m := _FWD_PREFIX.match(base):
        base = base[m.end() :]
    return f"Fwd: {base}".rstrip()


def bound_references(refs: list[str], limit: int) -> list[str]:
    """Dedupe (keeping order) and keep at most limit ids: the first (the thread root) and the newest.

    RFC 5322 §3.6.4 suggests keeping the first; the newest are what a client threads on.
    """
    seen, ids = set(), []
    for ref in refs:
        ref = (ref or "").strip().strip("<>")
        if ref and ref not in seen:
            seen.add(ref)
            ids.append(ref)
    if limit <= 0:
        return []
    if len(ids) <= limit:
        return ids
    if limit == 1:
        return ids[-1:]
    return [ids[0], *ids[-(limit - 1) :]]


def text_to_html(text: str) -> str:
    """Plain text as escaped HTML: blank lines make paragraphs, single newlines <br>."""
    paragraphs = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
    body = "".join("<p>" + html_lib.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs if p.strip())
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n{body}</body></html>\n'


def with_signature(text: str, html: str | None, signatures: list[str]) -> tuple[str, str | None]:
    """Append each non-empty plain-text signature to the text (and escaped to the HTML)."""
    sigs = [s.strip() for s in signatures if s and s.strip()]
    if not sigs:
        return text, html
    text = text.rstrip() + "\n\n" + "\n\n".join(sigs) + "\n"
    if html is not None:
        sig_html = "".join("<p>" + html_lib.escape(s).replace("\n", "<br>\n") + "</p>" for s in sigs)
        if re.search(r"</body>", html, re.I):
            html = re.sub(r"</body>", lambda _m: sig_html + "</body>", html, count=1, flags=re.I)
        else:
            html = html + sig_html
    return text, html


def address(name: str | None, email: str) -> Address:
    local, _, domain = email.strip().rpartition("@")
    # a stored name may carry a control character (older imports); as a header it would raise
    name = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", name or "").split())
    return Address(display_name=name, username=local, domain=domain)


def readable_address(name: str, addr: str) -> str:
    """'박서준 <a@x>' as a person writes it: formataddr would turn a Hangul name into an RFC 2047
    encoded-word, which then reads as gibberish in the form and is sent encoded twice."""
    try:
        return str(Address(display_name=name, addr_spec=addr))
    except (ValueError, IndexError, HeaderParseError):  # not a valid address: let the check report it
        return formataddr((name, addr))


def addresses(values) -> list[Address]:
    """Accepts "a@x", "Name <a@x>", (name, email) pairs or {"name", "email"} dicts; drops blanks."""
    out = []
    for value in values or []:
        if isinstance(value, dict):
            pairs = [(value.get("name") or "", value.get("email") or "")]
        elif isinstance(value, (tuple, list)):
            pairs = [(value[0] or "", value[1] or "")]
        else:
            pairs = getaddresses([str(value)])
        for name, email in pairs:
            email = email.strip()
            if email:
                if not is_address(email):
                    raise ValueError(f"not an email address: {email!r}")
                out.append(address(name, email))
    return out


def build_message(
    *,
    from_addr: Address,
    to: list[Address],
    subject: str,
    message_id: str,
    text: str,
    html: str | None = None,
    cc: list[Address] = (),
    reply_to: list[Address] = (),
    in_reply_to: str | None = None,
    references: list[str] = (),
    attachments: list[OutAttachment] = (),
    date: datetime | None = None,
    extra_headers: dict[str, str] | None = None,
) -> EmailMessage:
    """One outgoing message as a client will read it. Bcc is never a header: it lives only in
    the envelope. ``html=None`` derives the HTML part from the text."""
    msg = EmailMessage(policy=POLICY)
    msg["From"] = from_addr
    if to:
        msg["To"] = list(to)
    if cc:
        msg["Cc"] = list(cc)
    if reply_to:
        msg["Reply-To"] = list(reply_to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date) if date else format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        msg["References"] = " ".join(f"<{r}>" for r in references)
    for name, value in (extra_headers or {}).items():
        msg[name] = value
    msg.set_content(text if text.endswith("\n") else text + "\n", charset="utf-8")
    msg.add_alternative(html if html is not None else text_to_html(text), subtype="html", charset="utf-8")
    for att in attachments:
        maintype, _, subtype = (att.content_type or "application/octet-stream").partition("/")
        if maintype == "text":
            # bytes with a text/* type would need a charset guess; sending them as bytes keeps them exact
            msg.add_attachment(att.data, maintype=maintype, subtype=subtype or "plain", filename=att.filename)
        else:
            msg.add_attachment(
                att.data, maintype=maintype or "application", subtype=subtype or "octet-stream", filename=att.filename
            )
    return msg
