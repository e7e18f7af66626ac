"""How fast does `inbox fetch --history` turn IMAP mail into conversations?

Loads N messages (threads, HTML parts, attachments) into a Dovecot it starts itself, times a raw
imapclient FETCH of all of them, then runs `inbox fetch --history` as a subprocess into an empty
SQLite database and prints messages per second, the ratio to the raw fetch and the peak memory
(maxrss) of the ingest process. Prints figures; asserts nothing.

    .venv/bin/python bench/ingest.py [--n 10000]
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime

USER, PASSWORD = "bench", "bench-pw"


def corpus(n: int, seed: int = 1) -> list[bytes]:
    rng = random.Random(seed)
    customers = [(f"Customer {i}", f"customer{i}@example.org") for i in range(max(n // 7, 1))]
    start = datetime.now(timezone.utc) - timedelta(days=365)
    out: list[bytes] = []
    thread_roots: list[tuple[str, str, tuple[str, str]]] = []
    for i in range(n):
        msg = EmailMessage()
        mid = f"bench-{i}@example.org"
        if thread_roots and rng.random() < 0.55:  # a reply in an existing thread
            root, subject, who = rng.choice(thread_roots[-300:])
            msg["In-Reply-To"], msg["References"] = f"<{root}>", f"<{root}>"
            subject = "Re: " + subject
        else:
            who = rng.choice(customers)
            subject = f"Question about order {rng.randint(1000, 99999)}"
            thread_roots.append((mid, subject, who))
        msg["From"] = f"{who[0]} <{who[1]}>"
        msg["To"] = "support@bench.test"
        msg["Subject"] = subject
        msg["Message-ID"] = f"<{mid}>"
        msg["Date"] = format_datetime(start + timedelta(minutes=i * 50))
        text = f"Hello,\n\nthis is message {i}. " + " ".join(rng.choice(_WORDS) for _ in range(rng.randint(20, 200)))
        text += "\n\n> quoted earlier text\n> more quoted text\n\nRegards\n" + who[0]
        msg.set_content(text)
        if rng.random() < 0.4:
            msg.add_alternative(f"<html><body><p>{text.replace(chr(10), '<br>')}</p></body></html>", subtype="html")
        if rng.random() < 0.2:
            size = rng.choice((2_000, 15_000, 60_000))
            msg.add_attachment(rng.randbytes(size), maintype="application", subtype="octet-stream",
                               filename=f"file{i}.bin")
        out.append(msg.as_bytes())
    return out


_WORDS = ("order invoice shipping parcel refund account password login broken widget delivery "
          "address payment card please thanks urgent update status tracking number").split()


def load(server, raws: list[bytes]) -> float:
    t = time.perf_counter()
    with server.client(USER) as c:
        for start in range(0, len(raws), 500):
            c.multiappend("INBOX", raws[start:start + 500])
    return time.perf_counter() - t


def raw_fetch(server, batch: int) -> tuple[float, int]:
    t = time.perf_counter()
    total = 0
    with server.client(USER) as c:
        c.select_folder("INBOX", readonly=True)
        uids = sorted(c.search("ALL"))
        for start in range(0, len(uids), batch):
            for data in c.fetch(uids[start:start + batch], ["BODY.PEEK[]"]).values():
                total += len(data[b"BODY[]"])
    return time.perf_counter() - t, total


def setup_instance(path: str, server) -> None:
    from inbox import create_app
    from inbox.extensions import db
    from inbox.migrations_setup import upgrade_all
    from inbox.models import Mailbox

    app = create_app({"INSTANCE_PATH": path, "SECRET_KEY": "bench-secret"})
    upgrade_all(app)
    with app.app_context():
        mb = Mailbox(name="Bench", email="support@bench.test", imap_host=server.host, imap_port=server.port,
                     imap_user=USER, imap_security="none", folders=["INBOX"])
        mb.set_imap_password(PASSWORD)
        db.session.add(mb)
        db.session.commit()
        db.engine.dispose()


def run_fetch(path: str, *args: str) -> tuple[float, int, str]:
    env = dict(os.environ, INBOX_INSTANCE_PATH=path, INBOX_SECRET_KEY="bench-secret")
    cmd = [sys.executable, "-c", "from inbox.cli import main; main()", "fetch", *args]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"inbox fetch failed ({status}): {out}")
    return elapsed, usage.ru_maxrss, out.strip()  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200, help="FETCH_BATCH for both fetches")
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from inbox.testing.servers import DovecotServer

    server = DovecotServer({USER: PASSWORD}).start()
    instance = tempfile.mkdtemp(prefix="inbox-bench-")
    try:
        raws = corpus(args.n)
        size = sum(len(r) for r in raws)
        print(f"corpus: {args.n} messages, {size / 1e6:.1f} MB")
        print(f"loaded into Dovecot in {load(server, raws):.1f} s")
        del raws
        fetch_s, fetched_bytes = raw_fetch(server, args.batch)
        print(f"raw imapclient FETCH: {fetch_s:.2f} s ({args.n / fetch_s:,.0f} msg/s, {fetched_bytes / 1e6:.1f} MB)")
        setup_instance(instance, server)
        os.environ["INBOX_FETCH_BATCH"] = str(args.batch)
        ingest_s, maxrss_kib, summary = run_fetch(instance, "--history")
        idle_s, _, _ = run_fetch(instance)  # start-up and an empty pass: the fixed cost
        print(f"inbox fetch --history: {ingest_s:.2f} s -> {summary}")
        print(f"  {args.n / ingest_s:,.0f} msg/s including process start-up ({idle_s:.1f} s for an empty pass); "
              f"{args.n / max(ingest_s - idle_s, 1e-6):,.0f} msg/s excluding it")
        print(f"  ratio ingest / raw fetch: {ingest_s / fetch_s:.1f}x")
        print(f"  peak memory (maxrss of the ingest process): {maxrss_kib / 1024:.0f} MB")
        db_size = os.path.getsize(os.path.join(instance, "inbox.sqlite3"))
        print(f"  SQLite file: {db_size / 1e6:.0f} MB")
    finally:
        server.cleanup()
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
