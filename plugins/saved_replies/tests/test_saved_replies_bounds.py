"""Finding 7 through the pages: an agent's template cannot hold a worker, in the preview, when saved,
or in a colleague's picker (a reply stored before the bounds existed)."""
from __future__ import annotations

import time

import pytest
from sr_helpers import World, login

from inbox.extensions import db
from inbox_plugins.saved_replies.models import SavedReply

PAYLOADS = [
    "{{ (['x'*199999]*5000)|join|length }}",
    "{{ ((((9**99)**99)**99)**9) > 1 }}",
    "{% for a in 'x'*3000 %}{% for b in 'x'*3000 %}{% endfor %}{% endfor %}",
    "{% for a in 'x'*199999 %}{% for b in 'x'*199999 %}{% endfor %}{% endfor %}",
]


@pytest.fixture
def world(app):
    return World()


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
    resp = client.post("/saved-replies/new", data={"title": "Heavy", "body": body, "scope": "mailbox",
                                                   "mailbox_id": str(world.a.id)})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "exceeds the rendering limits" in html
    assert db.session.execute(db.select(SavedReply).where(SavedReply.title == "Heavy")).scalar() is None


def test_a_stored_heavy_reply_does_not_hold_a_colleagues_picker(world, client):
    # As if saved before the bounds existed: straight into the table, scoped to Bob's mailbox.
    for n, body in enumerate(PAYLOADS * 5):
        db.session.add(SavedReply(title=f"Heavy {n}", body=body, body_format="markdown", scope="mailbox",
                                  mailbox_id=world.a.id, owner_id=world.ann.id))
    db.session.add(SavedReply(title="Fine", body="Hello {{ customer.first_name }}", body_format="markdown",
                              scope="mailbox", mailbox_id=world.a.id, owner_id=world.ann.id))
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
    db.session.add(SavedReply(title="Slow", body=slow, body_format="markdown", scope="mailbox",
                              mailbox_id=world.a.id, owner_id=world.ann.id, usage_count=100))
    for n in range(3):
        db.session.add(SavedReply(title=f"Light {n}", body="Hi {{ customer.first_name }}", body_format="markdown",
                                  scope="mailbox", mailbox_id=world.a.id, owner_id=world.ann.id))
    db.session.commit()
    login(client, world.bob)
    started = time.monotonic()
    html = client.get(f"/saved-replies/picker?conversation={world.conv.id}").get_data(as_text=True)
    assert time.monotonic() - started < 5
    # the slow one ran (rendered, or stopped by its own 1 s limit on a busy machine) and used up the budget
    assert 'data-insert="1"' in html or "rendering took longer than 1 s" in html
    assert html.count("not rendered: the other replies took too long") == 3
