"""Our outgoing Message-IDs carry a signed conversation token.

``<c123.k7f3a9b2.3f2a...@example.com>``: conversation id, a random part, and an HMAC of both with
the app secret. A reply whose client kept only our id in References still finds its conversation;
a forged or altered token verifies as nothing.
"""

from __future__ import annotations

import re
import secrets

from ..crypto import sign, verify

_TOKEN = re.compile(r"^c(\d+)\.([0-9a-z]{8})\.([0-9a-f]{16})@", re.I)


def make_message_id(conversation_id: int, domain: str) -> str:
    """A new Message-ID (without <>) for an outgoing message of this conversation."""
    nonce = secrets.token_hex(4)
    return f"c{conversation_id}.{nonce}.{sign(f'{conversation_id}.{nonce}', 'msgid')}@{domain}"


def conversation_id_from(message_id: str) -> int | None:
    """The conversation id in one of our Message-IDs, or None if it is not ours or is forged."""
    m = _TOKEN.match(message_id or "")
    if not m:
        return None
    conv_id, nonce, mac = m.groups()
    return int(conv_id) if verify(f"{conv_id}.{nonce.lower()}", mac.lower(), "msgid") else None
