"""A large import as a three-stage pipeline: FETCH batch N+2, parse N+1, store N.

A thread fetches (imapclient waits on the socket without the GIL), worker processes parse
(parse_pool.py), and the calling thread stores, batch by batch and in UID order, through the same
Ingestor.store as the one-process path. Exactly-once does not change: each batch is still one
transaction together with its last_uid, and a batch is stored only after every batch before it.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
from typing import Callable, Iterable

from flask import current_app

from ...extensions import db
from .ingest import Fetched, Ingestor, prepare
from .pool import ParsePool

log = logging.getLogger("inbox.ingest")
_END = object()


def store_pipelined(
    fetch: Callable[[list[int]], Iterable[tuple[int, bytes]]],
    ingestor: Ingestor,
    chunks: list[list[int]],
    workers: int,
    attachments_dir: str | None = None,
    progress=None,
) -> None:
    fetched: queue.Queue = queue.Queue(maxsize=2)  # bounds memory: the fetcher runs at most 2 ahead
    stop = threading.Event()

    def put(value) -> bool:
        while not stop.is_set():
            try:
                fetched.put(value, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def fetcher() -> None:
        try:
            for chunk in chunks:
                if not put((chunk, list(fetch(chunk)))):
                    return
            put(_END)
        except BaseException as exc:  # handed to the storing thread, which raises it
            put(exc)

    def take():
        value = fetched.get()
        if isinstance(value, BaseException):
            raise value
        return None if value is _END else value

    threshold = gc.get_threshold()
    # the app's objects (ORM mappers, plugins, imports) are long-lived; a young-generation collection
    # every 700 allocations kept re-walking them: ~1 s of a 10,000-message import
    gc.freeze()
    gc.set_threshold(max(threshold[0], 50_000), *threshold[1:])
    checkpoint = _wal_autocheckpoint(20_000)
    # attachment bytes come back from the workers only for message_received plugins to read
    max_html = int(current_app.config.get("MAX_HTML_CHARS") or 1_500_000)
    with ParsePool(workers, attachments_dir, keep_data=ingestor.received_hooked, max_html_chars=max_html) as pool:
        thread = threading.Thread(target=fetcher, name="inbox-fetch", daemon=True)
        thread.start()
        try:
            current = take()
            if current is not None:
                pool.submit([raw for _, raw in current[1]])
            while current is not None:
                chunk, batch = current
                parsed = pool.collect()
                current = take()
                if current is not None:  # the workers parse the next batch while this one is stored
                    pool.submit([raw for _, raw in current[1]])
                ingestor.store(
                    [
                        Fetched(uid, raw, *result) if result is not None else prepare(uid, raw)
                        for (uid, raw), result in zip(batch, parsed)
                    ],
                    upto=chunk[-1],
                )
                if progress:
                    progress(total=None, step=len(chunk))
        finally:
            stop.set()
            thread.join()
            gc.set_threshold(*threshold)
            gc.unfreeze()
            if checkpoint is not None:
                try:
                    _wal_autocheckpoint(checkpoint)
                except Exception:  # best effort: never hide the exception that brought us here
                    log.debug("could not restore wal_autocheckpoint", exc_info=True)


def _wal_autocheckpoint(pages: int) -> int | None:
    """Set SQLite's WAL auto-checkpoint (pages) on the session's connection; the old value.

    By default the WAL is copied into the database (with an fsync) every 1,000 pages, i.e. after
    nearly every batch of a history import; fewer, larger checkpoints do the same work once.
    """
    conn = db.session.connection()
    if conn.dialect.name != "sqlite":
        return None
    old = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={int(pages)}")
    return old
