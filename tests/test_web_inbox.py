"""The inbox list: folders and counts, keyset pages, sorting and filters, bulk actions, live poll."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event
from test_web_support import login, make_conversation, make_mailbox, make_user

from inbox.extensions import db
from inbox.models import Conversation, Draft, ThreadItem, utcnow


def _numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/conversations/(\d+)"', html)]


def _setup(app):
    support, billing = make_mailbox("Support"), make_mailbox("Billing")
    admin = make_user("Ada Admin", role="admin")
    agent = make_user("Sam Agent", mailboxes=[support])
    return support, billing, admin, agent


def test_folders_list_the_right_conversations_and_counts(app, client):
    support, billing, admin, agent = _setup(app)
    unassigned = make_conversation(support, "Unassigned one", minutes_ago=5)
    mine = make_conversation(support, "Mine one", assignee=agent, minutes_ago=4)
    theirs = make_conversation(support, "Assigned to admin", assignee=admin, minutes_ago=3)
    pending = make_conversation(support, "Waiting on customer", status="pending", minutes_ago=2)
    closed = make_conversation(support, "Closed one", status="closed", minutes_ago=1)
    spam = make_conversation(support, "Cheap pills", status="spam")
    hidden = make_conversation(billing, "Billing only")
    login(client, agent)

    page = client.get("/inbox").get_data(as_text=True)
    assert _numbers(page) == [unassigned.number]
    assert _numbers(client.get("/inbox?folder=mine").get_data(as_text=True)) == [mine.number]
    assert _numbers(client.get("/inbox?folder=assigned").get_data(as_text=True)) == [theirs.number, mine.number]
    assert _numbers(client.get("/inbox?folder=pending").get_data(as_text=True)) == [pending.number]
    assert _numbers(client.get("/inbox?folder=closed").get_data(as_text=True)) == [closed.number]
    assert _numbers(client.get("/inbox?folder=spam").get_data(as_text=True)) == [spam.number]
    everything = _numbers(client.get("/inbox?folder=all").get_data(as_text=True))
    assert spam.number not in everything and hidden.number not in everything and len(everything) == 5
    # counts in the left column (one mailbox visible: the "all" keys)
    assert re.search(r'data-count="all:unassigned">1<', page)
    assert re.search(r'data-count="all:mine">1<', page)
    assert re.search(r'data-count="all:assigned">2<', page)
    assert re.search(r'data-count="all:pending">1<', page)
    assert "Billing" not in page
    assert client.get("/inbox?folder=nope").status_code == 404


def test_counts_come_from_grouped_queries_not_one_per_mailbox(app, client):
    admin = make_user("Ada Admin", role="admin")
    boxes = [make_mailbox(f"Box {i}") for i in range(6)]
    for box in boxes:
        for i in range(3):
            make_conversation(box, f"Hello {i}", tags=["vip"])
    login(client, admin)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page = client.get("/inbox?folder=all").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(_numbers(page)) == 18
    # user, rows, tags, customer emails, mailboxes, counts, drafts, tag list, people: not 6 x anything
    assert len(statements) <= 14, statements
    for box in boxes:
        assert f'data-count="{box.id}:unassigned">3<' in page


def test_keyset_pagination_walks_every_row_once(app, client):
    support, _billing, admin, _agent = _setup(app)
    made = [make_conversation(support, f"Question {i}", minutes_ago=i // 2) for i in range(120)]  # ties on time
    login(client, admin)
    seen, url = [], "/inbox?folder=all"
    first = client.get(url).get_data(as_text=True)
    seen += _numbers(first)
    assert len(seen) == 50
    cursor = re.search(r'after=([^&"]+)', first).group(1)
    while cursor:
        part = client.get(f"/inbox?folder=all&after={cursor}", headers={"HX-Request": "true"}).get_data(as_text=True)
        assert "<html" not in part  # a fragment for htmx
        seen += _numbers(part)
        found = re.search(r'after=([^&"]+)', part)
        cursor = found.group(1) if found else None
    assert sorted(seen) == sorted(c.number for c in made) and len(seen) == len(set(seen))


def test_sorting(app, client):
    support, _billing, admin, _agent = _setup(app)
    old = make_conversation(support, "Old", minutes_ago=60)
    new = make_conversation(support, "New", minutes_ago=1)
    login(client, admin)
    assert _numbers(client.get("/inbox?sort=newest").get_data(as_text=True)) == [new.number, old.number]
    assert _numbers(client.get("/inbox?sort=oldest").get_data(as_text=True)) == [old.number, new.number]
    assert _numbers(client.get("/inbox?sort=number").get_data(as_text=True)) == [new.number, old.number]


def test_filters_status_assignee_tag(app, client):
    support, _billing, admin, agent = _setup(app)
    a = make_conversation(support, "Tagged vip", tags=["vip"], assignee=agent)
    b = make_conversation(support, "Closed vip", tags=["vip"], status="closed")
    c = make_conversation(support, "Plain")
    login(client, admin)
    assert _numbers(client.get("/inbox?folder=all&tag=vip").get_data(as_text=True)) == [b.number, a.number]
    assert _numbers(client.get("/inbox?folder=all&status=closed").get_data(as_text=True)) == [b.number]
    assert _numbers(client.get(f"/inbox?folder=all&assignee={agent.id}").get_data(as_text=True)) == [a.number]
    assert _numbers(client.get("/inbox?folder=all&assignee=none").get_data(as_text=True)) == [c.number, b.number]


def test_row_shows_customer_subject_preview_tags_unread_and_snooze(app, client):
    support, _billing, admin, agent = _setup(app)
    conv = make_conversation(
        support,
        "Where is <my> order?",
        text="Tracking says <b>nothing</b>",
        tags=["shipping"],
        customer_name="Olivia Martin",
        assignee=agent,
    )
    snoozed = make_conversation(support, "Sleeping", status="pending")
    snoozed.snoozed_until = utcnow() + timedelta(days=2)
    db.session.commit()
    login(client, admin)
    page = client.get("/inbox?folder=all").get_data(as_text=True)
    assert "Olivia Martin" in page and "Where is &lt;my&gt; order?" in page
    assert "Tracking says &lt;b&gt;nothing&lt;/b&gt;" in page and ">shipping<" in page
    assert 'class="conv-row is-unread"' in page and "Assigned to Sam Agent" in page
    pending = client.get("/inbox?folder=pending").get_data(as_text=True)
    assert _numbers(pending) == [snoozed.number] and "Snoozed · wakes" in pending and "in 2 d" in pending


def test_drafts_folder(app, client):
    support, _billing, _admin, agent = _setup(app)
    conv = make_conversation(support, "Half answered")
    make_conversation(support, "Untouched")
    db.session.add(Draft(conversation_id=conv.id, mailbox_id=support.id, user_id=agent.id, body="I think"))
    db.session.commit()
    login(client, agent)
    page = client.get("/inbox?folder=drafts").get_data(as_text=True)
    assert _numbers(page) == [conv.number] and 'data-count="all:drafts">1<' in page


def test_bulk_close_assign_tag_spam(app, client):
    support, _billing, admin, agent = _setup(app)
    one, two = make_conversation(support, "One"), make_conversation(support, "Two")
    login(client, agent)
    ids = [str(one.id), str(two.id)]
    resp = client.post("/inbox/bulk", data={"ids": ids, "action": "assign", "assignee": "me", "back": "/inbox"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/inbox"
    resp = client.post("/inbox/bulk", data={"ids": ids, "action": "tag", "tag": "Refund"}, follow_redirects=True)
    assert "Tagged 2 conversations “refund”." in resp.get_data(as_text=True)
    client.post("/inbox/bulk", data={"ids": [str(one.id)], "action": "close"})
    client.post("/inbox/bulk", data={"ids": [str(two.id)], "action": "spam"})
    db.session.expire_all()
    one, two = db.session.get(Conversation, one.id), db.session.get(Conversation, two.id)
    assert (one.status, two.status) == ("closed", "spam")
    assert one.assignee_id == agent.id and [t.name for t in one.tags] == ["refund"]
    events = (
        db.session.execute(
            db.select(ThreadItem.event).where(ThreadItem.conversation_id == one.id, ThreadItem.type == "event")
        )
        .scalars()
        .all()
    )
    assert {e["kind"] for e in events} == {"assigned", "tagged", "status"}


def test_bulk_refuses_conversations_of_other_mailboxes(app, client):
    support, billing, _admin, agent = _setup(app)
    mine, hidden = make_conversation(support, "Mine"), make_conversation(billing, "Hidden")
    login(client, agent)
    resp = client.post("/inbox/bulk", data={"ids": [str(mine.id), str(hidden.id)], "action": "close"})
    assert resp.status_code == 404
    db.session.expire_all()
    assert db.session.get(Conversation, mine.id).status == "active"
    assert db.session.get(Conversation, hidden.id).status == "active"


def test_bulk_assign_to_someone_without_access_is_explained(app, client):
    support, billing, admin, agent = _setup(app)
    outsider = make_user("Olga Other", mailboxes=[billing])
    conv = make_conversation(support, "Needs help")
    login(client, admin)
    resp = client.post(
        "/inbox/bulk",
        data={"ids": [str(conv.id)], "action": "assign", "assignee": str(outsider.id)},
        follow_redirects=True,
    )
    assert "has no access" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Conversation, conv.id).assignee_id is None


def test_live_poll_returns_new_rows_and_counts(app, client):
    support, billing, _admin, agent = _setup(app)
    make_conversation(support, "Already there", minutes_ago=10)
    login(client, agent)
    since = (utcnow() - timedelta(minutes=1)).isoformat()
    data = client.get("/live/inbox", query_string={"since": since}).json
    assert data["new"] == 0 and data["html"] == "" and data["counts"]["all:unassigned"] == 1
    fresh = make_conversation(support, "Brand new question")
    make_conversation(billing, "Not for this agent")
    data = client.get("/live/inbox", query_string={"since": since}).json
    assert data["new"] == 1 and f'href="/conversations/{fresh.number}"' in data["html"]
    assert data["counts"]["all:unassigned"] == 2 and data["latest"] > since
    # the poll respects the folder: a new conversation is not "mine"
    data = client.get("/live/inbox", query_string={"since": since, "folder": "mine"}).json
    assert data["new"] == 0
    # rows that left the view (closed elsewhere) are reported so the list can drop them
    fresh.status = "closed"
    db.session.commit()
    data = client.get("/live/inbox", query_string={"since": since, "shown": f"{fresh.id},999999,x"}).json
    assert data["gone"] == [fresh.id, 999999]


def test_home_redirects_to_inbox(app, client):
    _support, _billing, _admin, agent = _setup(app)
    login(client, agent)
    assert client.get("/").headers["Location"].endswith("/inbox")


def test_demo_command_fills_a_believable_inbox(app, client):
    from inbox.models import Mailbox, User

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "40 conversations in 2 mailboxes" in result.output and "demo-password" in result.output
    assert db.session.query(Conversation).count() == 40 and db.session.query(Mailbox).count() == 2
    statuses = {s for (s,) in db.session.execute(db.select(Conversation.status).distinct())}
    assert statuses == {"active", "pending", "closed", "spam"}
    kinds = {k for (k,) in db.session.execute(db.select(ThreadItem.type).distinct())}
    assert {"customer", "reply", "note"} <= kinds
    html = db.session.execute(db.select(ThreadItem.html).where(ThreadItem.html.is_not(None))).scalars().all()
    assert any('src="https://' in h for h in html)  # the newsletter with remote images
    maya = db.session.execute(db.select(User).where(User.email == "maya@acme.test")).scalar_one()
    login(client, maya, password="demo-password")
    page = client.get("/inbox?folder=all").get_data(as_text=True)
    assert len(_numbers(page)) == 38  # "All" leaves out the two spam conversations
    again = app.test_cli_runner().invoke(args=["demo"])
    assert again.exit_code != 0 and "already has conversations" in again.output


def test_list_offers_a_new_conversation(app, client):
    mailbox = make_mailbox()
    agent = make_user("Nia Agent", mailboxes=[mailbox])
    login(client, agent)
    page = client.get("/inbox").get_data(as_text=True)
    assert 'href="/compose"' in page and "New conversation" in page
    assert client.get("/compose").status_code == 200
