"""Webhooks: subscribed through the API, queued in the transaction of the change (a database
outbox), sent by the worker's step to a real loopback receiver (allowed by WEBHOOK_ALLOWED_NETWORKS),
signed per Standard Webhooks (verified with the reference `standardwebhooks` package), retried
with the same webhook-id, and refused for private targets without the allow-list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from api_helpers import Api, token_for
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from test_web_support import make_conversation, make_mailbox, make_user

from inbox import webhooks
from inbox.extensions import db
from inbox.models import WebhookDelivery, WebhookSubscription, utcnow


@pytest.fixture
def app_config():
    return {"WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32", "API_RATE_LIMIT": 0}


@pytest.fixture
def setup(app, httpserver):
    box = make_mailbox("Support")
    admin = make_user("Ada Admin", role="admin", password=None)
    api = Api(app, token_for(admin, scopes=["admin"]))
    resp = api.post(
        "/webhooks",
        json={"url": httpserver.url_for("/hook"), "events": ["conversation.status_changed", "note.created"]},
    )
    assert resp.status_code == 201, resp.data
    return api, box, resp.get_json()


def _deliveries():
    return db.session.execute(db.select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars().all()


def test_event_is_queued_with_the_change_signed_and_retried_with_the_same_id(app, httpserver, setup):
    api, box, sub = setup
    assert sub["secret"].startswith("whsec_")
    assert "secret" not in api.get("/webhooks").get_json()["items"][0]  # shown once
    conv = make_conversation(box)
    httpserver.expect_ordered_request("/hook", method="POST").respond_with_data("down for maintenance", status=503)
    httpserver.expect_ordered_request("/hook", method="POST").respond_with_data("ok", status=200)
    assert api.put(f"/conversations/{conv.id}/status", json={"status": "closed"}).status_code == 200
    [delivery] = _deliveries()  # committed together with the status change
    assert delivery.status == "pending" and delivery.event_type == "conversation.status_changed"

    assert webhooks.deliver_due() == {"sent": 0, "failed": 1}
    db.session.refresh(delivery)
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_status_code == 503
    assert delivery.next_attempt_at > utcnow() + timedelta(seconds=50)  # backoff, not at once
    assert delivery.last_response == "down for maintenance"
    assert webhooks.deliver_due() == {"sent": 0, "failed": 0}  # not due yet
    assert webhooks.deliver_due(now=utcnow() + timedelta(minutes=2)) == {"sent": 1, "failed": 0}
    db.session.refresh(delivery)
    assert delivery.status == "succeeded" and delivery.attempts == 2

    first, second = [request for request, _response in httpserver.log]
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.message_id
    verifier = Webhook(sub["secret"])
    payload = verifier.verify(second.get_data(), dict(second.headers))
    assert payload["type"] == "conversation.status_changed" and payload["api_version"] == "1"
    assert payload["data"]["conversation"]["id"] == conv.id and payload["data"]["new"] == "closed"
    assert payload["data"]["conversation"] == api.get(f"/conversations/{conv.id}").get_json() | {
        "last_activity_at": payload["data"]["conversation"]["last_activity_at"]
    }  # the API's representation
    assert isinstance(payload["sequence"], int) and payload["sequence"] > 0
    with pytest.raises(WebhookVerificationError):
        verifier.verify(second.get_data().replace(b"closed", b"active"), dict(second.headers))


def test_filters_events_and_a_worker_killed_mid_attempt_loses_nothing(app, httpserver, setup):
    api, box, _sub = setup
    conv = make_conversation(box)
    api.patch(f"/conversations/{conv.id}/tags", json={"add": ["x"]})  # not subscribed
    assert _deliveries() == []
    api.post(f"/conversations/{conv.id}/items", json={"type": "note", "text": "internal"})
    [delivery] = _deliveries()
    # a worker claims it and dies before sending (kill -9): the claim is only a lease
    assert webhooks._claim(utcnow(), 10) == [delivery.id]  # noqa: SLF001 - the claim step alone
    assert webhooks.deliver_due() == {"sent": 0, "failed": 0}  # leased to the dead worker
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    assert webhooks.deliver_due(now=utcnow() + webhooks.LEASE + timedelta(seconds=1))["sent"] == 1
    assert len(httpserver.log) == 1


def test_private_target_refused_without_allow_list_and_redirect_not_followed(app, httpserver, setup):
    api, box, _sub = setup
    conv = make_conversation(box)
    httpserver.expect_request("/hook", method="POST").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/elsewhere")}
    )
    api.put(f"/conversations/{conv.id}/status", json={"status": "pending"})
    webhooks.deliver_due()
    [redirected] = _deliveries()
    assert redirected.status == "failed" and redirected.last_status_code == 302  # a 3xx is final
    assert [r.path for r, _ in httpserver.log] == ["/hook"]  # /elsewhere never asked

    app.config["WEBHOOK_ALLOWED_NETWORKS"] = ""
    api.put(f"/conversations/{conv.id}/status", json={"status": "closed"})
    webhooks.deliver_due()
    blocked = _deliveries()[-1]
    assert blocked.status == "failed" and blocked.last_status_code is None and blocked.last_error
    assert len(httpserver.log) == 1  # nothing reached the loopback receiver


def test_only_admins_subscribe_and_bad_subscriptions_are_422(app, setup):
    api, box, _sub = setup
    agent = make_user("Ann Agent", mailboxes=[box], password=None)
    agent_api = Api(app, token_for(agent))
    assert (
        agent_api.post("/webhooks", json={"url": "https://example.com/h", "events": ["note.created"]}).status_code
        == 403
    )
    bad = api.post("/webhooks", json={"url": "ftp://example.com/h", "events": ["note.created"]})
    assert bad.status_code == 422
    bad = api.post("/webhooks", json={"url": "https://example.com/h", "events": ["no.such"]})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"].startswith("body.events")
    sub = db.session.execute(db.select(WebhookSubscription)).scalars().first()
    log = api.get(f"/webhooks/{sub.id}/deliveries?count=true").get_json()
    assert log["count"] == 0 and log["items"] == []


def test_test_event_and_redelivery_keep_the_webhook_id(app, httpserver, setup):
    api, _box, sub = setup
    httpserver.expect_request("/hook", method="POST").respond_with_data("nope", status=400)  # final
    queued = api.post(f"/webhooks/{sub['id']}/test")
    assert queued.status_code == 202 and queued.get_json()["event_type"] == "webhook.test"
    webhooks.deliver_due()
    log = api.get(f"/webhooks/{sub['id']}/deliveries").get_json()["items"]
    assert [d["status"] for d in log] == ["failed"] and log[0]["last_status_code"] == 400
    again = api.post(f"/webhooks/{sub['id']}/redeliver", json={"since": "2020-01-01T00:00:00Z"})
    assert again.get_json() == {"queued": 1}
    httpserver.clear()
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    assert webhooks.deliver_due()["sent"] == 1
    [request] = [r for r, _ in httpserver.log]
    assert request.headers["webhook-id"] == log[0]["message_id"]
    Webhook(sub["secret"]).verify(request.get_data(), dict(request.headers))
    one = api.post(f"/webhooks/{sub['id']}/deliveries/{log[0]['id']}/redeliver")
    assert one.status_code == 202 and one.get_json()["status"] == "pending"
    assert api.post(f"/webhooks/{sub['id']}/deliveries/987654/redeliver").status_code == 404


def test_rotation_keeps_old_and_new_secret_valid_for_24_hours(app, httpserver, setup):
    api, box, sub = setup
    rotated = api.post(f"/webhooks/{sub['id']}/rotate")
    assert rotated.status_code == 200
    new = rotated.get_json()["secret"]
    assert new.startswith("whsec_") and new != sub["secret"]
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    conv = make_conversation(box)
    api.put(f"/conversations/{conv.id}/status", json={"status": "closed"})
    webhooks.deliver_due()
    [(request, _response)] = httpserver.log
    for secret in (sub["secret"], new):  # a receiver on either secret accepts it
        Webhook(secret).verify(request.get_data(), dict(request.headers))
    row = db.session.get(WebhookSubscription, sub["id"])
    assert len(webhooks.signing_secrets(row, now=utcnow() + timedelta(hours=25))) == 1  # then only the new one


def test_delivery_log_keeps_30_days(app, setup):
    api, _box, sub = setup
    api.post(f"/webhooks/{sub['id']}/test")
    api.post(f"/webhooks/{sub['id']}/test")
    old, pending = _deliveries()
    old.status, old.created_at = "succeeded", utcnow() - timedelta(days=31)
    pending.created_at = utcnow() - timedelta(days=31)  # still to send: never dropped
    db.session.commit()
    assert webhooks.prune() == 1
    assert [d.id for d in _deliveries()] == [pending.id]
