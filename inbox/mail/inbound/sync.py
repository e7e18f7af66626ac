"""Syncing IMAP folders: list UIDs, fetch bytes, wait with IDLE, hold the folder leases. Connections
come from imap_client (the one IMAP door).

Read-only by design: folders are opened with EXAMINE and bodies fetched with BODY.PEEK[], so we
never set \\Seen, delete or move anything on the server.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterator

from flask import current_app
from imapclient import IMAPClient
from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import FolderState, RawMessage, utcnow
from .imap_client import NETWORK_ERRORS, ImapError, close, connect, describe
from .ingest import Ingestor, LeaseLost, Stats, history_days, prepare
from .pipeline import store_pipelined
from .pool import worker_count

log = logging.getLogger("inbox.imap")


@dataclass
class FolderInfo:
    uidvalidity: int
    uidnext: int | None
    exists: int


def open_folder(client: IMAPClient, folder: str) -> FolderInfo:
    info = client.select_folder(folder, readonly=True)
    return FolderInfo(
        uidvalidity=int(info[b"UIDVALIDITY"]),
        uidnext=int(info.get(b"UIDNEXT", 0)) or None,
        exists=int(info.get(b"EXISTS", 0)),
    )


def uids_after(client: IMAPClient, last_uid: int) -> list[int]:
    # "n:*" always matches the highest message even below n, hence the filter
    return sorted(u for u in client.search(["UID", f"{last_uid + 1}:*"]) if u > last_uid)


def uids_since(client: IMAPClient, since: date) -> list[int]:
    return sorted(client.search(["SINCE", since]))


def all_uids(client: IMAPClient) -> list[int]:
    return sorted(client.search("ALL"))


def fetch(client: IMAPClient, uids: list[int]) -> Iterator[tuple[int, bytes]]:
    """(uid, raw bytes) in UID order; messages expunged meanwhile are simply absent."""
    if not uids:
        return
    data = client.fetch(uids, ["BODY.PEEK[]"])
    for uid in sorted(data):
        raw = data[uid].get(b"BODY[]")
        if raw is not None:
            yield uid, bytes(raw)


def supports_idle(client: IMAPClient) -> bool:
    return client.has_capability("IDLE")


# --- folder sync: leases and UID bookkeeping -------------------------------------------------


def make_owner() -> str:
    """host:pid:random; the pid lets a restarted process take over a lease its killed self held."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def _owner_dead(owner: str) -> bool:
    parts = owner.split(":")
    if len(parts) < 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def folder_state(mailbox_id: int, folder: str):
    def get():
        return db.session.execute(
            select(FolderState).where(FolderState.mailbox_id == mailbox_id, FolderState.folder == folder)
        ).scalar_one_or_none()

    state = get()
    if state is None:
        try:
            db.session.add(FolderState(mailbox_id=mailbox_id, folder=folder, last_uid=0))
            db.session.commit()
        except IntegrityError:  # another process created it first
            db.session.rollback()
        state = get()
    return state


def acquire(mailbox_id: int, folder: str, owner: str, seconds: int | None = None) -> int | None:
    """Take (or renew) the folder's lease with one conditional UPDATE; the FolderState id, or None."""
    seconds = seconds or int(current_app.config.get("LEASE_SECONDS") or 120)
    state = folder_state(mailbox_id, folder)
    now = utcnow()
    free = [FolderState.lease_owner.is_(None), FolderState.lease_owner == owner, FolderState.lease_until < now]
    if state.lease_owner and state.lease_owner != owner and _owner_dead(state.lease_owner):
        free.append(FolderState.lease_owner == state.lease_owner)
    taken = db.session.execute(
        update(FolderState)
        .where(FolderState.id == state.id, or_(*free))
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=seconds)),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.commit()
    return state.id if taken else None


def _advancer(state_id: int, owner: str):
    """The in-transaction step that moves last_uid and renews the lease, or raises LeaseLost."""
    seconds = int(current_app.config.get("LEASE_SECONDS") or 120)

    def advance(uid: int | None, **extra) -> None:
        values = {"lease_until": utcnow() + timedelta(seconds=seconds), **extra}
        if uid is not None:
            values["last_uid"] = case((FolderState.last_uid < uid, uid), else_=FolderState.last_uid)
        done = db.session.execute(
            update(FolderState).where(FolderState.id == state_id, FolderState.lease_owner == owner).values(**values),
            execution_options={"synchronize_session": False},
        ).rowcount
        if not done:
            raise LeaseLost(f"folder state {state_id} is now held by another worker")

    return advance


def release(state_id: int, owner: str) -> None:
    db.session.rollback()
    db.session.execute(
        update(FolderState)
        .where(FolderState.id == state_id, FolderState.lease_owner == owner)
        .values(lease_owner=None, lease_until=None),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()


def sync_folder(
    client: IMAPClient,
    mailbox,
    folder: str,
    owner: str,
    history: bool = False,
    stats=None,
    progress=None,
    keep_lease: bool = False,
):
    """One pass over a folder: import what is new since last time. Returns Stats, or None when
    another worker holds the folder. `progress(total=None, step=0)` is told the work as it goes."""

    stats = stats if stats is not None else Stats()
    state_id = acquire(mailbox.id, folder, owner)
    if state_id is None:
        return None
    session = db.session()
    expire = session.expire_on_commit
    # we are the writer of what we just committed; reloading every object after each batch commit
    # (for the hooks fired after it) was the largest single cost of a history import
    session.expire_on_commit = False
    try:
        advance = _advancer(state_id, owner)
        info = open_folder(client, folder)
        state = db.session.get(FolderState, state_id)
        db.session.refresh(state)
        if state.uidvalidity != info.uidvalidity:
            if state.uidvalidity is not None:  # the server renumbered: rescan all; dedup skips what we have
                log_uidvalidity(mailbox, folder, state.uidvalidity, info.uidvalidity)
            advance(None, uidvalidity=info.uidvalidity, last_uid=0)
            db.session.commit()
            db.session.refresh(state)
        first = state.last_sync_at is None
        last_uid = state.last_uid
        if history:
            known = set(
                db.session.execute(
                    select(RawMessage.uid).where(
                        RawMessage.mailbox_id == mailbox.id,
                        RawMessage.folder == folder,
                        RawMessage.uidvalidity == info.uidvalidity,
                    )
                ).scalars()
            )
            uids = [u for u in all_uids(client) if u not in known]
        elif first:
            since = (utcnow() - timedelta(days=history_days(mailbox))).date()
            uids = [u for u in uids_since(client, since) if u > last_uid]
        else:
            uids = uids_after(client, last_uid)
        if progress:
            progress(total=len(uids), step=0)
        ingestor = Ingestor(mailbox, folder, info.uidvalidity, history=history, stats=stats, advance=advance)
        size = int(current_app.config.get("FETCH_BATCH") or 200)
        chunks = [uids[start : start + size] for start in range(0, len(uids), size)]
        workers = worker_count(current_app.config.get("PARSE_WORKERS"))
        if len(chunks) > 1 and len(uids) >= int(current_app.config.get("PARSE_POOL_MIN") or 1000):
            store_pipelined(
                lambda chunk: fetch(client, chunk),
                ingestor,
                chunks,
                workers,
                current_app.config.get("ATTACHMENTS_DIR"),
                progress,
            )
        else:  # a normal pass brings a handful of messages: starting processes would cost more
            for chunk in chunks:
                ingestor.store([prepare(uid, raw) for uid, raw in fetch(client, chunk)], upto=chunk[-1])
                if progress:
                    progress(total=None, step=len(chunk))
        # everything that existed when the folder was opened has been considered
        top = (info.uidnext - 1) if info.uidnext else (uids[-1] if uids else None)
        advance(top if (first or history) else None, last_sync_at=utcnow(), last_error=None)
        db.session.commit()
        return stats
    except Exception as exc:
        db.session.rollback()
        _record_error(state_id, exc)
        raise
    finally:
        session.expire_on_commit = expire
        if not keep_lease:
            release(state_id, owner)


def log_uidvalidity(mailbox, folder: str, old: int, new: int) -> None:
    log.warning("UIDVALIDITY of %s/%s changed (%s -> %s): rescanning the folder", mailbox.name, folder, old, new)


def _record_error(state_id: int, exc: BaseException) -> None:
    try:
        db.session.execute(
            update(FolderState)
            .where(FolderState.id == state_id)
            .values(last_error=f"{type(exc).__name__}: {exc}"[:2000]),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
    except Exception:
        db.session.rollback()


def sync_mailbox(
    mailbox, owner: str | None = None, history: bool = False, stats=None, progress=None, retries: int = 3
) -> tuple[object, list[str]]:
    """Every folder of a mailbox, reconnecting after a dropped connection (committed work stays).

    Returns (Stats, folders skipped because another worker holds them). Raises ImapError when the
    server cannot be reached or refuses the login.
    """

    owner = owner or make_owner()
    stats = stats if stats is not None else Stats()
    busy: list[str] = []
    folders = list(mailbox.folders or ["INBOX"])
    done: set[str] = set()
    attempt = 0
    while True:
        client = connect(mailbox)
        try:
            for folder in folders:
                if folder in done:
                    continue
                if sync_folder(client, mailbox, folder, owner, history=history, stats=stats, progress=progress) is None:
                    busy.append(folder)
                done.add(folder)
            return stats, busy
        except NETWORK_ERRORS as exc:
            attempt += 1
            if attempt > retries:
                raise ImapError(f"connection to {mailbox.imap_host} lost: {describe(exc)}") from None
            log.warning("connection to %s lost (%s); reconnecting", mailbox.imap_host, describe(exc))
            time.sleep(min(2**attempt * 0.25, 5))
        finally:
            close(client)
