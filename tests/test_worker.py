"""The worker: IDLE picks up new mail within 2 s, polling where IDLE is off, two workers never
fetch one folder twice, snoozes wake up, plugin jobs run guarded."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from test_sync import count, make_mail

from inbox import Job, conversations, hookimpl, job_lease
from inbox.extensions import db
from inbox.models import Conversation, FolderState, JobLease, PluginState, ThreadItem, utcnow
from inbox.plugin_host import host
from inbox.worker import start_in_thread, wake_snoozed


def wait_for(predicate, timeout: float) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        db.session.rollback()  # see other threads' commits
        if predicate():
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def _has(message_id: str) -> bool:
    return count(ThreadItem, ThreadItem.message_id == message_id) > 0


@pytest.fixture
def app_config():
    return {"IMAP_IDLE": False, "POLL_INTERVAL": 1, "LEASE_SECONDS": 3, "EXTRA_PLUGINS": [Ticker()]}


def test_two_polling_workers_share_a_folder_without_doubles(app, mailbox, dovecot, imap_account):
    user, _ = imap_account
    first, second = start_in_thread(app), start_in_thread(app)
    try:
        for n in range(10):
            dovecot.append(user, make_mail(message_id=f"poll{n}@c.test"))
        assert wait_for(lambda: count(ThreadItem) == 10, 20) is not None
        holder = db.session.execute(select(FolderState.lease_owner)).scalar()
        assert holder in (first.owner, second.owner)
        # the holder stops (or dies): the other takes over once the lease lapses
        (first if holder == first.owner else second).stop()
        dovecot.append(user, make_mail(message_id="after-handover@c.test"))
        assert wait_for(lambda: _has("after-handover@c.test"), 15) is not None
    finally:
        first.stop()
        second.stop()
    assert count(ThreadItem) == 11 and count(Conversation) == 11


class Ticker:
    PLUGIN_NAME = "ticker"
    runs = 0
    times: list[float] = []  # monotonic time of every tick, from every worker in this process

    @hookimpl
    def register_jobs(self):
        return [
            Job(id="tick", func=Ticker.tick, trigger="interval", trigger_args={"seconds": 1}),
            Job(id="boom", func=Ticker.boom, trigger="interval", trigger_args={"seconds": 1}),
        ]

    @staticmethod
    def tick():
        db.session.execute(select(Conversation.id)).all()  # runs inside an app context
        Ticker.runs += 1
        Ticker.times.append(time.monotonic())

    @staticmethod
    def boom():
        raise RuntimeError("job exploded")


def test_plugin_jobs_run_and_errors_are_recorded(app):
    Ticker.runs = 0
    worker = start_in_thread(app)
    try:
        assert wait_for(lambda: Ticker.runs >= 2, 10) is not None
        assert wait_for(lambda: (db.session.get(PluginState, "ticker") or PluginState()).last_error, 10)
    finally:
        worker.stop()
    assert "job exploded" in db.session.get(PluginState, "ticker").last_error


def _ticks_between(start: float, end: float) -> int:
    return sum(start <= t < end for t in Ticker.times)


def test_disabling_a_plugin_mid_run_stops_its_jobs_and_enabling_starts_them(app):
    Ticker.times = []
    worker = start_in_thread(app)
    try:
        assert wait_for(lambda: len(Ticker.times) >= 2, 10) is not None
        host().set_state("ticker", enabled=False)
        time.sleep(3.5)  # the enabled answer is trusted for 2 s, the job fires every second
        stopped = time.monotonic()
        time.sleep(3)
        assert _ticks_between(stopped, time.monotonic()) == 0
        host().set_state("ticker", enabled=True)
        assert wait_for(lambda: _ticks_between(stopped, time.monotonic()) >= 2, 8) is not None
    finally:
        worker.stop()


def test_two_workers_on_one_database_run_each_job_once_per_schedule(app):
    Ticker.times = []
    first, second = start_in_thread(app), start_in_thread(app)
    try:
        time.sleep(6.5)
    finally:
        first.stop()
        second.stop()
    times = sorted(Ticker.times)
    # every second, once: both workers fire the 1 s job, one of them wins each run
    assert 4 <= len(times) <= 8, times
    assert min(b - a for a, b in zip(times, times[1:])) > 0.5
    lease = db.session.get(JobLease, "plugin:ticker:tick")
    assert lease.owner in (first.owner, second.owner) and lease.next_due is not None


def test_a_run_is_claimed_by_one_worker_until_it_is_due_again(app):
    now = utcnow()
    due = now + timedelta(seconds=10)
    assert job_lease.claim("report", "w1", due, now=now)  # first run anywhere: the insert
    assert not job_lease.claim("report", "w2", due, now=now)
    assert not job_lease.claim("report", "w2", due, now=now + timedelta(seconds=9))
    assert job_lease.claim("report", "w2", due + timedelta(seconds=10), now=due)  # w1 missed its turn
    assert db.session.get(JobLease, "report").owner == "w2"


def test_snoozed_conversations_wake_up(app, mailbox):
    conv = Conversation(number=conversations.next_number(), mailbox_id=mailbox.id, subject="later")
    db.session.add(conv)
    db.session.flush()
    conversations.snooze(conv, utcnow() - timedelta(minutes=1))
    later = Conversation(number=conversations.next_number(), mailbox_id=mailbox.id, subject="much later")
    db.session.add(later)
    db.session.flush()
    conversations.snooze(later, utcnow() + timedelta(days=1))
    db.session.commit()
    assert wake_snoozed() == 1
    db.session.refresh(conv)
    db.session.refresh(later)
    assert (conv.status, conv.snoozed_until, later.status) == ("active", None, "pending")
