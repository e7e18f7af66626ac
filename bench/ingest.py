"""How fast does `inbox fetch --history` turn IMAP mail into conversations?

Loads N messages (threads, HTML parts, attachments) into a Dovecot it starts itself, times a raw
imapclient FETCH of all of them, then runs `inbox fetch --history` as a subprocess into an empty
SQLite database and prints messages per second, the ratio to the raw fetch, the peak memory
(maxrss) and CPU of the ingest process and its parse workers, the machine's load average (the
figures mean little on a busy machine) and what was stored. Prints figures; asserts nothing.

    .venv/bin/python bench/ingest.py [--n 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
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
            msg.add_attachment(
                rng.randbytes(size), maintype="application", subtype="octet-stream", filename=f"file{i}.bin"
            )
        out.append(msg.as_bytes())
    return out


_WORDS = (
    "order invoice shipping parcel refund account password login broken widget delivery "
    "address payment card please thanks urgent update status tracking number"
).split()


def load(server, raws: list[bytes]) -> float:
    t = time.perf_counter()
    with server.client(USER) as c:
        for start in range(0, len(raws), 500):
            c.multiappend("INBOX", raws[start : start + 500])
    return time.perf_counter() - t


def raw_fetch(server, batch: int) -> tuple[float, int]:
    t = time.perf_counter()
    total = 0
    with server.client(USER) as c:
        c.select_folder("INBOX", readonly=True)
        uids = sorted(c.search("ALL"))
        for start in range(0, len(uids), batch):
            for data in c.fetch(uids[start : start + batch], ["BODY.PEEK[]"]).values():
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
        mb = Mailbox(
            name="Bench",
            email="support@bench.test",
            imap_host=server.host,
            imap_port=server.port,
            imap_user=USER,
            imap_security="none",
            folders=["INBOX"],
        )
        mb.set_imap_password(PASSWORD)
        db.session.add(mb)
        db.session.commit()
        db.engine.dispose()


# Reports, on stderr, what only the ingest process itself knows: its own peak memory and CPU, and
# those of the parse workers it forked (reaped children). The peak is VmHWM, not ru_maxrss: Linux
# carries the forking parent's RSS into the child's maxrss across exec (this bench process holds
# the corpus, so ru_maxrss said ~180 MB for a process that never exceeded ~125 MB). A forked
# worker's maxrss counts the pages it still shares with the ingest process.
_REPORT = (
    "import atexit, resource, sys\n"
    "def _r():\n"
    "    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "    hwm = s.ru_maxrss\n"
    "    try:\n"
    "        hwm = int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])\n"
    "    except (OSError, StopIteration, ValueError):\n"
    "        pass\n"
    "    print('BENCH', hwm, c.ru_maxrss, s.ru_utime + s.ru_stime, c.ru_utime + c.ru_stime,"
    " file=sys.stderr)\n"
    "atexit.register(_r)\n"
    "from inbox.cli import main; main()"
)


def run_fetch(path: str, *args: str) -> tuple[float, dict, str]:
    env = dict(os.environ, INBOX_INSTANCE_PATH=path, INBOX_SECRET_KEY="bench-secret")
    cmd = [sys.executable, "-c", _REPORT, "fetch", *args]
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"inbox fetch failed ({proc.returncode}): {proc.stdout} {proc.stderr[-2000:]}")
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("BENCH "))
    main_kib, workers_kib, main_cpu, workers_cpu = (float(x) for x in line.split()[1:])
    usage = {
        "main_mb": main_kib / 1024,
        "workers_mb": workers_kib / 1024,
        "main_cpu": main_cpu,
        "workers_cpu": workers_cpu,
    }
    return elapsed, usage, proc.stdout.strip()


def counts(path: str) -> dict:
    with sqlite3.connect(os.path.join(path, "inbox.sqlite3")) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "raw": one("select count(*) from raw_message"),
            "items": one("select count(*) from thread_item where type in ('customer', 'reply')"),
            "threads": one("select count(*) from conversation"),
            "attachments": one("select count(*) from attachment"),
        }


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200, help="FETCH_BATCH for both fetches")
    parser.add_argument("--runs", type=int, default=1, help="import into a fresh database this many times")
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from inbox.testing.servers import DovecotServer

    server = DovecotServer({USER: PASSWORD}).start()
    instances = []
    try:
        raws = corpus(args.n)
        size = sum(len(r) for r in raws)
        print(f"corpus: {args.n} messages, {size / 1e6:.1f} MB; {os.cpu_count()} CPUs")
        print(f"loaded into Dovecot in {load(server, raws):.1f} s")
        del raws
        fetch_s, fetched_bytes = raw_fetch(server, args.batch)
        print(f"raw imapclient FETCH: {fetch_s:.2f} s ({args.n / fetch_s:,.0f} msg/s, {fetched_bytes / 1e6:.1f} MB)")
        os.environ["INBOX_FETCH_BATCH"] = str(args.batch)
        for run in range(1, args.runs + 1):
            instance = tempfile.mkdtemp(prefix="inbox-bench-")
            instances.append(instance)
            setup_instance(instance, server)
            before = load_average()
            ingest_s, usage, summary = run_fetch(instance, "--history")
            idle_s, _, _ = run_fetch(instance)  # start-up and an empty pass: the fixed cost
            c = counts(instance)
            print(f"run {run}: inbox fetch --history: {ingest_s:.2f} s -> {summary}")
            print(
                f"  {args.n / ingest_s:,.0f} msg/s including process start-up ({idle_s:.1f} s for an empty pass); "
                f"{args.n / max(ingest_s - idle_s, 1e-6):,.0f} msg/s excluding it"
            )
            print(f"  ratio ingest / raw fetch: {ingest_s / fetch_s:.1f}x")
            print(
                f"  peak memory: ingest process {usage['main_mb']:.0f} MB (VmHWM), "
                f"largest parse worker {usage['workers_mb']:.0f} MB (maxrss, incl. pages shared with it)"
            )
            print(
                f"  CPU: ingest process {usage['main_cpu']:.1f} s, parse workers {usage['workers_cpu']:.1f} s; "
                f"load average before {before}, after {load_average()}"
            )
            print(
                f"  stored: {c['raw']} messages, {c['items']} thread items, {c['threads']} threads, "
                f"{c['attachments']} attachments; SQLite file "
                f"{os.path.getsize(os.path.join(instance, 'inbox.sqlite3')) / 1e6:.0f} MB"
            )
            shutil.rmtree(instance, ignore_errors=True)
    finally:
        server.cleanup()
        for instance in instances:
            shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
