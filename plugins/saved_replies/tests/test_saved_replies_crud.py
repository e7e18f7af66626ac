"""Saved replies: the rules of who sees and changes what, through the service and the pages."""

from __future__ import annotations

import pytest

from inbox.extensions import db
from inbox_plugins.saved_replies import service
from inbox_plugins.saved_replies.models import SavedReply
from inbox_plugins.saved_replies.service import ReplyData, ReplyError


def _titles(user, **kw):
    return sorted(r.title for r in service.search(user, **kw))


def test_visibility_personal_mailbox_global(world):
    service.create(world.admin, ReplyData(title="Global hello", body="Hi", scope="global"))
    service.create(world.ann, ReplyData(title="Ann private", body="mine", scope="personal"))
    service.create(world.bob, ReplyData(title="Sales team", body="sales", scope="mailbox", mailbox_id=world.a.id))
    service.create(world.cid, ReplyData(title="Billing team", body="bill", scope="mailbox", mailbox_id=world.b.id))
    db.session.commit()
    assert _titles(world.ann) == ["Ann private", "Global hello", "Sales team"]
    assert _titles(world.bob) == ["Global hello", "Sales team"]  # not Ann's personal one
    assert _titles(world.cid) == ["Billing team", "Global hello"]  # not mailbox A's
    assert _titles(world.admin) == ["Billing team", "Global hello", "Sales team"]  # personal stays personal
    # in a conversation of mailbox B, an agent of A sees no mailbox replies at all
    assert _titles(world.ann, mailbox_id=world.b.id) == ["Ann private", "Global hello"]


def test_create_rules(world):
    with pytest.raises(ReplyError, match="administrators"):
        service.create(world.ann, ReplyData(title="x", body="y", scope="global"))
    with pytest.raises(ReplyError):
        service.create(world.ann, ReplyData(title="x", body="y", scope="mailbox", mailbox_id=world.b.id))
    with pytest.raises(ReplyError, match="title"):
        service.create(world.ann, ReplyData(title="  ", body="y"))
    with pytest.raises(ReplyError, match="line 1"):
        service.create(world.ann, ReplyData(title="bad", body="{% if %}"))
    for evil in (
        "{{ ''.__class__ }}",
        "{{ customer['__class__'] }}",
        "{{ x|attr('__globals__') }}",
        "{{ '{0.__class__}'.format(customer) }}",
        "{{ _private }}",
    ):
        with pytest.raises(ReplyError, match="not allowed"):
            service.create(world.ann, ReplyData(title="evil", body=evil))
    reply = service.create(world.ann, ReplyData(title="ok", body="y", folder="/Shipping/"))
    assert (reply.owner_id, reply.folder) == (world.ann.id, "Shipping")


def test_edit_and_delete_rules(world):
    glob = service.create(world.admin, ReplyData(title="G", body="g", scope="global"))
    mine = service.create(world.ann, ReplyData(title="Mine", body="m"))
    team = service.create(world.bob, ReplyData(title="Team", body="t", scope="mailbox", mailbox_id=world.a.id))
    assert not service.can_edit(world.ann, glob) and service.can_edit(world.admin, glob)
    assert service.can_edit(world.ann, team) and not service.can_edit(world.cid, team)
    assert not service.can_see(world.bob, mine) and not service.can_see(world.admin, mine)
    with pytest.raises(ReplyError):
        service.delete(world.bob, mine)
    with pytest.raises(ReplyError):
        service.update(world.ann, glob, ReplyData(title="G2", body="g"))
    service.update(world.ann, team, ReplyData(title="Team 2", body="t2", scope="mailbox", mailbox_id=world.a.id))
    assert team.title == "Team 2"
    # duplicating a global reply as an agent gives a personal copy the agent may edit
    copy = service.duplicate(world.ann, glob)
    assert (copy.scope, copy.owner_id, copy.title) == ("personal", world.ann.id, "G (copy)")
    service.delete(world.ann, mine)
    db.session.commit()
    assert db.session.get(SavedReply, mine.id) is None


def test_pages_enforce_the_rules(world, client, login):
    mine = service.create(world.ann, ReplyData(title="Ann secret", body="secret text"))
    glob = service.create(world.admin, ReplyData(title="Global", body="g", scope="global"))
    db.session.commit()
    login(client, world.bob)
    page = client.get("/saved-replies/").get_data(as_text=True)
    assert "Global" in page and "Ann secret" not in page
    assert client.get(f"/saved-replies/{mine.id}/edit").status_code == 404
    assert client.post(f"/saved-replies/{mine.id}/delete").status_code == 404
    assert client.get(f"/saved-replies/{mine.id}/render").status_code == 404
    assert client.post(f"/saved-replies/{mine.id}/duplicate").status_code == 404
    assert client.get(f"/saved-replies/{glob.id}/edit").status_code == 404  # agents do not edit global ones
    picked = client.get("/saved-replies/picker?q=secret").get_data(as_text=True)
    assert "Ann secret" not in picked and "secret text" not in picked
    assert "Ann secret" not in client.get("/saved-replies/export.json").get_data(as_text=True)
    # an agent cannot create a global reply by posting the form by hand
    resp = client.post("/saved-replies/new", data={"title": "Sneaky", "body": "x", "scope": "global"})
    assert (
        resp.status_code == 400
        and db.session.execute(db.select(SavedReply).where(SavedReply.title == "Sneaky")).scalar() is None
    )


def test_create_edit_duplicate_delete_through_pages(world, client, login):
    login(client, world.ann)
    resp = client.post(
        "/saved-replies/new",
        data={
            "title": "Shipping times",
            "body": "Hi {{ customer.first_name }}, it ships in 2 days.",
            "body_format": "markdown",
            "scope": "mailbox",
            "mailbox_id": str(world.a.id),
            "folder": "Orders",
        },
    )
    assert resp.status_code == 302
    reply = db.session.execute(db.select(SavedReply).where(SavedReply.title == "Shipping times")).scalar_one()
    assert (reply.scope, reply.mailbox_id, reply.folder) == ("mailbox", world.a.id, "Orders")
    listing = client.get("/saved-replies/?folder=Orders").get_data(as_text=True)
    assert "Shipping times" in listing and "Sales" in listing
    resp = client.post(
        f"/saved-replies/{reply.id}/edit",
        data={
            "title": "Shipping times",
            "body": "Ships in 3 days.",
            "body_format": "markdown",
            "scope": "mailbox",
            "mailbox_id": str(world.a.id),
            "folder": "Orders",
        },
    )
    assert resp.status_code == 302
    db.session.refresh(reply)
    assert reply.body == "Ships in 3 days."
    edit_page = client.get(f"/saved-replies/{reply.id}/edit").get_data(as_text=True)
    assert "Ships in 3 days." in edit_page and 'name="csrf_token"' in edit_page
    resp = client.post(f"/saved-replies/{reply.id}/duplicate")
    assert resp.status_code == 302
    copy = db.session.execute(db.select(SavedReply).where(SavedReply.title == "Shipping times (copy)")).scalar_one()
    assert copy.scope == "mailbox"
    assert client.post(f"/saved-replies/{copy.id}/delete").status_code == 302
    assert db.session.get(SavedReply, copy.id) is None
    # a broken template is a clear message on the form, not a 500
    resp = client.post(
        f"/saved-replies/{reply.id}/edit",
        data={"title": "Shipping times", "body": "{{ customer.first_name ", "scope": "personal"},
    )
    assert resp.status_code == 400 and "template error on line 1" in resp.get_data(as_text=True)


def test_attachments_stored_and_downloadable(world, client, login):
    from io import BytesIO

    login(client, world.ann)
    resp = client.post(
        "/saved-replies/new",
        data={
            "title": "Manual",
            "body": "See the manual.",
            "scope": "personal",
            "attachments": (BytesIO(b"%PDF-1.4 manual"), "manual.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    reply = db.session.execute(db.select(SavedReply).where(SavedReply.title == "Manual")).scalar_one()
    (att,) = reply.attachments
    assert (att.filename, att.size) == ("manual.pdf", 15)
    got = client.get(f"/saved-replies/{reply.id}/attachments/{att.id}")
    assert got.data == b"%PDF-1.4 manual"
    login(client, world.bob)
    assert client.get(f"/saved-replies/{reply.id}/attachments/{att.id}").status_code == 404


def test_usage_counts_order_the_picker(world, client, login):
    for title in ("Alpha", "Beta", "Gamma"):
        service.create(world.ann, ReplyData(title=title, body=f"{title} body"))
    db.session.commit()
    gamma = db.session.execute(db.select(SavedReply).where(SavedReply.title == "Gamma")).scalar_one()
    login(client, world.ann)
    for _ in range(2):
        assert client.post(f"/saved-replies/{gamma.id}/used").status_code == 204
    db.session.refresh(gamma)
    assert gamma.usage_count == 2 and gamma.last_used_at is not None
    assert [r.title for r in service.search(world.ann)] == ["Gamma", "Alpha", "Beta"]


def test_save_sent_reply_as_saved_reply(world, client, login):
    from inbox.models import ThreadItem

    item = ThreadItem(
        conversation_id=world.conv.id,
        type="reply",
        author_id=world.ann.id,
        subject="Re: order",
        text="Your parcel left today.\n\n> quoted",
        new_text="Your parcel left today.",
    )
    db.session.add(item)
    db.session.commit()
    login(client, world.ann)
    page = client.get(f"/conversations/{world.conv.number}").get_data(as_text=True)
    assert f"/saved-replies/new?from_item={item.id}" in page  # offered in the conversation's actions
    form = client.get(f"/saved-replies/new?from_item={item.id}").get_data(as_text=True)
    assert "Your parcel left today." in form and "quoted" not in form
    login(client, world.cid)  # no access to mailbox A
    assert client.get(f"/saved-replies/new?from_item={item.id}").status_code == 404
