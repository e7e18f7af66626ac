"""IMAP IDLE: the worker stores new mail within 2 s of its arrival (polling is off by default
interval: 60 s, so only IDLE can be this fast)."""

from __future__ import annotations

import time

from sqlalchemy import select
from test_sync import make_mail
from test_worker import _has, wait_for

from inbox.extensions import db
from inbox.models import FolderState
from inbox.worker import start_in_thread


def test_idle_worker_picks_up_new_mail_within_two_seconds(app, mailbox, dovecot, imap_account):
    user, _ = imap_account
    dovecot.append(user, make_mail(message_id="before-worker@c.test"))
    assert app.config["POLL_INTERVAL"] >= 60
    worker = start_in_thread(app)
    try:
        assert wait_for(lambda: _has("before-worker@c.test"), 20) is not None
        time.sleep(0.5)  # the worker is now idling
        for n in range(3):
            dovecot.append(user, make_mail(message_id=f"live{n}@c.test"))
            took = wait_for(lambda: _has(f"live{n}@c.test"), 10)
            assert took is not None and took < 2.0, took
    finally:
        worker.stop()
    state = db.session.execute(select(FolderState)).scalar_one()
    assert state.lease_owner is None  # released on a clean stop
