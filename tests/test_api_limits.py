"""Idempotency-Key (same key and body: the first answer and no second mail; another body: 422)
and per-token rate limits (429, Retry-After, RateLimit headers; writes count double)."""

from __future__ import annotations

import pytest
from api_helpers import Api, token_for
from test_web_support import make_conversation, make_mailbox, make_user

from inbox.extensions import db
from inbox.models import IdempotentResponse, OutboxMessage, ThreadItem, utcnow


@pytest.fixture
def setup(app):
    box = make_mailbox("Support")
    agent = make_user("Ida Idem", mailboxes=[box], password=None)
    return make_conversation(box, customer_email="buyer@example.com"), agent


def _outbox_rows() -> int:
    return db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar_one()


def test_same_key_and_body_replays_the_first_answer_and_sends_once(app, setup):
    conv, agent = setup
    api = Api(app, token_for(agent))
    reply = {"text": "On its way."}
    first = api.post(f"/conversations/{conv.id}/items", json=reply, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.data
    again = api.post(f"/conversations/{conv.id}/items", json=reply, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _outbox_rows() == 1
    other = api.post(f"/conversations/{conv.id}/items", json={"text": "Different"}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other.mimetype == "application/problem+json"
    assert _outbox_rows() == 1
    # without a key, or with another one, it is a new reply
    assert (
        api.post(f"/conversations/{conv.id}/items", json=reply, headers={"Idempotency-Key": "k-2"}).status_code == 201
    )
    assert _outbox_rows() == 2
    # keys belong to a token: another token's k-1 is its own
    other_api = Api(app, token_for(agent, name="second"))
    assert (
        other_api.post(f"/conversations/{conv.id}/items", json=reply, headers={"Idempotency-Key": "k-1"}).get_json()[
            "id"
        ]
        != first.get_json()["id"]
    )


def test_a_failed_request_does_not_burn_its_key_and_a_running_twin_is_409(app, setup):
    conv, agent = setup
    api = Api(app, token_for(agent))
    bad = api.post(f"/conversations/{conv.id}/items", json={"text": ""}, headers={"Idempotency-Key": "retry-me"})
    assert bad.status_code == 422
    assert db.session.execute(db.select(IdempotentResponse)).first() is None
    ok = api.patch(f"/conversations/{conv.id}/tags", json={"add": ["x"]}, headers={"Idempotency-Key": "retry-me"})
    assert ok.status_code == 200
    # a reservation without an answer is a request still running elsewhere
    row = db.session.execute(db.select(IdempotentResponse)).scalar_one()
    db.session.add(
        IdempotentResponse(
            token_id=row.token_id,
            key="running",
            fingerprint="x" * 64,
            status=0,
            body=b"",
            headers={},
            created_at=utcnow(),
        )
    )
    db.session.commit()
    twin = api.patch(f"/conversations/{conv.id}/tags", json={"add": ["y"]}, headers={"Idempotency-Key": "running"})
    assert twin.status_code in (409, 422)  # another body: 422; the same body while running: 409
    assert (
        api.post(
            f"/conversations/{conv.id}/items", json={"text": "x"}, headers={"Idempotency-Key": "x" * 300}
        ).status_code
        == 400
    )


def test_rate_limit_per_token_writes_count_double(app, setup):
    app.config.update(API_RATE_LIMIT=7, API_RATE_WINDOW=60)
    conv, agent = setup
    api = Api(app, token_for(agent))
    first = api.get("/tags")
    assert first.headers["RateLimit-Policy"] == "7;w=60"
    assert "remaining=6" in first.headers["RateLimit"]
    assert api.patch(f"/conversations/{conv.id}/tags", json={"add": ["a"]}).status_code == 200
    assert "remaining=2" in api.patch(f"/conversations/{conv.id}/tags", json={"add": ["b"]}).headers["RateLimit"]
    assert "remaining=1" in api.get("/tags").headers["RateLimit"]
    limited = api.patch(f"/conversations/{conv.id}/tags", json={"add": ["c"]})  # a write needs 2
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 61 and "remaining=1" in limited.headers["RateLimit"]
    events = db.session.execute(db.select(ThreadItem).where(ThreadItem.type == "event")).scalars().all()
    assert "c" not in [e.event.get("tag") for e in events]  # refused before it ran
    assert api.get("/tags").status_code == 200  # a read still fits
    assert api.get("/tags").status_code == 429
    # someone else's token is not slowed
    assert Api(app, token_for(make_user("Other One", password=None))).get("/tags").status_code == 200


def test_rate_limit_can_be_off(app, setup):
    app.config["API_RATE_LIMIT"] = 0
    _conv, agent = setup
    resp = Api(app, token_for(agent)).get("/tags")
    assert resp.status_code == 200 and "RateLimit" not in resp.headers


def test_prune_forgets_old_answers_and_ledger_rows(app, setup):
    from datetime import timedelta

    from inbox.api import limits
    from inbox.models import RateEvent

    conv, agent = setup
    api = Api(app, token_for(agent))
    api.patch(f"/conversations/{conv.id}/tags", json={"add": ["a"]}, headers={"Idempotency-Key": "old"})
    api.patch(f"/conversations/{conv.id}/tags", json={"add": ["b"]}, headers={"Idempotency-Key": "new"})
    old = db.session.execute(db.select(IdempotentResponse).where(IdempotentResponse.key == "old")).scalar_one()
    old.created_at = utcnow() - timedelta(hours=25)
    db.session.execute(db.update(RateEvent).values(created_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    assert limits.prune() >= 1 + 4
    assert [r.key for r in db.session.execute(db.select(IdempotentResponse)).scalars()] == ["new"]
