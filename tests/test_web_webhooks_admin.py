"""Admin → Webhooks: subscribe (secret shown once), the delivery log, a test event, redelivery,
turning a subscription off; agents never reach it."""

from __future__ import annotations

from test_web_support import login, make_mailbox, make_user

from inbox import webhooks
from inbox.extensions import db
from inbox.models import WebhookDelivery, WebhookSubscription


def test_admin_subscribes_sees_the_log_and_redelivers(app):
    box = make_mailbox("Support")
    admin = make_user("Ada Admin", role="admin")
    client = app.test_client()
    login(client, admin)
    assert client.get("/admin/webhooks/").status_code == 200
    resp = client.post(
        "/admin/webhooks/",
        data={"url": "https://hooks.example.com/in", "events": ["note.created"], "mailbox_ids": [str(box.id)]},
    )
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    secret = resp.get_data(as_text=True).split('readonly value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("whsec_")
    sub = db.session.execute(db.select(WebhookSubscription)).scalar_one()
    assert sub.mailbox_ids == [box.id] and secret not in sub.secret_enc
    assert secret not in client.get("/admin/webhooks/").get_data(as_text=True)  # shown once
    assert client.post("/admin/webhooks/", data={"url": "ftp://x", "events": ["note.created"]}).status_code == 400

    assert client.post(f"/admin/webhooks/{sub.id}/test").status_code == 302
    delivery = db.session.execute(db.select(WebhookDelivery)).scalar_one()
    delivery.status = "failed"
    db.session.commit()
    page = client.get(f"/admin/webhooks/{sub.id}").get_data(as_text=True)
    assert "webhook.test" in page and delivery.message_id in page
    client.post(f"/admin/webhooks/{sub.id}/redeliver", data={"since": "2020-01-01T00:00"})
    db.session.refresh(delivery)
    assert delivery.status == "pending"
    assert client.post(f"/admin/webhooks/{sub.id}/deliveries/{delivery.id}/redeliver").status_code == 302
    client.post(f"/admin/webhooks/{sub.id}/active", data={"active": "0"})
    db.session.refresh(sub)
    assert not sub.active and sub.disabled_at is not None
    assert webhooks.record("note.created", type("C", (), {"mailbox_id": box.id, "id": 0})()) == 0  # off: none

    agent = make_user("Ann Agent", mailboxes=[box])
    other = app.test_client()
    login(other, agent)
    assert other.get("/admin/webhooks/").status_code == 404
    assert other.get(f"/admin/webhooks/{sub.id}").status_code == 404
