"""How fast do webhook events leave? Queues events through the real services (status changes, so the
deliveries are written in the change's transaction) at a steady rate, while one worker step loop
(inbox.webhooks.deliver_due, as `inbox worker` runs it every second) sends them to a loopback
receiver. Prints the cost the event adds to the request that causes it, and the time from the
event to its first delivery attempt (median, p95, max). Asserts nothing.

    .venv/bin/python bench/webhooks.py [--events 1000] [--per-minute 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ARRIVED: dict[str, float] = {}


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        ARRIVED[json.loads(body)["data"]["conversation"]["marker"]] = time.time()
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--per-minute", type=int, default=1000)
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    from inbox import create_app, webhooks
    from inbox.conversations import new_conversation, set_status
    from inbox.extensions import db
    from inbox.migrations_setup import upgrade_all
    from inbox.models import Mailbox

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    folder = tempfile.mkdtemp(prefix="bench-webhooks-")
    app = create_app(
        {
            "INSTANCE_PATH": folder,
            "SECRET_KEY": "bench",
            "DISABLE_PLUGINS": "all",
            "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
        }
    )
    upgrade_all(app)
    with app.app_context():
        box = Mailbox(name="Support", email="support@bench.test")
        db.session.add(box)
        db.session.flush()
        webhooks.subscribe(f"http://127.0.0.1:{server.server_port}/hook", ["conversation.status_changed"])
        conv = new_conversation(mailbox_id=box.id, subject="Bench")
        db.session.commit()
        conv_id = conv.id

    stop = threading.Event()

    def worker():  # the worker's step, every second, in its own app context
        with app.app_context():
            while not stop.is_set():
                webhooks.deliver_due()
                stop.wait(1.0)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    sent_at: dict[str, float] = {}
    cost: list[float] = []
    gap = 60.0 / args.per_minute
    with app.app_context():
        conv = db.session.get(type(conv), conv_id)
        for n in range(args.events):
            started = time.perf_counter()
            marker = f"e{n}"
            # a marker rides in the payload's conversation so the receiver can time each event
            webhooks.set_representation(lambda c, marker=marker: {"id": c.id, "marker": marker})
            set_status(conv, "closed" if n % 2 == 0 else "active")  # the hook queues the event
            db.session.commit()
            cost.append((time.perf_counter() - started) * 1000)
            sent_at[marker] = time.time()
            time.sleep(max(0.0, gap - (time.perf_counter() - started)))
    deadline = time.time() + 30
    while len(ARRIVED) < args.events and time.time() < deadline:
        time.sleep(0.2)
    stop.set()
    thread.join()
    server.shutdown()
    waits = sorted(ARRIVED[m] - sent_at[m] for m in sent_at if m in ARRIVED)
    print(f"{args.events} events at {args.per_minute}/min: {len(waits)} delivered")
    print(
        f"request cost of a status change + its event: median {statistics.median(cost):.1f} ms, "
        f"p95 {statistics.quantiles(cost, n=20)[-1]:.1f} ms"
    )
    print(
        f"event -> delivered: median {statistics.median(waits):.2f} s, p95 "
        f"{statistics.quantiles(waits, n=20)[-1]:.2f} s, max {waits[-1]:.2f} s  ({datetime.now():%H:%M})"
    )


if __name__ == "__main__":
    main()
