"""The pipelined import (fetch thread, parse worker processes, batch store): same result as the
one-process path, exactly once when killed, and no worker left behind."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

import pytest
from sqlalchemy import select
from test_ingest import _cli_env, _fetch_cmd, assert_exactly_once, bulk_append, corpus
from test_sync import count, sync

from inbox import hookimpl
from inbox.extensions import db
from inbox.models import Attachment, Conversation, ThreadItem
from inbox.storage import path_for


class Indexer:
    """A plugin that indexes history: reads the items it is handed."""

    PLUGIN_NAME = "indexer"
    seen: list = []

    @hookimpl
    def conversation_created(self, conversation, item, history):
        Indexer.seen.append((conversation.number, item.message_id, item.text.splitlines()[0], history))

    @hookimpl
    def customer_replied(self, conversation, item, history):
        Indexer.seen.append((conversation.number, item.message_id, item.text.splitlines()[0], history))


@pytest.fixture
def app_config():
    return {"EXTRA_PLUGINS": [Indexer()], "PARSE_POOL_MIN": 1, "PARSE_WORKERS": 2, "FETCH_BATCH": 15}


def test_pipelined_history_import_matches_the_corpus(app, mailbox, dovecot, imap_account):
    # in this process the SMTP sink runs a thread, so the workers come from a forkserver; the
    # CLI process of the next test is single-threaded and forks them
    import threading

    assert threading.active_count() > 1
    user, _ = imap_account
    n = 120
    bulk_append(dovecot, user, corpus(n, "pipe"))
    Indexer.seen = []
    stats = sync(mailbox, history=True)
    assert stats.fetched == n and stats.new_conversations == n // 4 and stats.added == n - n // 4
    assert_exactly_once("pipe", n)
    # replies are threaded onto their roots, in order
    conv = db.session.execute(select(Conversation).where(Conversation.subject == "Case 8")).scalar_one()
    assert [i.message_id for i in conv.items] == [f"pipe-{i}@c.test" for i in range(8, 12)]
    # the workers stored the attachment bytes; the rows point at them
    atts = db.session.execute(select(Attachment)).scalars().all()
    assert len(atts) == n // 5
    for att in atts:
        assert att.size == 300 and att.filename == "a.txt"
        with open(path_for(att.sha256), "rb") as f:
            assert f.read() == b"x" * 300
    # every item reached the hooks, with history=True, and lazily loads what was not preset
    assert len(Indexer.seen) == n
    assert all(h is True for *_, h in Indexer.seen)
    assert sorted(first for _, _, first, _ in Indexer.seen) == sorted(f"message {i}" for i in range(n))
    assert sync(mailbox, history=True).fetched == 0


def _env_marker(pid: str) -> bytes:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f.read()
    except OSError:
        return b""


def test_killed_pipelined_import_is_exactly_once_and_leaves_no_workers(app, mailbox, dovecot, imap_account):
    user, _ = imap_account
    n = 300
    bulk_append(dovecot, user, corpus(n, "pkill"))
    marker = f"pkill-{os.getpid()}-{time.monotonic_ns()}"
    env = _cli_env(app, INBOX_FETCH_BATCH=20, INBOX_PARSE_POOL_MIN=1, INBOX_PARSE_WORKERS=2, INBOX_TEST_MARKER=marker)
    db_path = os.path.join(app.instance_path, "inbox.sqlite3")

    def stored() -> int:
        with sqlite3.connect(db_path) as conn:
            return conn.execute("select count(*) from raw_message").fetchone()[0]

    killed_with, most = [], 0
    for target in (30, 120):
        proc = subprocess.Popen(_fetch_cmd("--history"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while stored() < target and proc.poll() is None and time.monotonic() < deadline:
            most = max(most, len(_marked_processes(marker)))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_with.append(stored())
    assert most >= 3, "expected the fetch process and two forked parse workers"
    # the workers see EOF on their pipe and exit on their own
    deadline = time.monotonic() + 10
    while _marked_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _marked_processes(marker)
    done = subprocess.run(_fetch_cmd("--history"), env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert any(0 < k < n for k in killed_with), killed_with
    db.session.expire_all()
    assert_exactly_once("pkill", n)
    assert count(ThreadItem) == n


def _marked_processes(marker: str) -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and marker.encode() in _env_marker(p)]
