"""What one hostile HTML mail costs: import, the conversation page, the body iframe (review finding 5).

Imports mails of nested <div>s (the review's 1.1 MB mail is depth 100,000) and a flat HTML mail of
several MB through the real importer into a fresh SQLite database, then times the conversation page
and the body route as a signed-in admin. Also times nh3 alone on the nested input, for comparison
with what every view cost before the HTML was sanitised once at import with its depth capped.
Prints seconds; asserts nothing.

    .venv/bin/python bench/hostile_html.py [--depths 10000 100000 200000] [--flat-mb 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "bench password 1"


def raw_mail(n: int, html: str) -> bytes:
    return (
        f"From: Deep <deep{n}@customer.test>\r\nTo: support@bench.test\r\nSubject: Hostile {n}\r\n"
        f"Message-ID: <hostile-{n}@customer.test>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
    ).encode() + html.encode()


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--depths", type=int, nargs="+", default=[10_000, 40_000, 100_000, 200_000])
    parser.add_argument("--flat-mb", type=float, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nh3-max-depth", type=int, default=40_000, help="time raw nh3 up to this depth")
    args = parser.parse_args()

    import nh3

    from inbox import create_app
    from inbox.extensions import db
    from inbox.mail.inbound.ingest import Ingestor, prepare
    from inbox.migrations_setup import upgrade_all
    from inbox.models import Mailbox, ThreadItem, User

    folder = tempfile.mkdtemp(prefix="bench-hostile-")
    try:
        app = create_app(
            {"INSTANCE_PATH": folder, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "DISABLE_PLUGINS": "all"}
        )
        upgrade_all(app)
        with app.app_context():
            box = Mailbox(name="Support", email="support@bench.test")
            admin = User(email="admin@bench.test", name="Admin", role="admin")
            admin.set_password(PASSWORD)
            db.session.add_all([box, admin])
            db.session.commit()
            client = app.test_client()
            assert client.post("/login", data={"email": "admin@bench.test", "password": PASSWORD}).status_code == 302
            cases = [(f"nested depth {d:,}", "<div>" * d + "<p>deep</p>" + "</div>" * d) for d in args.depths]
            flat = "<p>" + "flat words and more words " * int(args.flat_mb * 1024 * 1024 / 26) + "</p>"
            cases.append((f"flat {args.flat_mb:g} MB", flat))
            print(f"{'input':<22}{'MB':>6}{'nh3 alone':>11}{'import':>9}{'page p50':>10}{'body p50':>10}")
            for n, (label, html) in enumerate(cases):
                depth = html.count("<div>")
                raw_nh3 = (
                    f"{timed(lambda html=html: nh3.clean(html)):.2f}" if depth <= args.nh3_max_depth else "skipped"
                )
                fetched = prepare(None, raw_mail(n, html))
                t_import = timed(lambda fetched=fetched: Ingestor(box, "INBOX", None).store([fetched]))
                item = db.session.execute(
                    db.select(ThreadItem).where(ThreadItem.message_id == fetched.parsed.message_id)
                ).scalar_one()
                number = item.conversation.number
                page = [timed(lambda number=number: client.get(f"/conversations/{number}")) for _ in range(args.runs)]
                body = [
                    timed(lambda number=number, item=item: client.get(f"/conversations/{number}/items/{item.id}/body"))
                    for _ in range(args.runs)
                ]
                print(
                    f"{label:<22}{len(html) / 1e6:>6.1f}{raw_nh3:>11}{t_import:>9.2f}"
                    f"{statistics.median(page):>10.3f}{statistics.median(body):>10.3f}",
                    flush=True,
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
