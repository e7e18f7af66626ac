"""How fast are the agent pages at 1,000 and 100,000 conversations?

Seeds a fresh SQLite database per size with core bulk inserts (mailboxes, agents, customers,
conversations with about three thread items each, tags), then times requests through the Flask
test client as a logged-in admin: the inbox list (default folder and "All"), a page further down
(keyset cursor), a conversation page (if /conversations/<number> exists), a search, a status
change, and the REST API (a page of 50, a conversation with 50 items, queueing a reply). The two sizes are timed in alternation, so load from other processes hits both alike.
Prints median and p95 milliseconds per size and the ratio large/small. Asserts nothing.

    .venv/bin/python bench/web.py [--sizes 1000 100000] [--runs 40]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

WORDS = (
    "order invoice refund shipping account password login export report billing plan upgrade cancel "
    "delivery address tracking payment card charge receipt discount coupon product size color return "
    "exchange warranty broken damaged missing late slow error crash bug feature request integration api "
    "webhook token limit upload download file photo calendar sync email notification settings profile "
    "team invite seat license trial renewal annual monthly price quote contract security privacy data "
    "export import backup restore mobile android iphone browser chrome firefox safari windows mac"
).split()
PASSWORD = "bench password 1"


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def seed(app, n: int, rng: random.Random) -> dict:
    from sqlalchemy import insert

    from inbox.extensions import db
    from inbox.models import (
        Conversation,
        Customer,
        CustomerEmail,
        Mailbox,
        Tag,
        ThreadItem,
        User,
        conversation_tag,
        mailbox_access,
    )

    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with app.app_context():
        db.session.execute(
            insert(Mailbox.__table__),
            [
                {
                    "id": i,
                    "name": name,
                    "email": f"{name.lower()}@bench.test",
                    "aliases": [],
                    "folders": ["INBOX"],
                    "imap_security": "ssl",
                    "smtp_security": "starttls",
                    "closed_policy": "reopen",
                    "closed_policy_days": 30,
                    "portal_enabled": True,
                    "active": True,
                    "created_at": now,
                }
                for i, name in ((1, "Support"), (2, "Billing"))
            ],
        )
        admin = User(id=1, email="admin@bench.test", name="Bench Admin", role="admin", preferences={})
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.flush()
        db.session.execute(
            insert(User.__table__),
            [
                {
                    "id": i,
                    "email": f"agent{i}@bench.test",
                    "name": f"Agent {i}",
                    "role": "agent",
                    "active": True,
                    "preferences": {},
                    "created_at": now,
                }
                for i in range(2, 7)
            ],
        )
        db.session.execute(insert(mailbox_access), [{"user_id": u, "mailbox_id": 1 + u % 2} for u in range(2, 7)])
        n_customers = max(n // 4, 10)
        db.session.execute(
            insert(Customer.__table__),
            [{"id": i, "name": f"Customer {i}", "created_at": now} for i in range(1, n_customers + 1)],
        )
        db.session.execute(
            insert(CustomerEmail.__table__),
            [{"customer_id": i, "email": f"c{i}@example.org"} for i in range(1, n_customers + 1)],
        )
        db.session.execute(insert(Tag.__table__), [{"id": i, "name": w} for i, w in enumerate(WORDS[:20], 1)])
        statuses = ["closed"] * 80 + ["active"] * 12 + ["pending"] * 6 + ["spam"] * 2
        item_id = 0
        for start in range(0, n, 5000):
            convs, items, tags = [], [], []
            for cid in range(start + 1, min(n, start + 5000) + 1):
                when = now - timedelta(minutes=(n - cid) * 3 + rng.randint(0, 2))
                status = rng.choice(statuses)
                cust = rng.randint(1, n_customers)
                subject = sentence(rng, rng.randint(3, 7))
                convs.append(
                    {
                        "id": cid,
                        "number": cid,
                        "mailbox_id": 1 + cid % 2,
                        "subject": subject,
                        "status": status,
                        "assignee_id": rng.choice([None, None, 1, 2, 3, 4, 5, 6]),
                        "customer_id": cust,
                        "preview": sentence(rng, 20)[:300],
                        "created_at": when,
                        "updated_at": when,
                        "last_activity_at": when,
                        "last_customer_at": when,
                        "source": "email",
                        "closed_at": when if status == "closed" else None,
                    }
                )
                for k in range(rng.choice([1, 2, 3, 3, 4])):
                    item_id += 1
                    kind = "customer" if k % 2 == 0 else rng.choice(["reply", "note"])
                    body = sentence(rng, rng.randint(20, 80))
                    if k == 0 and cid % max(n // 60, 1) == 0:  # 60 conversations at any size: a full page
                        body += " The zeppelin arrived broken."
                    items.append(
                        {
                            "id": item_id,
                            "conversation_id": cid,
                            "type": kind,
                            "source": "email",
                            "from_name": f"Customer {cust}",
                            "from_email": f"c{cust}@example.org",
                            "to": [{"name": "Support", "email": "support@bench.test"}],
                            "cc": [],
                            "bcc": [],
                            "references": [],
                            "subject": subject,
                            "date": when,
                            "created_at": when,
                            "text": body,
                            "new_text": body,
                            "is_auto_reply": False,
                            "is_bulk": False,
                            "is_bounce": False,
                            "bounced": False,
                        }
                    )
                if rng.random() < 0.25:
                    tags.append({"conversation_id": cid, "tag_id": rng.randint(1, 20)})
            db.session.execute(insert(Conversation.__table__), convs)
            db.session.execute(insert(ThreadItem.__table__), items)
            if tags:
                db.session.execute(insert(conversation_tag), tags)
        db.session.commit()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    return {"conversations": n, "items": item_id}


def setup(n: int):
    """A seeded app for n conversations, a logged-in client, and the requests to time."""
    from inbox import create_app
    from inbox.migrations_setup import upgrade_all

    folder = tempfile.mkdtemp(prefix=f"bench-web-{n}-")
    app = create_app(
        {"INSTANCE_PATH": folder, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "DISABLE_PLUGINS": "all"}
    )
    upgrade_all(app)
    started = time.perf_counter()
    counts = seed(app, n, random.Random(n))
    print(
        f"seeded {counts['conversations']:,} conversations / {counts['items']:,} items "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    client = app.test_client()
    assert client.post("/login", data={"email": "admin@bench.test", "password": PASSWORD}).status_code == 302
    rng = random.Random(1)

    def ok(resp, expect=200):
        assert resp.status_code == expect, (resp.status_code, resp.request.path)
        return resp

    first = ok(client.get("/inbox?folder=all")).get_data(as_text=True)
    cursor = re.search(r"after=([^&\"]+)", first).group(1)
    cases = {
        "inbox list (Unassigned)": lambda: ok(client.get("/inbox")),
        "inbox list (All)": lambda: ok(client.get("/inbox?folder=all")),
        "inbox next page": lambda: ok(client.get(f"/inbox?folder=all&after={cursor}", headers={"HX-Request": "true"})),
        "live poll": lambda: ok(client.get("/live/inbox?since=2100-01-01T00:00:00")),
        "search (common word)": lambda: ok(client.get("/search?q=refund")),
        "search (rare word)": lambda: ok(client.get("/search?q=zeppelin")),
        "search (word + filters)": lambda: ok(client.get("/search?q=invoice+status:closed+mailbox:billing")),
    }
    if "conversation.show" in app.view_functions:
        cases["conversation page"] = lambda: ok(client.get(f"/conversations/{rng.randint(1, n)}"))
    else:
        print("no /conversations/<number> route: conversation page skipped")
    if "conversation.set_status" in app.view_functions:
        cases["status change"] = lambda: ok(
            client.post(
                f"/conversations/{rng.randint(1, n)}/status", data={"status": rng.choice(["closed", "active"])}
            ),
            302,
        )
    else:
        cases["status change"] = lambda: ok(
            client.post(
                "/inbox/bulk", data={"ids": [str(rng.randint(1, n))], "action": rng.choice(["close", "active"])}
            ),
            302,
        )
    cases.update(api_cases(app, n, rng, ok))
    return folder, cases


def api_cases(app, n: int, rng: random.Random, ok) -> dict:
    """The REST API's figures (issue 14): a page of 50, a conversation's 50 items, queueing a reply.
    Measured with the per-token rate limiter on (set high enough never to refuse), as in production."""
    from sqlalchemy import insert

    from inbox import access_tokens
    from inbox.extensions import db
    from inbox.models import ThreadItem, User

    with app.app_context():
        _row, raw = access_tokens.create(db.session.get(User, 1), "bench", ["admin"])
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        db.session.execute(
            insert(ThreadItem.__table__),
            [
                {
                    "conversation_id": 1,
                    "type": "note",
                    "source": "web",
                    "author_id": 1,
                    "text": sentence(rng, 30),
                    "new_text": None,
                    "to": [],
                    "cc": [],
                    "bcc": [],
                    "references": [],
                    "date": now,
                    "created_at": now,
                    "is_auto_reply": False,
                    "is_bulk": False,
                    "is_bounce": False,
                    "bounced": False,
                }
                for _ in range(50)
            ],
        )
        db.session.commit()
    app.config["API_RATE_LIMIT"] = 10**9
    api = app.test_client()
    auth = {"Authorization": f"Bearer {raw}"}
    return {
        "API list 50": lambda: ok(api.get("/api/v1/conversations?limit=50", headers=auth)),
        "API conversation + 50 items": lambda: (
            ok(api.get("/api/v1/conversations/1", headers=auth)),
            ok(api.get("/api/v1/conversations/1/items?limit=50", headers=auth)),
        ),
        "API queue a reply": lambda: ok(
            api.post(
                f"/api/v1/conversations/{rng.randint(2, n)}/items", headers=auth, json={"text": sentence(rng, 20)}
            ),
            201,
        ),
    }


def interleaved(small: dict, large: dict, runs: int) -> tuple[dict, dict]:
    """Alternate small and large calls so load from other processes hits both sizes alike."""
    res_small: dict[str, list[float]] = {}
    res_large: dict[str, list[float]] = {}
    for name in small:
        for _ in range(3):
            small[name](), large[name]()
        for _ in range(runs):
            for fn, out in ((small[name], res_small), (large[name], res_large)):
                started = time.perf_counter()
                fn()
                out.setdefault(name, []).append((time.perf_counter() - started) * 1000)
    return res_small, res_large


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[1000, 100000])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    small, large = args.sizes
    (dir_small, cases_small), (dir_large, cases_large) = setup(small), setup(large)
    try:
        res_small, res_large = interleaved(cases_small, cases_large, args.runs)
    finally:
        shutil.rmtree(dir_small, ignore_errors=True)
        shutil.rmtree(dir_large, ignore_errors=True)
    print(f"\n{'request':28} {small:>8,} med  p95 {large:>9,} med   p95   ratio(med)")
    for name in res_small:
        a, b = res_small[name], res_large[name]
        print(
            f"{name:28} {statistics.median(a):10.1f} {p95(a):5.1f} {statistics.median(b):14.1f} {p95(b):5.1f}"
            f"   {statistics.median(b) / statistics.median(a):5.2f}"
        )
    print("\nmilliseconds per request through the Flask test client, logged-in admin, SQLite")


if __name__ == "__main__":
    main()
