"""Parse a large import on the other cores while the main process stores.

Parsing is CPU-bound pure Python (~0.5 ms a message), as is storing; in one process they take
turns. Worker processes get raw bytes and send back (ParsedMessage, dedup key) pairs, plain
dataclasses; they never touch the database, so nothing about the app's engine is shared. They
also put attachment bytes into content-addressed storage (files only, no rows: an orphan file
from a batch that is rolled back is harmless, as it is for the one-process path).

Workers are forked when the importing process runs a single thread (the CLI: ready in
milliseconds, nothing to import; the child never touches the inherited SQLite handle and leaves
with os._exit). A multi-threaded process (the worker daemon) uses a 'forkserver' instead, as
forking a process whose other threads may hold locks is unsafe. Either way each worker holds the
only other end of its pipe, so when the importing process dies (even by SIGKILL) the worker reads
EOF and exits.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading

from ...sanitize import prepare_email_html
from ..parse import ParsedMessage, dedup_key, parse_message
from ..parse.feedparser_speedups import install as install_speedups

log = logging.getLogger("inbox.parse_pool")


def _serve(
    conn, attachments_dir: str | None, inherited=(), keep_data: bool = True, max_html_chars: int | None = None
) -> None:
    for other in inherited:  # a forked child got the parent's ends too: EOF needs them closed
        other.close()
    install_speedups()  # a forkserver child did not inherit the parent's (create_app installs it there)
    ctx = None
    if attachments_dir:
        from flask import Flask

        app = Flask("inbox.parse_worker")  # storage.store reads ATTACHMENTS_DIR from the app
        app.config["ATTACHMENTS_DIR"] = attachments_dir
        ctx = app.app_context()
        ctx.push()
    from ...storage import store

    while True:
        try:
            raws = conn.recv()
        except (EOFError, OSError):
            return
        if raws is None:
            return
        out: list[tuple[ParsedMessage, str] | None] = []
        for raw in raws:
            try:
                parsed = parse_message(raw)
                if parsed.html and max_html_chars:  # sanitised here, in parallel, not in the one writer
                    parsed.html_prepared = prepare_email_html(parsed.html, max_html_chars)
                if ctx is not None:
                    for att in parsed.attachments:
                        att.sha256 = store(att.data)
                        if not keep_data:  # nobody reads the bytes again: do not pickle them back
                            att.stored_size, att.data = len(att.data), b""
                out.append((parsed, dedup_key(raw, parsed.message_id)))
            except Exception:  # the main process parses this one itself and reports properly
                out.append(None)
        try:
            conn.send(out)
        except (EOFError, OSError):
            return


class ParsePool:
    """`submit(raws)` then `collect()` (in submission order); at most one batch in flight."""

    def __init__(
        self,
        workers: int,
        attachments_dir: str | None = None,
        keep_data: bool = True,
        max_html_chars: int | None = None,
    ):
        fork = threading.active_count() == 1
        ctx = multiprocessing.get_context("fork" if fork else "forkserver")
        if not fork:
            ctx.set_forkserver_preload(["inbox.mail.inbound.pool"])
        self.conns = []
        self.procs = []
        for _ in range(max(1, workers)):
            mine, theirs = ctx.Pipe(duplex=True)
            inherited = [*self.conns, mine] if fork else []
            proc = ctx.Process(
                target=_serve,
                args=(theirs, attachments_dir, inherited, keep_data, max_html_chars),
                daemon=True,
                name="inbox-parse",
            )
            proc.start()
            theirs.close()
            self.conns.append(mine)
            self.procs.append(proc)
        self.inflight: list[int] | None = None

    def submit(self, raws: list[bytes]) -> None:
        assert self.inflight is None, "collect() the previous batch first"
        n = len(self.conns)
        size = -(-len(raws) // n) if raws else 0
        self.inflight = []
        for i, conn in enumerate(self.conns):
            part = raws[i * size : (i + 1) * size]
            if part:
                conn.send(part)
                self.inflight.append(i)

    def collect(self) -> list[tuple[ParsedMessage, str] | None]:
        inflight, self.inflight = self.inflight or [], None
        out: list = []
        for i in inflight:
            out += self.conns[i].recv()
        return out

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.close()  # EOF: an idle worker exits at once
            except OSError:
                pass
        for proc in self.procs:
            proc.join(timeout=2)
            if proc.is_alive():  # busy with a batch nobody will read
                proc.kill()
                proc.join(timeout=2)

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def worker_count(config_value=None) -> int:
    """PARSE_WORKERS, else one per core but one: the storing process keeps a core to itself."""
    if config_value:
        return max(1, int(config_value))
    return max(1, min((os.cpu_count() or 1) - 1, 4))
