"""Exactly once: killed processes, dropped connections, UIDVALIDITY changes, racing fetchers,
unreadable mail, and what plugins decide in message_received."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select
from test_sync import conv_of, count, make_mail, sync

from inbox import hookimpl
from inbox.extensions import db
from inbox.models import Conversation, FolderState, RawMessage, ThreadItem


def bulk_append(dovecot, user, raws, folder="INBOX"):
    with dovecot.client(user) as c:
        if not c.folder_exists(folder):
            c.create_folder(folder)
        for start in range(0, len(raws), 100):
            c.multiappend(folder, raws[start : start + 100])


def corpus(n: int, prefix: str) -> list[bytes]:
    """Threads of a few messages each, some with attachments."""
    out = []
    for i in range(n):
        root = f"{prefix}-{i - i % 4}@c.test"
        mid = f"{prefix}-{i}@c.test"
        out.append(
            make_mail(
                subject=f"Case {i - i % 4}",
                message_id=mid,
                frm=f"c{i % 37}@customer.test",
                in_reply_to=None if mid == root else root,
                body=f"message {i}\n" * 5,
                attachments=[("a.txt", "text/plain", b"x" * 300)] if i % 5 == 0 else (),
            )
        )
    return out


def assert_exactly_once(prefix: str, n: int) -> None:
    ids = db.session.execute(
        select(ThreadItem.message_id, func.count())
        .where(ThreadItem.message_id.like(f"{prefix}-%"))
        .group_by(ThreadItem.message_id)
    ).all()
    assert len(ids) == n, f"{n - len(ids)} messages lost"
    assert all(c == 1 for _, c in ids), [m for m, c in ids if c != 1]
    raws = db.session.execute(
        select(func.count()).select_from(RawMessage).where(RawMessage.message_id.like(f"{prefix}-%"))
    ).scalar()
    assert raws == n
    assert count(Conversation) == len({i - i % 4 for i in range(n)})


def _cli_env(app, **extra):
    env = dict(
        os.environ,
        INBOX_INSTANCE_PATH=app.instance_path,
        INBOX_SECRET_KEY=app.config["SECRET_KEY"],
        **{k: str(v) for k, v in extra.items()},
    )
    return env


def _fetch_cmd(*args):
    return [sys.executable, "-c", "from inbox.cli import main; main()", "fetch", *args]


def test_killed_at_random_points_then_restarted(app, mailbox, dovecot, imap_account):
    user, _ = imap_account
    n = 400
    bulk_append(dovecot, user, corpus(n, "kill"))
    env = _cli_env(app, INBOX_FETCH_BATCH=25, INBOX_HISTORY_DAYS=3650)
    rng = random.Random(7)
    db_path = os.path.join(app.instance_path, "inbox.sqlite3")
    killed_with = []

    def stored() -> int:
        with sqlite3.connect(db_path) as conn:
            return conn.execute("select count(*) from raw_message").fetchone()[0]

    for round_ in range(8):
        # kill once the import has gone past a random point, plus a random sliver of time, so
        # the kills land before, during and after batch commits
        target = stored() + rng.randint(1, 40)
        proc = subprocess.Popen(_fetch_cmd(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while stored() < target and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.15))
        proc.kill()
        proc.wait()
        killed_with.append(stored())
    done = subprocess.run(_fetch_cmd(), env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "duplicates skipped" in done.stdout
    # the kills really landed mid-import (not all before start or after the end)
    assert any(0 < k < n for k in killed_with), killed_with
    db.session.expire_all()
    assert_exactly_once("kill", n)


def test_dropped_connection_mid_fetch(app, mailbox, dovecot, imap_account):
    user, _ = imap_account
    n = 300
    bulk_append(dovecot, user, corpus(n, "drop"))
    app.config.update(FETCH_BATCH=10, HISTORY_DAYS=3650)
    db_path = os.path.join(app.instance_path, "inbox.sqlite3")
    seen_at_kick = []

    def kick():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with sqlite3.connect(db_path) as conn:
                got = conn.execute("select count(*) from raw_message").fetchone()[0]
            if got >= 20:
                subprocess.run(["doveadm", "-c", dovecot.conf, "kick", user], capture_output=True)
                seen_at_kick.append(got)
                return
            time.sleep(0.01)

    kicker = threading.Thread(target=kick)
    kicker.start()
    stats = sync(mailbox)
    kicker.join()
    assert seen_at_kick and seen_at_kick[0] < n  # the server dropped us mid-import
    assert stats.fetched >= n and stats.new_conversations == n // 4
    assert_exactly_once("drop", n)


def test_uidvalidity_change_rescans_without_duplicates(mailbox, dovecot, imap_account):
    user, _ = imap_account
    mailbox.folders = ["Support"]
    db.session.commit()
    raws = corpus(8, "uv")
    bulk_append(dovecot, user, raws, folder="Support")
    assert sync(mailbox).fetched == 8
    before = db.session.execute(select(FolderState.uidvalidity)).scalar()
    time.sleep(1.1)  # Dovecot derives a new UIDVALIDITY from the clock
    with dovecot.client(user) as c:
        c.delete_folder("Support")
        c.create_folder("Support")
    extra = corpus(12, "uv")[8:]
    bulk_append(dovecot, user, raws + extra, folder="Support")
    stats = sync(mailbox)
    db.session.expire_all()
    assert db.session.execute(select(FolderState.uidvalidity)).scalar() != before
    assert (stats.fetched, stats.duplicates) == (12, 8)
    assert_exactly_once("uv", 12)


def test_two_fetch_processes_at_once(app, mailbox, dovecot, imap_account):
    user, _ = imap_account
    n = 200
    bulk_append(dovecot, user, corpus(n, "race"))
    env = _cli_env(app, INBOX_FETCH_BATCH=20, INBOX_HISTORY_DAYS=3650)
    procs = [
        subprocess.Popen(_fetch_cmd(), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    db.session.expire_all()
    assert_exactly_once("race", n)


def test_unique_constraint_guards_racing_writers_without_lease(app, mailbox):
    """Two importers given the same messages at the same time (no lease): each stored once."""
    from inbox.mail.inbound.ingest import Ingestor, prepare

    raws = corpus(60, "guard")
    mailbox_id = mailbox.id
    errors = []

    def run():
        try:
            with app.app_context():
                from inbox.models import Mailbox

                ing = Ingestor(db.session.get(Mailbox, mailbox_id), "INBOX", 1)
                for start in range(0, len(raws), 15):
                    ing.store([prepare(None, r) for r in raws[start : start + 15]])
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    db.session.expire_all()
    assert_exactly_once("guard", 60)


def test_unreadable_message_is_kept_flagged_and_sync_goes_on(app, mailbox, dovecot, imap_account, monkeypatch):
    user, _ = imap_account
    garbage = b"this is not an email at all\r\n\xff\xfe\xfd binary junk\r\n"
    crashing = make_mail(subject="makes the pipeline crash", message_id="crash@c.test")
    bulk_append(
        dovecot, user, [make_mail(message_id="before@c.test"), garbage, crashing, make_mail(message_id="after@c.test")]
    )
    from inbox.mail.inbound import ingest

    real = ingest.ParsedMessage.all_refs.fget

    def all_refs(self):  # a bug deep in the pipeline for one message only
        if self.subject == "makes the pipeline crash":
            raise RuntimeError("simulated pipeline bug")
        return real(self)

    monkeypatch.setattr(ingest.ParsedMessage, "all_refs", property(all_refs))
    stats = sync(mailbox)
    assert stats.fetched == 4 and stats.failed_parse >= 1
    assert count(RawMessage) == 4
    flagged = db.session.execute(select(ThreadItem).where(ThreadItem.parse_error.is_not(None))).scalars().all()
    assert len(flagged) == 2
    assert any("not an email" in i.text for i in flagged)
    crash_item = next(i for i in flagged if i.message_id == "crash@c.test")
    assert "simulated pipeline bug" in crash_item.parse_error and (
        crash_item.raw_message.data.replace(b"\r\n", b"\n") == crashing.replace(b"\r\n", b"\n")
    )
    assert conv_of("after@c.test") and conv_of("before@c.test")


class Decider:
    PLUGIN_NAME = "decider"

    @hookimpl
    def message_received(self, message, mailbox, decision, history):
        subject = message.subject or ""
        if "drop me" in subject:
            decision.drop("unwanted newsletter")
        if "spammy" in subject:
            decision.mark_spam()
        if "tag me" in subject:
            decision.tag("VIP")

    created: list = []

    @hookimpl
    def conversation_created(self, conversation, item, history):
        Decider.created.append((conversation.number, item.message_id, history))


@pytest.fixture
def app_config():
    return {"EXTRA_PLUGINS": [Decider()]}


def test_message_received_decisions_and_hooks(app, mailbox, dovecot, imap_account):
    user, _ = imap_account
    Decider.created = []
    bulk_append(
        dovecot,
        user,
        [
            make_mail(subject="drop me", message_id="dr@c.test"),
            make_mail(subject="spammy", message_id="sp@c.test"),
            make_mail(subject="tag me", message_id="tg@c.test"),
        ],
    )
    stats = sync(mailbox)
    assert stats.dropped == 1 and stats.new_conversations == 2
    raw = db.session.execute(select(RawMessage).where(RawMessage.message_id == "dr@c.test")).scalar_one()
    assert raw.dropped_reason == "unwanted newsletter"
    assert count(ThreadItem, ThreadItem.message_id == "dr@c.test") == 0
    assert conv_of("sp@c.test").status == "spam"
    assert [t.name for t in conv_of("tg@c.test").tags] == ["vip"]
    assert sorted(m for _, m, _ in Decider.created) == ["sp@c.test", "tg@c.test"]
    assert all(h is False for _, _, h in Decider.created)
    Decider.created = []
    bulk_append(dovecot, user, [make_mail(subject="old one", message_id="hist@c.test")])
    sync(mailbox, history=True)
    assert Decider.created and Decider.created[0][2] is True
