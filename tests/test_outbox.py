"""The outbox: undo send, retries while SMTP is down, permanent rejections, crash recovery, Sent copies."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from test_send_headers import make_conversation, make_user

from inbox.extensions import db
from inbox.mail.inbound import imap_client
from inbox.mail.outbound import outbox
from inbox.mail.outbound import smtp as send
from inbox.mail.outbound.worker import INTERRUPTED, _claim
from inbox.models import OutboxMessage, ThreadItem, utcnow
from inbox.testing.servers import SmtpSink


def row_of(item) -> OutboxMessage:
    db.session.expire_all()
    return db.session.execute(db.select(OutboxMessage).where(OutboxMessage.item_id == item.id)).scalar_one()


def queue(mailbox, text="hello", **kw):
    conv = make_conversation(mailbox)
    item = outbox.queue_reply(conv, make_user(), text, **kw)
    db.session.commit()
    return item


def test_undo_send_before_due_sends_nothing(app, mailbox, smtp_sink):
    item = queue(mailbox, "Oops, wrong customer", delay=10)
    assert outbox.send_due()["sent"] == 0  # still inside the undo window
    assert outbox.cancel(item) is True
    assert outbox.send_due(now=utcnow() + timedelta(minutes=5))["sent"] == 0
    assert smtp_sink.messages == []
    db.session.refresh(item)
    assert item.send_status == "cancelled" and item.new_text == "Oops, wrong customer"
    assert item.conversation.first_response_at is None
    assert row_of(item).status == "cancelled"
    assert outbox.cancel(item) is False  # nothing left to undo


def test_cannot_undo_once_sent(app, mailbox, smtp_sink):
    item = queue(mailbox)
    assert outbox.send_due()["sent"] == 1
    assert outbox.cancel(item) is False
    assert row_of(item).status == "sent" and len(smtp_sink.wait_for(1)) == 1


def test_smtp_down_means_queued_then_sent_exactly_once(app, mailbox, smtp_sink):
    smtp_sink.stop()
    item = queue(mailbox)
    t0 = utcnow()
    counts = outbox.send_due(now=t0)
    assert counts == {**counts, "sent": 0, "retrying": 1}
    row = row_of(item)
    assert row.status == "queued" and row.attempts == 1 and "refused" in row.last_error
    assert abs((row.next_attempt_at - t0).total_seconds() - app.config["OUTBOX_BACKOFF"][0]) < 1
    db.session.refresh(item)
    assert item.send_status == "queued" and item.send_error.startswith("will retry")
    assert outbox.send_due(now=t0 + timedelta(seconds=5))["retrying"] == 0  # backing off
    smtp_sink.start()
    assert outbox.send_due(now=t0 + timedelta(seconds=31))["sent"] == 1
    assert outbox.send_due(now=t0 + timedelta(days=1))["sent"] == 0
    assert len(smtp_sink.wait_for(1)) == 1
    row = row_of(item)
    assert row.status == "sent" and row.attempts == 2 and row.sent_at is not None
    db.session.refresh(item)
    assert item.send_status == "sent" and item.send_error is None


def test_temporary_4xx_retries(app, mailbox, smtp_sink):
    smtp_sink.refuse_with = (451, "4.3.0 Greylisted, try again")
    item = queue(mailbox)
    t0 = utcnow()
    assert outbox.send_due(now=t0)["retrying"] == 1
    assert "451 4.3.0 Greylisted" in row_of(item).last_error
    smtp_sink.refuse_with = None
    assert outbox.send_due(now=t0 + timedelta(hours=1))["sent"] == 1
    assert len(smtp_sink.messages) == 1


def test_permanent_5xx_fails_at_once_with_the_servers_reason_and_can_be_retried(app, mailbox, smtp_sink):
    smtp_sink.refuse_with = (554, "5.7.1 Message rejected as spam")
    item = queue(mailbox)
    assert outbox.send_due()["failed"] == 1
    row = row_of(item)
    assert row.status == "failed" and row.attempts == 1
    assert "554 5.7.1 Message rejected as spam" in row.last_error
    db.session.refresh(item)
    assert item.send_status == "failed" and "Message rejected as spam" in item.send_error
    assert outbox.send_due(now=utcnow() + timedelta(days=1))["sent"] == 0
    smtp_sink.refuse_with = None
    assert outbox.retry(item) is True
    assert outbox.send_due()["sent"] == 1
    assert row_of(item).status == "sent" and len(smtp_sink.messages) == 1
    assert outbox.retry(item) is False  # only failed messages can be retried


@pytest.mark.parametrize("app_config", [{"OUTBOX_MAX_ATTEMPTS": 3, "OUTBOX_BACKOFF": [10, 20]}])
def test_gives_up_after_max_attempts(app, mailbox, smtp_sink):
    smtp_sink.stop()
    item = queue(mailbox)
    t = utcnow()
    for waited in (0, 10, 20):
        t += timedelta(seconds=waited)
        outbox.send_due(now=t)
    row = row_of(item)
    assert row.status == "failed" and row.attempts == 3
    assert row.last_error.startswith("gave up after 3 attempts")


def test_smtp_login(app, mailbox):
    sink = SmtpSink(auth=("mailer", "s3cret-pass")).start()
    try:
        mailbox.smtp_port, mailbox.smtp_user = sink.port, "mailer"
        mailbox.set_smtp_password("wrong-pass")
        db.session.commit()
        item = queue(mailbox)
        assert outbox.send_due()["retrying"] == 1
        assert "SMTP login failed: 535" in row_of(item).last_error
        mailbox.set_smtp_password("s3cret-pass")
        db.session.commit()
        assert outbox.send_due(now=utcnow() + timedelta(minutes=1))["sent"] == 1
        assert len(sink.wait_for(1)) == 1
    finally:
        sink.stop()


def _crash_mid_send(item, mailbox, deliver: bool, copy_to_sent: bool = False) -> OutboxMessage:
    """What a worker leaves behind when killed during the SMTP transaction."""
    oid = row_of(item).id
    db.session.execute(
        db.update(OutboxMessage)
        .where(OutboxMessage.id != oid, OutboxMessage.status == "queued")
        .values(next_attempt_at=utcnow() + timedelta(days=1))
    )
    db.session.execute(db.update(OutboxMessage).where(OutboxMessage.id == oid).values(next_attempt_at=utcnow()))
    assert _claim(utcnow(), 10, "dead-worker") == [oid]
    row = db.session.get(OutboxMessage, oid)
    if deliver:
        with send.SmtpSession(mailbox) as s:
            s.send(row.envelope_from, row.recipients, row.mime)
    if copy_to_sent:
        imap_client.append_to_sent(mailbox, row.mime)
    db.session.execute(
        db.update(OutboxMessage).where(OutboxMessage.id == oid).values(claimed_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    return row


def test_stale_sending_row_is_never_sent_twice(app, mailbox, smtp_sink):
    item = queue(mailbox)
    _crash_mid_send(item, mailbox, deliver=True)
    assert len(smtp_sink.wait_for(1)) == 1
    counts = outbox.send_due()
    assert counts["recovered"] == 1 and counts["sent"] == 0
    row = row_of(item)
    assert row.status == "failed" and row.last_error == INTERRUPTED
    db.session.refresh(item)
    assert item.send_status == "failed" and "may or may not have been delivered" in item.send_error
    outbox.send_due(now=utcnow() + timedelta(days=1))
    assert len(smtp_sink.messages) == 1  # no automatic second copy


def test_recent_sending_row_is_left_alone(app, mailbox, smtp_sink):
    item = queue(mailbox)
    _claim(utcnow(), 10, "live-worker")  # another worker, mid-transaction right now
    assert outbox.send_due()["recovered"] == 0
    assert row_of(item).status == "sending" and smtp_sink.messages == []
    assert outbox.cancel(item) is False  # too late to undo


def test_stale_row_found_in_sent_folder_counts_as_sent(app, mailbox, smtp_sink, dovecot):
    mailbox.sent_folder = "Sent"
    db.session.commit()
    delivered = queue(mailbox)
    lost = queue(mailbox)
    assert row_of(delivered).append_to_sent
    _crash_mid_send(delivered, mailbox, deliver=True, copy_to_sent=True)
    _crash_mid_send(lost, mailbox, deliver=False)
    counts = outbox.send_due()
    assert counts["recovered"] == 2 and counts["sent"] == 0
    assert row_of(delivered).status == "sent"
    assert row_of(lost).status == "failed" and row_of(lost).last_error == INTERRUPTED
    assert len(smtp_sink.wait_for(1)) == 1


def test_sent_copy_appended_to_imap(app, mailbox, smtp_sink, dovecot, imap_account):
    mailbox.sent_folder = "Sent"
    db.session.commit()
    item = queue(mailbox, "Copy me")
    counts = outbox.send_due()
    assert counts["sent"] == 1 and counts["appended"] == 1, dovecot.log()[-3000:]
    assert row_of(item).appended_at is not None
    with dovecot.client(imap_account[0]) as c:
        c.select_folder("Sent", readonly=True)
        uids = c.search(["HEADER", "Message-ID", f"<{item.message_id}>"])
        assert len(uids) == 1
        data = c.fetch(uids, ["FLAGS", "RFC822"])[uids[0]]
    assert b"\\Seen" in data[b"FLAGS"]
    assert data[b"RFC822"].replace(b"\r\n", b"\n") == row_of(item).mime.replace(b"\r\n", b"\n")


def test_two_workers_send_each_message_once(app, mailbox, smtp_sink):
    items = [queue(mailbox, f"message {i}") for i in range(8)]
    results = []

    def work(name):
        results.append(outbox.send_due(app=app, worker_id=name))

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r["sent"] for r in results) == 8
    got = smtp_sink.wait_for(8)
    assert len(got) == 8
    ids = {m["Message-ID"] for m in smtp_sink.parsed()}
    assert ids == {f"<{i.message_id}>" for i in items}
    db.session.expire_all()
    assert {
        i.send_status for i in db.session.execute(db.select(ThreadItem).where(ThreadItem.type == "reply")).scalars()
    } == {"sent"}
