"""Security review findings in the saved-replies plugin, each reproduced through the pages:

* finding 7: an agent's template cannot hold a worker, in the preview, when saved, or in a
  colleague's picker (a reply stored before the bounds existed);
* finding 18 (import): the import tells an agent nothing about mailboxes or replies hidden from them.

Self-contained set-up (models and inbox.testing.helpers only), so it does not depend on how the
folder's other tests share theirs.
"""

from __future__ import annotations

import json
import time
from io import BytesIO
from types import SimpleNamespace

import pytest

from inbox.extensions import db
from inbox.models import Conversation, Customer, CustomerEmail, Mailbox, ThreadItem, User
from inbox.testing.helpers import login
from inbox_plugins.saved_replies import service, transfer
from inbox_plugins.saved_replies.models import SavedReply
from inbox_plugins.saved_replies.service import ReplyData

PAYLOADS = [
    "{{ (['x'*199999]*5000)|join|length }}",
    "{{ ((((9**99)**99)**99)**9) > 1 }}",
    "{% for a in 'x'*3000 %}{% for b in 'x'*3000 %}{% endfor %}{% endfor %}",
    "{% for a in 'x'*199999 %}{% for b in 'x'*199999 %}{% endfor %}{% endfor %}",
]


@pytest.fixture
def world(app):
    """Sales (a) with agents Ann and Bob and conversation #101 from Ann Lee; Billing (b) with agent Cid."""
    a, b = Mailbox(name="Sales", email="sales@shop.test"), Mailbox(name="Billing", email="billing@shop.test")
    ann = User(email="ann@shop.test", name="Ann Agent", role="agent", mailboxes=[a])
    bob = User(email="bob@shop.test", name="Bob Agent", role="agent", mailboxes=[a])
    cid = User(email="cid@shop.test", name="Cid Agent", role="agent", mailboxes=[b])
    customer = Customer(name="Ann Lee", emails=[CustomerEmail(email="ann@example.com")])
    conv = Conversation(number=101, mailbox=a, subject="Where is my order?", customer=customer)
    db.session.add_all([a, b, ann, bob, cid, customer, conv])
    db.session.flush()
    db.session.add(
        ThreadItem(
            conversation_id=conv.id,
            type="customer",
            from_email="ann@example.com",
            from_name="Ann Lee",
            subject=conv.subject,
            text="Hello?",
            message_id="m101@x",
        )
    )
    db.session.commit()
    return SimpleNamespace(a=a, b=b, ann=ann, bob=bob, cid=cid, conv=conv)


@pytest.mark.parametrize("body", PAYLOADS)
def test_preview_refuses_fast(world, client, body):
    login(client, world.ann)
    started = time.monotonic()
    resp = client.post("/saved-replies/preview", data={"body": body, "body_format": "markdown"})
    assert time.monotonic() - started < 3
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'class="sr-error"' in html and "not allowed" in html


@pytest.mark.parametrize("body", PAYLOADS)
def test_saving_is_refused_with_a_form_error(world, client, body):
    login(client, world.ann)
    resp = client.post(
        "/saved-replies/new", data={"title": "Heavy", "body": body, "scope": "mailbox", "mailbox_id": str(world.a.id)}
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "exceeds the rendering limits" in html
    assert db.session.execute(db.select(SavedReply).where(SavedReply.title == "Heavy")).scalar() is None


def test_a_stored_heavy_reply_does_not_hold_a_colleagues_picker(world, client):
    # As if saved before the bounds existed: straight into the table, scoped to Bob's mailbox.
    for n, body in enumerate(PAYLOADS * 5):
        db.session.add(
            SavedReply(
                title=f"Heavy {n}",
                body=body,
                body_format="markdown",
                scope="mailbox",
                mailbox_id=world.a.id,
                owner_id=world.ann.id,
            )
        )
    db.session.add(
        SavedReply(
            title="Fine",
            body="Hello {{ customer.first_name }}",
            body_format="markdown",
            scope="mailbox",
            mailbox_id=world.a.id,
            owner_id=world.ann.id,
        )
    )
    db.session.commit()
    login(client, world.bob)
    started = time.monotonic()
    page = client.get(f"/saved-replies/picker?conversation={world.conv.id}")
    elapsed = time.monotonic() - started
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and elapsed < 6, f"{elapsed:.1f} s"
    assert "Cannot be used: not allowed" in html
    assert 'data-insert="Hello Ann"' in html or "not rendered" in html


def test_the_picker_stops_rendering_when_its_time_budget_is_spent(world, client, monkeypatch):
    """Each render is bounded, but many slow-yet-legal replies must not add up: the list has a budget."""
    from inbox_plugins.saved_replies import picker

    monkeypatch.setattr(picker, "PICKER_BUDGET", 0.2)
    slow = "{{ (('x'*99990)|list)|sort|unique|list|length }}"  # legal, within every bound, ~1 s
    db.session.add(
        SavedReply(
            title="Slow",
            body=slow,
            body_format="markdown",
            scope="mailbox",
            mailbox_id=world.a.id,
            owner_id=world.ann.id,
            usage_count=100,
        )
    )
    for n in range(3):
        db.session.add(
            SavedReply(
                title=f"Light {n}",
                body="Hi {{ customer.first_name }}",
                body_format="markdown",
                scope="mailbox",
                mailbox_id=world.a.id,
                owner_id=world.ann.id,
            )
        )
    db.session.commit()
    login(client, world.bob)
    started = time.monotonic()
    html = client.get(f"/saved-replies/picker?conversation={world.conv.id}").get_data(as_text=True)
    assert time.monotonic() - started < 5
    # the slow one ran (rendered, or stopped by its own 1 s limit on a busy machine) and used up the budget
    assert 'data-insert="1"' in html or "rendering took longer than 1 s" in html
    assert html.count("not rendered: the other replies took too long") == 3


def test_import_reveals_nothing_about_hidden_mailboxes_or_replies(world, client):
    """Finding 18: 'no mailbox' vs 'you may not keep replies there' told an agent which addresses
    other desks use, and 'already here' confirmed the exact text of a reply hidden from them."""
    hidden = service.create(
        world.cid, ReplyData(title="Billing secret", body="Refund code 7731", scope="mailbox", mailbox_id=world.b.id)
    )
    db.session.commit()
    document = {
        "format": transfer.FORMAT,
        "version": 1,
        "replies": [
            {"title": "Probe hidden", "body": "x", "scope": "mailbox", "mailbox": world.b.email},
            {"title": "Probe missing", "body": "x", "scope": "mailbox", "mailbox": "nope@shop.test"},
            {"title": hidden.title, "body": hidden.body, "scope": "mailbox", "mailbox": world.b.email},
        ],
    }
    added, skipped, problems = transfer.import_(world.ann, document)
    db.session.rollback()
    assert (added, skipped) == (0, 0)
    assert problems[0].endswith(f"no mailbox {world.b.email!r} here")
    assert problems[1].endswith("no mailbox 'nope@shop.test' here")  # the same words for both
    assert "may not" not in " ".join(problems)
    # through the page: nothing counted as "already here"
    login(client, world.ann)
    resp = client.post(
        "/saved-replies/import",
        data={"file": (BytesIO(json.dumps(document).encode()), "x.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    assert "Imported 0 saved replies; 0 were already here." in html


def test_duplicate_check_ignores_replies_the_user_cannot_see(world):
    """A global copy of another agent's personal reply is not "already here" for someone else."""
    service.create(world.bob, ReplyData(title="Bob private", body="mine", scope="personal"))
    db.session.commit()
    document = {
        "format": transfer.FORMAT,
        "version": 1,
        "replies": [{"title": "Bob private", "body": "mine", "scope": "personal"}],
    }
    assert transfer.import_(world.ann, document)[:2] == (1, 0)  # Ann gets her own copy
    db.session.commit()
    assert transfer.import_(world.ann, document)[:2] == (0, 1)  # and now hers is already here
