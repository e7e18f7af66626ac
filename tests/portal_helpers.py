"""Portal test helpers (the general ones live in inbox.testing.helpers)."""

from __future__ import annotations

import re

from inbox.testing.helpers import mail_in  # noqa: F401


def link_from(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"(http://\S+/portal/sign-in/\S+)", body).group(1)
