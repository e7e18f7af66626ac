"""Two installs, each with an auto-responder, whose mail reaches each other: each mailbox's SMTP
server delivers into the other's Dovecot INBOX. They must fall silent after one message each."""

from __future__ import annotations

import pytest
from ar_helpers import RelaySink, cycle, enable, message

from inbox.extensions import db
from inbox.models import Mailbox, ThreadItem
from inbox.testing.fixtures import make_app


@pytest.fixture
def installs(app, mailbox, dovecot, tmp_path, _migrated_template):
    """(app A, mailbox A id, app B, mailbox B id, dovecot user of B)."""
    user_b = mailbox.imap_user + "b"
    dovecot.add_user(user_b, "pw-" + user_b)
    app_b = make_app(str(tmp_path / "install-b"), _migrated_template)
    with app_b.app_context():
        mb = Mailbox(
            name="Robots B",
            email=f"{user_b}@other-shop.test",
            imap_host=dovecot.host,
            imap_port=dovecot.port,
            imap_user=user_b,
            imap_security="none",
            smtp_host="127.0.0.1",
            smtp_security="none",
            folders=["INBOX"],
        )
        mb.set_imap_password("pw-" + user_b)
        db.session.add(mb)
        db.session.commit()
        b_id = mb.id
    yield app, mailbox.id, app_b, b_id, user_b
    with app_b.app_context():
        db.session.remove()
        db.engine.dispose()


def _wire(installs, dovecot, strip):
    """Point each mailbox's SMTP at a sink delivering into the other's IMAP; turn both responders on."""
    app_a, a_id, app_b, b_id, user_b = installs
    mb_a = db.session.get(Mailbox, a_id)
    to_b = RelaySink(dovecot, user_b, strip).start()
    to_a = RelaySink(dovecot, mb_a.imap_user, strip).start()
    mb_a.smtp_host, mb_a.smtp_port = to_b.host, to_b.port
    enable(mb_a)
    with app_b.app_context():
        mb_b = db.session.get(Mailbox, b_id)
        mb_b.smtp_host, mb_b.smtp_port = to_a.host, to_a.port
        enable(mb_b)
        addr_b = mb_b.email
    return mb_a, addr_b, to_a, to_b


def _rounds(installs, mb_a, n=4) -> list[tuple[int, int]]:
    app_a, a_id, app_b, b_id, _ = installs
    sent = []
    for _ in range(n):
        a = cycle(app_a, mb_a)["sent"]
        with app_b.app_context():
            b = cycle(app_b, db.session.get(Mailbox, b_id))["sent"]
        sent.append((a, b))
    return sent


def _auto_replies(app) -> int:
    with app.app_context():
        return db.session.execute(
            db.select(db.func.count(ThreadItem.id)).where(ThreadItem.type == "auto_reply")
        ).scalar()


@pytest.mark.parametrize(
    "strip",
    [(), ("Auto-Submitted", "X-Auto-Response-Suppress")],
    ids=["honest-headers", "headers-stripped-by-the-other-side"],
)
def test_two_auto_responders_stop_after_one_message_each(installs, dovecot, strip):
    mb_a, addr_b, to_a, to_b = _wire(installs, dovecot, strip)
    try:
        # someone at B's address writes to A: the start of the exchange
        dovecot.append(mb_a.imap_user, message(addr_b, mb_a.email, subject="Hello from B", from_name="B")[0])
        sent = _rounds(installs, mb_a)
        a_sent, b_sent = sum(a for a, _ in sent), sum(b for _, b in sent)
        assert a_sent == 1 and len(to_b.messages) == 1
        # B answers A's auto-reply only when B cannot tell it is one (headers stripped), and only once
        assert b_sent == (1 if strip else 0) and len(to_a.messages) == b_sent
        assert sent[-1] == (0, 0) and sent[-2] == (0, 0)  # quiet for good
        assert _auto_replies(installs[0]) == 1 and _auto_replies(installs[2]) == b_sent
    finally:
        to_a.stop()
        to_b.stop()


def test_two_mailboxes_of_one_install_never_answer_each_other(app, mailbox, dovecot, smtp_sink):
    """Inside one install the other mailbox is "ourselves": no auto-reply at all."""
    other = Mailbox(name="Second desk", email="second@support.test")
    db.session.add(other)
    db.session.commit()
    enable(mailbox)
    dovecot.append(mailbox.imap_user, message("second@support.test", mailbox.email, subject="Internal")[0])
    cycle(app, mailbox)
    assert smtp_sink.messages == []
