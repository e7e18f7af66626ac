"""The outbox worker's step (outbox.send_due): recover, claim, send, record.

Order of commits per message: "sending" + claim (commit) -> SMTP transaction -> "sent" (commit)
-> copy to the Sent folder -> appended_at (commit). Nothing is held open in the database while
SMTP talks, so the web app never waits on a slow mail server.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app

from ...extensions import db
from ...models import Mailbox, OutboxMessage, ThreadItem, utcnow
from ..inbound import imap_client
from . import smtp as send

log = logging.getLogger("inbox.outbox")

INTERRUPTED = (
    "interrupted while sending; may or may not have been delivered - check with the customer or retry manually"
)


def _cfg(key: str, default):
    value = current_app.config.get(key)
    return default if value is None else value


def run_once(now: datetime, limit: int, worker: str) -> dict:
    counts = {"sent": 0, "retrying": 0, "failed": 0, "recovered": 0, "appended": 0}
    _recover_stale(worker, counts)
    _append_pending(counts)
    ids = _claim(now, limit, worker)
    rows = [db.session.get(OutboxMessage, i) for i in ids]
    by_mailbox: dict[int, list[OutboxMessage]] = {}
    for row in rows:
        by_mailbox.setdefault(row.mailbox_id, []).append(row)
    for mailbox_id, batch in by_mailbox.items():
        mailbox = db.session.get(Mailbox, mailbox_id)
        with send.SmtpSession(mailbox) as session:
            down: send.SendError | None = None
            for row in batch:
                if down is not None:  # the server is unreachable: no point waiting on it for each row
                    _failure(row, down, now, counts)
                    continue
                down = _deliver(row, mailbox, session, now, worker, counts)
    return counts


def _claim(now: datetime, limit: int, worker: str) -> list[int]:
    due = (
        db.session.execute(
            db.select(OutboxMessage.id)
            .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    claimed = []
    for oid in due:
        # conditional: another worker, or an agent's undo, may have taken it since the SELECT
        res = db.session.execute(
            db.update(OutboxMessage)
            .where(OutboxMessage.id == oid, OutboxMessage.status == "queued")
            .values(status="sending", claimed_by=worker, claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1)
        )
        if res.rowcount == 1:
            claimed.append(oid)
    if claimed:
        db.session.execute(
            db.update(ThreadItem)
            .where(ThreadItem.id.in_(db.select(OutboxMessage.item_id).where(OutboxMessage.id.in_(claimed))))
            .values(send_status="sending")
        )
    db.session.commit()
    return claimed


def _deliver(
    row: OutboxMessage, mailbox: Mailbox, session: send.SmtpSession, now: datetime, worker: str, counts: dict
) -> send.SendError | None:
    """Send one claimed row. Returns the error when the server itself is unreachable."""
    # Renew the claim right before talking to the server, so a stale-claim recovery elsewhere can
    # only ever concern a row whose SMTP transaction really started more than the timeout ago.
    renewed = db.session.execute(
        db.update(OutboxMessage)
        .where(OutboxMessage.id == row.id, OutboxMessage.status == "sending", OutboxMessage.claimed_by == worker)
        .values(claimed_at=utcnow())
    ).rowcount
    db.session.commit()
    if renewed != 1:
        return None
    try:
        refused = session.send(row.envelope_from, list(row.recipients or []), row.mime)
    except send.SendError as err:
        _failure(row, err, now, counts)
        return err if err.code is None and not err.permanent else None
    # The message is with the server now. Until the commit below a crash leaves the row in
    # "sending": that gap (milliseconds) is the only window in which we cannot know the outcome.
    note = ("accepted, but refused for: " + "; ".join(f"{r}: {why}" for r, why in refused.items())) if refused else None
    row.status, row.sent_at, row.last_error = "sent", utcnow(), note
    _item(row, send_status="sent", send_error=note)
    db.session.commit()
    counts["sent"] += 1
    if row.append_to_sent:
        _append(row, mailbox, counts)
    return None


def _failure(row: OutboxMessage, err: send.SendError, now: datetime, counts: dict) -> None:
    max_attempts = int(_cfg("OUTBOX_MAX_ATTEMPTS", 8))
    if err.permanent or row.attempts >= max_attempts:
        reason = err.reason if err.permanent else f"gave up after {row.attempts} attempts: {err.reason}"
        row.status, row.last_error, row.claimed_by = "failed", reason, None
        _item(row, send_status="failed", send_error=reason)
        counts["failed"] += 1
    else:
        steps = _cfg("OUTBOX_BACKOFF", [60]) or [60]
        wait = float(steps[min(row.attempts, len(steps)) - 1])
        row.status, row.last_error, row.claimed_by, row.claimed_at = "queued", err.reason, None, None
        row.next_attempt_at = now + timedelta(seconds=wait)
        _item(row, send_status="queued", send_error=f"will retry: {err.reason}")
        counts["retrying"] += 1
    log.warning("outbox %s to %s: %s", row.id, ", ".join(row.recipients or []), err.reason)
    db.session.commit()


def _item(row: OutboxMessage, **values) -> None:
    if row.item_id:
        db.session.execute(db.update(ThreadItem).where(ThreadItem.id == row.item_id).values(**values))


def _append(row: OutboxMessage, mailbox: Mailbox, counts: dict) -> None:
    try:
        imap_client.append_to_sent(mailbox, row.mime)
    except Exception as exc:  # the message went out; a missing Sent copy is retried later
        log.warning("outbox %s: copy to %s failed: %s", row.id, mailbox.sent_folder, exc)
        return
    row.appended_at = utcnow()
    db.session.commit()
    counts["appended"] += 1


def _append_pending(counts: dict) -> None:
    """Sent-folder copies that failed earlier (IMAP was down), for a day."""
    rows = db.session.execute(
        db.select(OutboxMessage)
        .where(
            OutboxMessage.status == "sent",
            OutboxMessage.append_to_sent.is_(True),
            OutboxMessage.appended_at.is_(None),
            OutboxMessage.sent_at > utcnow() - timedelta(days=1),
        )
        .limit(20)
    ).scalars()
    for row in list(rows):
        _append(row, db.session.get(Mailbox, row.mailbox_id), counts)


def _recover_stale(worker: str, counts: dict) -> None:
    """Rows left in "sending" by a process that died: we cannot know whether the server took them.

    Policy: never resend automatically (a customer getting the same reply twice is the failure we
    promise not to cause). When the mailbox keeps Sent copies, a copy with this Message-ID proves
    delivery, so the row becomes "sent". Otherwise it becomes "failed" with INTERRUPTED, visible
    on the thread, and an agent decides (outbox.retry sends the same bytes and Message-ID, which
    most clients collapse if it did arrive). The Sent copy is made after SMTP, so its absence
    proves nothing; the undecidable window is the crash between the server's 250 and our commit.
    OUTBOX_SENDING_TIMEOUT (seconds, default 600) must exceed the longest SMTP transaction.
    """
    timeout = float(_cfg("OUTBOX_SENDING_TIMEOUT", 600))
    stale = (
        db.session.execute(
            db.select(OutboxMessage).where(
                OutboxMessage.status == "sending", OutboxMessage.claimed_at < utcnow() - timedelta(seconds=timeout)
            )
        )
        .scalars()
        .all()
    )
    for row in stale:
        taken = db.session.execute(  # only one recovering process gets to decide
            db.update(OutboxMessage)
            .where(
                OutboxMessage.id == row.id,
                OutboxMessage.status == "sending",
                OutboxMessage.claimed_at == row.claimed_at,
            )
            .values(claimed_by=f"{worker}:recovering", claimed_at=utcnow())
        ).rowcount
        db.session.commit()
        if taken != 1:
            continue
        mailbox = db.session.get(Mailbox, row.mailbox_id)
        found = False
        if row.append_to_sent and mailbox.sent_folder:
            try:
                found = imap_client.sent_folder_has(mailbox, row.message_id)
            except Exception as exc:  # IMAP down: ask again after another timeout
                log.warning("outbox %s: cannot check %s: %s", row.id, mailbox.sent_folder, exc)
                continue
        if found:
            row.status, row.sent_at, row.appended_at = "sent", utcnow(), utcnow()
            row.last_error = "interrupted while sending; found in the Sent folder, so it was delivered"
            _item(row, send_status="sent", send_error=None)
        else:
            row.status, row.last_error, row.claimed_by = "failed", INTERRUPTED, None
            _item(row, send_status="failed", send_error=INTERRUPTED)
        db.session.commit()
        counts["recovered"] += 1
        log.warning("outbox %s was interrupted mid-send; now %s", row.id, row.status)
