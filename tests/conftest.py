"""Fixtures shared by this suite's files; the general ones come from the root conftest.py
(inbox.testing.fixtures)."""

from __future__ import annotations

import pytest
from test_sync import sync


@pytest.fixture
def deliver(mailbox, dovecot, imap_account):
    """deliver(raw, ...): append raw messages to the test account's INBOX in Dovecot, then sync."""
    user, _ = imap_account

    def deliver(*raws):
        for raw in raws:
            dovecot.append(user, raw)
        return sync(mailbox)

    return deliver
