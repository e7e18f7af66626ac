"""Portal test helpers (the general ones live in inbox.testing.helpers)."""

from __future__ import annotations

import re

from inbox.testing.helpers import mail_in
from inbox.testing.helpers import portal_sign_in as sign_in_as

__all__ = ["link_from", "mail_in", "sign_in_as"]  # the portal tests import these from here


def link_from(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"(http://\S+/portal/sign-in/\S+)", body).group(1)
