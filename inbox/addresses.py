"""One answer to "is this an email address?" for every address a person types: admin forms,
the CLI, the reply editor, customer addresses, portal sign-in and outgoing mail.

Deliberately permissive: one @, a local part (quoted, or without spaces and angle brackets) and a
domain without spaces or the characters that delimit addresses in headers, 320 characters at most
(RFC 5321's limit, and the columns' size). A domain without a dot is allowed: the first admin is
admin@localhost, and intranet hosts exist.
"""

from __future__ import annotations

import re

MAX_LENGTH = 320
# the same shape the parser accepts in incoming headers (a quoted local part, or one without spaces
# or angle brackets), so every address we received can be replied to
_ADDRESS = re.compile(r"(?:\"[^\"\r\n\\]{1,64}\"|[^@\s<>\"]{1,256})@[^@\s<>,;\"()\[\]\\]{1,255}")


def normalize(address: str) -> str:
    """How addresses are stored and compared: trimmed and lower-case."""
    return (address or "").strip().lower()


def is_address(address: str | None) -> bool:
    return bool(address) and len(address) <= MAX_LENGTH and _ADDRESS.fullmatch(address) is not None
