"""REST API v1 over the same services as the web UI: conversations (list with filters and search,
get, create, status, assignee, tags, snooze, move, merge), thread items (list, reply, note,
forward, attachments), customers, mailboxes, users, tags; problem+json; cursor pages."""

from __future__ import annotations

import base64
import email
import email.policy
from datetime import datetime, timedelta, timezone

import pytest
from api_helpers import Api, token_for
from test_web_support import make_conversation, make_mailbox, make_user

from inbox.extensions import db
from inbox.mail.outbound import outbox
from inbox.models import Conversation, OutboxMessage, ThreadItem, utcnow


@pytest.fixture
def team(app):
    box, other = make_mailbox("Support"), make_mailbox("Billing")
    agent = make_user("Ann Agent", mailboxes=[box])
    admin = make_user("Ada Admin", role="admin")
    return box, other, agent, admin


def test_list_filters_and_another_mailboxs_conversation_is_404(app, team):
    box, other, agent, _admin = team
    mine = make_conversation(box, subject="Refund please", tags=["vip"])
    make_conversation(box, subject="Closed one", status="closed")
    hidden = make_conversation(other, subject="Invoice")
    api = Api(app, token_for(agent))
    resp = api.get("/conversations")
    assert resp.status_code == 200, resp.data
    ids = [c["id"] for c in resp.get_json()["items"]]
    assert mine.id in ids and hidden.id not in ids
    assert [c["subject"] for c in api.get("/conversations?status=closed").get_json()["items"]] == ["Closed one"]
    assert [c["id"] for c in api.get("/conversations?tag=vip").get_json()["items"]] == [mine.id]
    assert api.get(f"/conversations?mailbox_id={other.id}").status_code == 404
    resp = api.get(f"/conversations/{hidden.id}")
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"
    assert api.get(f"/conversations/{hidden.id}/items").status_code == 404
    assert api.get(f"/conversations/{2**70}").status_code == 404  # not a database error
    assert api.put(f"/conversations/{hidden.id}/status", json={"status": "closed"}).status_code == 404
    body = api.get(f"/conversations/{mine.id}").get_json()
    assert body["number"] == mine.number and body["mailbox"]["name"] == "Support" and body["tags"] == ["vip"]


def test_search_language(app, team):
    box, other, agent, _admin = team
    hit = make_conversation(box, subject="Broken zipper on jacket", text="The zipper broke")
    make_conversation(box, subject="Shipping question")
    make_conversation(other, subject="Zipper elsewhere", text="zipper")
    api = Api(app, token_for(agent))
    resp = api.get("/conversations?q=zipper&count=true")
    assert resp.status_code == 200, resp.data
    assert [c["id"] for c in resp.get_json()["items"]] == [hit.id] and resp.get_json()["count"] == 1
    bad = api.get("/conversations?q=status:nonsense")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "query.q"


def test_cursor_pages_are_stable_while_conversations_arrive(app, team):
    box, _other, agent, _admin = team
    made = [make_conversation(box, subject=f"Order {i}") for i in range(7)]
    api = Api(app, token_for(agent))
    seen, url, first = [], "/conversations?limit=3&count=true", True
    while url:
        resp = api.get(url)
        assert resp.status_code == 200, resp.data
        data = resp.get_json()
        if first:
            assert data["count"] == 7
            make_conversation(box, subject="Arrived while paging")  # must not shift the pages
            first = False
        seen += [c["id"] for c in data["items"]]
        url = data["next"]
    assert seen == sorted((c.id for c in made), reverse=True)  # no duplicates, no skips
    assert api.get("/conversations?limit=201").status_code == 422
    bad = api.get("/conversations?cursor=not-a-cursor")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "query.cursor"
    bad = api.get("/conversations?limit=0&folder=nope")
    fields = {e["field"] for e in bad.get_json()["errors"]}
    assert bad.status_code == 422 and {"query.limit", "query.folder"} <= fields


def test_changes_go_through_the_services_and_record_events(app, team):
    box, other, agent, admin = team
    conv = make_conversation(box)
    loser = make_conversation(box, subject="Duplicate")
    api = Api(app, token_for(agent))
    assert api.put(f"/conversations/{conv.id}/status", json={"status": "pending"}).get_json()["status"] == "pending"
    assert (
        api.put(f"/conversations/{conv.id}/assignee", json={"assignee_id": agent.id}).get_json()["assignee"]["id"]
        == agent.id
    )
    outsider = make_user("Olly Outside", mailboxes=[other])
    bad = api.put(f"/conversations/{conv.id}/assignee", json={"assignee_id": outsider.id})
    assert bad.status_code == 422 and "access" in bad.get_json()["errors"][0]["message"]
    tags = api.patch(f"/conversations/{conv.id}/tags", json={"add": ["Urgent", "b2b"], "remove": []}).get_json()["tags"]
    assert tags == ["b2b", "urgent"]
    assert api.patch(f"/conversations/{conv.id}/tags", json={"remove": ["b2b"]}).get_json()["tags"] == ["urgent"]
    until = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    assert api.post(f"/conversations/{conv.id}/snooze", json={"until": until}).get_json()["snoozed_until"]
    past = api.post(f"/conversations/{conv.id}/snooze", json={"until": "2001-01-01T00:00:00Z"})
    assert past.status_code == 422
    assert api.post(f"/conversations/{conv.id}/move", json={"mailbox_id": other.id}).status_code == 422  # not granted
    merged = api.post(f"/conversations/{conv.id}/merge", json={"from_id": loser.id})
    assert merged.status_code == 200, merged.data
    db.session.expire_all()
    assert db.session.get(Conversation, loser.id).merged_into_id == conv.id
    kinds = [
        i.event["kind"]
        for i in db.session.execute(
            db.select(ThreadItem).where(ThreadItem.conversation_id == conv.id, ThreadItem.type == "event")
        ).scalars()
    ]
    assert {"status", "assigned", "tagged", "untagged", "snoozed", "merged"} <= set(kinds)
    admin_api = Api(app, token_for(admin))
    moved = admin_api.post(f"/conversations/{conv.id}/move", json={"mailbox_id": other.id})
    assert moved.get_json()["mailbox"]["id"] == other.id
    assert api.get(f"/conversations/{conv.id}").status_code == 404  # now out of the agent's sight
    unknown = api.put(f"/conversations/{loser.id}/status", json={"status": "open", "extra": 1})
    assert {e["field"] for e in unknown.get_json()["errors"]} == {"body.status", "body.extra"}


def test_reply_with_attachment_is_sent_by_the_worker_and_note_is_internal(app, smtp_sink):
    box = make_mailbox("Mail", smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_security="none")
    agent = make_user("Rae Replier", mailboxes=[box])
    conv = make_conversation(box, customer_email="buyer@example.com")
    api = Api(app, token_for(agent))
    payload = {
        "text": "Your parcel left today.",
        "status_after": "closed",
        "attachments": [
            {
                "filename": "label.txt",
                "content_type": "text/plain",
                "content_base64": base64.b64encode(b"TRACK-123").decode(),
            }
        ],
    }
    resp = api.post(f"/conversations/{conv.id}/items", json=payload)
    assert resp.status_code == 201, resp.data
    item = resp.get_json()
    assert item["type"] == "reply" and item["send_status"] == "queued" and item["to"] == ["buyer@example.com"]
    assert item["attachments"][0]["filename"] == "label.txt"
    assert outbox.send_due(now=utcnow() + timedelta(minutes=5))["sent"] == 1
    sent = email.message_from_bytes(smtp_sink.wait_for(1)[0].content, policy=email.policy.default)
    assert (
        sent["To"].addresses[0].addr_spec == "buyer@example.com"
        and "Your parcel left today." in sent.get_body(("plain",)).get_content()
    )
    assert [p.get_filename() for p in sent.iter_attachments()] == ["label.txt"]
    assert api.get(f"/conversations/{conv.id}").get_json()["status"] == "closed"
    note = api.post(f"/conversations/{conv.id}/items", json={"type": "note", "text": "Called them too"})
    assert note.status_code == 201 and note.get_json()["type"] == "note"
    assert db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar_one() == 1  # a note sends nothing
    bad = api.post(f"/conversations/{conv.id}/items", json={"text": "x", "to": ["not an address"]})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"].startswith("body.to")
    items = api.get(f"/conversations/{conv.id}/items?limit=2&count=true").get_json()
    assert items["count"] == 4 and len(items["items"]) == 2 and items["next"]  # + the "closed" event
    rest = api.get(items["next"]).get_json()
    assert [i["type"] for i in items["items"] + rest["items"]] == ["customer", "reply", "event", "note"]
    assert rest["next"] is None


def test_forward_and_new_outbound_conversation(app, team):
    box, other, agent, _admin = team
    conv = make_conversation(box)
    api = Api(app, token_for(agent))
    fwd = api.post(f"/conversations/{conv.id}/forward", json={"to": ["warehouse@example.com"], "text": "FYI"})
    assert fwd.status_code == 201 and fwd.get_json()["type"] == "forward"
    made = api.post(
        "/conversations",
        json={"mailbox_id": box.id, "to": ["new@example.com"], "subject": "Your quote", "text": "Here it is."},
    )
    assert made.status_code == 201, made.data
    data = made.get_json()
    assert data["customer"]["emails"] == ["new@example.com"] and data["source"] == "agent"
    assert (
        api.post(
            "/conversations", json={"mailbox_id": other.id, "to": ["x@example.com"], "subject": "s", "text": "t"}
        ).status_code
        == 404
    )


def test_customers(app, team):
    box, other, agent, admin = team
    seen = make_conversation(box, customer_email="known@example.com")
    unseen = make_conversation(other, customer_email="secret@example.com")
    api = Api(app, token_for(agent))
    found = api.get("/customers?email=KNOWN@example.com").get_json()["items"]
    assert [c["id"] for c in found] == [seen.customer_id]
    assert api.get("/customers?email=secret@example.com").get_json()["items"] == []
    assert api.get(f"/customers/{unseen.customer_id}").status_code == 404
    made = api.post("/customers", json={"name": "Nia New", "emails": ["nia@example.com", "nia@work.example"]})
    assert made.status_code == 201, made.data
    cid = made.get_json()["id"]
    assert api.post("/customers", json={"emails": ["nia@example.com"]}).status_code == 409
    patched = api.patch(f"/customers/{cid}", json={"name": "Nia Newer", "add_emails": ["nia@home.example"]})
    assert patched.get_json()["name"] == "Nia Newer" and len(patched.get_json()["emails"]) == 3
    assert api.patch(f"/customers/{cid}", json={"add_emails": ["known@example.com"]}).status_code == 409
    # a customer who also writes to a mailbox the agent cannot see is read-only for them
    make_conversation(other, customer_email="known@example.com")
    assert api.patch(f"/customers/{seen.customer_id}", json={"name": "X"}).status_code == 403
    assert Api(app, token_for(admin)).patch(f"/customers/{seen.customer_id}", json={"name": "X"}).status_code == 200


def test_directory_and_scopes(app, team):
    box, other, agent, _admin = team
    api = Api(app, token_for(agent, scopes=["customers:read"]))
    assert api.get("/mailboxes").status_code == 403
    api = Api(app, token_for(agent, scopes=["conversations:read"]))
    assert [m["name"] for m in api.get("/mailboxes").get_json()["items"]] == ["Support"]
    assert api.get(f"/mailboxes/{other.id}").status_code == 404
    assert agent.id in [u["id"] for u in api.get("/users").get_json()["items"]]
    assert api.get("/tags").status_code == 200
    resp = api.put(f"/conversations/{make_conversation(box).id}/status", json={"status": "closed"})
    assert resp.status_code == 403 and "conversations:write" in resp.get_json()["detail"]
    assert api.get("/customers").status_code == 403


def test_openapi_document_and_docs_page(app, team):
    client = app.test_client()
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    from inbox.api.core import OPERATIONS

    listed = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert len(listed) == len(OPERATIONS) >= 16
    schema = doc["paths"]["/api/v1/conversations"]["get"]
    assert {p["name"] for p in schema["parameters"]} >= {"cursor", "limit", "count", "folder", "q"}
    assert "ConversationOut" in doc["components"]["schemas"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and b"/api/v1/conversations/{conversation_id}/items" in page.data
    assert b'<script src="http' not in page.data and b'<link rel="stylesheet" href="http' not in page.data
    huge = client.get(f"/api/v1/conversations/{2**70}", headers={"Authorization": "Bearer x"})
    assert huge.status_code == 401  # authentication first; with a token such an id is a 404
    missing = client.get("/api/v1/no-such-thing", headers={"Authorization": "Bearer x"})
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
