"""The long-running worker: one thread per mailbox folder (IMAP IDLE, or polling where the server
has no IDLE), and an APScheduler for periodic jobs (outbox, snooze wake-ups, plugin jobs).

Several workers may run at once: a folder is only synced by the holder of its FolderState lease;
the others wait and take over if the holder dies (its lease runs out). Scheduled jobs (snoozes and
plugin jobs) are scheduled in every worker, and each run is claimed in the job_lease table, so it
happens once across all of them (inbox/job_lease.py). `start_in_thread(app)` runs
one beside a web app or a test; `Worker(app).run_forever()` is `inbox worker`.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import select

from . import conversations, job_lease, ratelimit
from .api import limits as api_limits
from .extensions import db
from .mail.inbound import imap_client
from .mail.inbound import sync as imap
from .mail.outbound.outbox import send_due
from .models import Conversation, Mailbox, PortalToken, utcnow
from .plugin_host import host
from .webhooks import deliver_due as deliver_webhooks
from .webhooks import prune as prune_webhook_log

log = logging.getLogger("inbox.worker")
OUTBOX_SECONDS = 3
SNOOZE_SECONDS = 30
WEBHOOK_SECONDS = 1  # event -> first attempt well under 2 s
REFRESH_SECONDS = 30
MAX_BACKOFF = 300
PRUNE_SECONDS = 3600


class Worker:
    def __init__(self, app: Flask, owner: str | None = None):
        self.app = app
        self.owner = owner or imap.make_owner()
        self.stopping = threading.Event()
        self.threads: dict[tuple[int, str], threading.Thread] = {}
        self.clients: dict[tuple[int, str], object] = {}  # the live IMAP connection per folder
        self.scheduler = BackgroundScheduler(timezone=timezone.utc)
        self._lock = threading.Lock()

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> Worker:
        self._schedule()
        self.scheduler.start()
        self.refresh_folders()
        log.info("worker %s started", self.owner)
        return self

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        try:
            self.scheduler.shutdown(wait=False)
        except Exception:
            pass
        for thread in list(self.threads.values()):
            thread.join(timeout)
        log.info("worker %s stopped", self.owner)

    def run_forever(self) -> None:
        def on_signal(signum, _frame):
            log.info("signal %s: shutting down", signum)
            self.stopping.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.start()
        while not self.stopping.wait(1):
            pass
        self.stop()

    # --- scheduled jobs ---------------------------------------------------------------------

    def _schedule(self) -> None:
        # the outbox runs in every worker: each message is claimed on its own (outbox.send_due)
        self._add("outbox", self._in_app(self.send_outbox), "interval", {"seconds": OUTBOX_SECONDS})
        self._add("snooze", self._once("snooze", self._in_app(wake_snoozed)), "interval", {"seconds": SNOOZE_SECONDS})
        self._add("folders", self.refresh_folders, "interval", {"seconds": REFRESH_SECONDS})
        self._add("prune", self._once("prune", self._in_app(prune_ledgers)), "interval", {"seconds": PRUNE_SECONDS})
        # webhooks: every worker sends (each delivery is claimed on its own, like the outbox)
        self._add("webhooks", self._in_app(deliver_webhooks), "interval", {"seconds": WEBHOOK_SECONDS})
        self._add(
            "webhooks-prune",
            self._once("webhooks-prune", self._in_app(prune_webhook_log)),
            "interval",
            {"seconds": 3600},
        )
        self._add("api-prune", self._once("api-prune", self._in_app(api_limits.prune)), "interval", {"seconds": 3600})
        # every loaded plugin's jobs, enabled or not: PluginHost.jobs() runs each only while its
        # plugin is enabled (checked at every run), so enabling or disabling needs no restart
        with self.app.app_context():
            plugin_jobs = host().jobs()
        for plugin, job in plugin_jobs:
            job_id = f"plugin:{job.id}"
            try:
                self._add(job_id, self._once(job_id, job.func, plugin=plugin), job.trigger, job.trigger_args)
            except Exception as exc:  # a bad trigger must not stop the worker
                with self.app.app_context():
                    host().record_error(plugin, f"register_jobs {job.id}", exc)

    def _add(self, job_id: str, func: Callable[[], object], trigger: str, trigger_args: dict) -> None:
        self.scheduler.add_job(func, trigger, id=job_id, max_instances=1, coalesce=True, **trigger_args)

    def _once(self, job_id: str, func: Callable[[], object], plugin: str | None = None) -> Callable[[], None]:
        """func, run only by the worker that claims this run's lease (see job_lease)."""

        def run() -> None:
            if self.stopping.is_set():
                return
            with self.app.app_context():
                try:
                    if plugin is not None and not host().is_enabled(plugin):
                        return  # no claim either: a disabled plugin's slot is nobody's
                    if not job_lease.claim(job_id, self.owner, self._next_due(job_id)):
                        return
                except Exception:
                    log.exception("job %s: could not claim its lease", job_id)
                    db.session.rollback()
                    return
            func()

        return run

    def _next_due(self, job_id: str) -> datetime:
        """Just short of this worker's next fire of job_id: the other workers' fires before it are
        the same run. The margin absorbs scheduling jitter; a quarter period, at most a second."""
        trigger = self.scheduler.get_job(job_id).trigger
        now = datetime.now(timezone.utc)
        following = trigger.get_next_fire_time(None, now)
        if following is None:  # a one-off trigger: nothing follows, keep the others off for a minute
            return now + timedelta(minutes=1)
        if following <= now:
            following = trigger.get_next_fire_time(following, now)
        after = trigger.get_next_fire_time(following, following + timedelta(microseconds=1))
        margin = min((after - following) / 4, timedelta(seconds=1)) if after else timedelta(seconds=1)
        return following - margin

    def _in_app(self, func: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            with self.app.app_context():
                try:
                    func()
                except Exception:
                    log.exception("job %s failed", getattr(func, "__name__", func))
                    db.session.rollback()

        return run

    def send_outbox(self) -> None:
        send_due(None, worker_id=self.owner)

    # --- folders ----------------------------------------------------------------------------

    def refresh_folders(self) -> None:
        """Start a thread for every active mailbox folder that has none (new mailboxes, dead threads)."""
        if self.stopping.is_set():
            return
        with self.app.app_context():
            rows = db.session.execute(
                select(Mailbox.id, Mailbox.folders).where(Mailbox.active.is_(True), Mailbox.imap_host.is_not(None))
            ).all()
            db.session.remove()
        with self._lock:
            for mailbox_id, folders in rows:
                for folder in folders or ["INBOX"]:
                    key = (mailbox_id, folder)
                    thread = self.threads.get(key)
                    if thread is None or not thread.is_alive():
                        thread = threading.Thread(
                            target=self._folder_loop, args=key, daemon=True, name=f"imap-{mailbox_id}-{folder}"
                        )
                        self.threads[key] = thread
                        thread.start()

    def _folder_loop(self, mailbox_id: int, folder: str) -> None:
        backoff = 1.0
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                with self.app.app_context():
                    if not self._watch(mailbox_id, folder):
                        return  # mailbox gone or deactivated
            except Exception as exc:  # network errors above all: reconnect, slower each time
                if self.stopping.is_set():
                    return
                log.warning("mailbox %s/%s: %s; retrying in %.0f s", mailbox_id, folder, exc, backoff)
            if time.monotonic() - started > 60:
                backoff = 1.0  # it worked for a while: this is a fresh failure
            self.stopping.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _watch(self, mailbox_id: int, folder: str) -> bool:
        cfg = self.app.config
        mailbox = db.session.get(Mailbox, mailbox_id)
        if mailbox is None or not mailbox.active:
            return False
        client = imap_client.connect(mailbox)
        self.clients[(mailbox_id, folder)] = client
        state_id = None
        try:
            use_idle = bool(cfg.get("IMAP_IDLE", True)) and imap.supports_idle(client)
            while not self.stopping.is_set():
                mailbox = db.session.get(Mailbox, mailbox_id)
                if mailbox is None or not mailbox.active:
                    return False
                stats = imap.sync_folder(client, mailbox, folder, self.owner, keep_lease=True)
                if stats is None:  # another worker has it: wait and see whether its lease lapses
                    self.stopping.wait(min(float(cfg.get("POLL_INTERVAL") or 60), 5))
                    continue
                if stats.fetched:
                    log.info("%s/%s: %s", mailbox.name, folder, stats.line())
                state_id = imap.acquire(mailbox_id, folder, self.owner)
                db.session.remove()  # a fresh session per pass: no stale objects across hours
                if use_idle:
                    self._idle(client, mailbox_id, folder)
                else:
                    self._poll_wait(mailbox_id, folder)
            return True
        finally:
            self.clients.pop((mailbox_id, folder), None)
            if state_id is not None:
                try:
                    imap.release(state_id, self.owner)
                except Exception:
                    db.session.rollback()
            imap_client.close(client)

    def _renew(self, mailbox_id: int, folder: str, last: float) -> float:
        lease = float(self.app.config.get("LEASE_SECONDS") or 120)
        if time.monotonic() - last < lease / 3:
            return last
        imap.acquire(mailbox_id, folder, self.owner)
        db.session.remove()
        return time.monotonic()

    def _idle(self, client, mailbox_id: int, folder: str) -> None:
        """Wait for the server to announce new mail (or IDLE_TIMEOUT); then the caller syncs."""
        timeout = float(self.app.config.get("IDLE_TIMEOUT") or 300)
        client.idle()
        try:
            deadline, renewed = time.monotonic() + timeout, time.monotonic()
            while not self.stopping.is_set() and time.monotonic() < deadline:
                responses = client.idle_check(timeout=0.5)
                if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                    return
                renewed = self._renew(mailbox_id, folder, renewed)
        finally:
            client.idle_done()

    def _poll_wait(self, mailbox_id: int, folder: str) -> None:
        interval = float(self.app.config.get("POLL_INTERVAL") or 60)
        deadline, renewed = time.monotonic() + interval, time.monotonic()
        while not self.stopping.is_set() and time.monotonic() < deadline:
            self.stopping.wait(min(1.0, max(deadline - time.monotonic(), 0)))
            renewed = self._renew(mailbox_id, folder, renewed)


def wake_snoozed() -> int:
    """Pending conversations whose snooze has passed become active again."""
    due = (
        db.session.execute(
            select(Conversation).where(
                Conversation.status == "pending",
                Conversation.snoozed_until.is_not(None),
                Conversation.snoozed_until <= utcnow(),
            )
        )
        .scalars()
        .all()
    )
    for conv in due:
        conversations.set_status(conv, "active", by=None)
    db.session.commit()
    return len(due)


def prune_ledgers() -> int:
    """Old rate-limit rows and spent or expired portal sign-in tokens; nothing reads them again."""
    deleted = ratelimit.prune()
    deleted += (
        db.session.execute(db.delete(PortalToken).where(PortalToken.expires_at < utcnow() - ratelimit.KEEP)).rowcount
        or 0
    )
    db.session.commit()
    return deleted


def start_in_thread(app: Flask, owner: str | None = None) -> Worker:
    """A worker running in background threads of this process (tests, `inbox run --worker`); call .stop()."""
    return Worker(app, owner).start()
