"""The permission matrix over every API operation (every rule of the api blueprint in app.url_map,
so operations added later are covered too), like tests/test_web_authz.py for the web routes.

For each operation: no token is 401; a token whose scopes do not cover it is 403; the token of an
agent without access to the object's mailbox gets 404 (never 403, never the object); the token of an
agent with access is treated like an admin's (neither 401, 403 nor 404). Bodies are valid examples,
so the access rule, not validation, decides. Operations with the `admin` scope (webhooks) are 403
for every agent's token: only an admin's token can hold that scope."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from api_helpers import Api, token_for
from test_web_support import make_conversation, make_mailbox, make_user

from inbox import access_tokens, webhooks
from inbox.api.core import OPERATIONS, PUBLIC_ENDPOINTS
from inbox.extensions import db

OBJECT_ARGS = {"conversation_id", "mailbox_id", "customer_id", "webhook_id", "delivery_id"}


def _bodies(objects: dict) -> dict[str, dict]:
    """A valid body for every operation that takes one (a new operation must add its example)."""
    soon = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
    return {
        "create_conversation": {
            "mailbox_id": objects["mailbox_id"],
            "to": ["new@example.com"],
            "subject": "Hi",
            "text": "Hello",
        },
        "set_status": {"status": "pending"},
        "set_assignee": {"assignee_id": None},
        "change_tags": {"add": ["matrix"]},
        "snooze": {"until": soon},
        "move": {"mailbox_id": objects["mailbox_id"]},
        "merge": {"from_id": objects["other_conversation_id"]},
        "add_item": {"type": "note", "text": "A note"},
        "forward": {"to": ["colleague@example.com"]},
        "create_customer": {"emails": [f"fresh{objects['n']}@example.com"]},
        "update_customer": {"notes": "updated by the matrix"},
        "create_webhook": {"url": "https://hooks.example.com/inbox", "events": ["note.created"]},
        "test_webhook": {},
        "rotate_secret": {},
        "redeliver": {},
        "redeliver_failed": {"since": "2020-01-01T00:00:00Z"},
    }


@pytest.fixture
def world(app):
    granted, elsewhere = make_mailbox("Granted"), make_mailbox("Elsewhere")
    people = {
        "admin": make_user("Ada Admin", role="admin", password=None),
        "agent_in": make_user("Ivy Inside", mailboxes=[granted], password=None),
        "agent_out": make_user("Otto Outside", mailboxes=[elsewhere], password=None),
    }
    return granted, people


def _objects(granted, n: int) -> dict:
    conv = make_conversation(granted, customer_email=f"matrix{n}@example.com")
    other = make_conversation(granted, customer_email=f"other{n}@example.com")
    hook, _secret = webhooks.subscribe("https://hooks.example.com/matrix", ["note.created"])
    delivery = webhooks.send_test(hook)
    db.session.commit()
    return {
        "conversation_id": conv.id,
        "mailbox_id": granted.id,
        "customer_id": conv.customer_id,
        "other_conversation_id": other.id,
        "webhook_id": hook.id,
        "delivery_id": delivery.id,
        "n": n,
    }


def _url(rule, objects: dict) -> str:
    url = rule.rule
    for arg in rule.arguments:
        url = url.replace(f"<int:{arg}>", str(objects[arg]))
    return url


def _narrow_scopes(scope: str) -> list[str]:
    """Every scope that does not grant `scope`."""
    family = scope.split(":")[0]
    return [s for s in access_tokens.SCOPES if s != "admin" and not s.startswith(family + ":")]


def test_every_operation_enforces_access(app, world):
    granted, people = world
    tokens = {role: token_for(user) for role, user in people.items()}
    tokens["admin"] = token_for(people["admin"], scopes=["admin"])
    rules = [
        r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.") and r.endpoint not in PUBLIC_ENDPOINTS
    ]
    declared = {op.endpoint for op in OPERATIONS}
    assert {r.endpoint.split(".", 1)[1] for r in rules} == declared  # no route outside the contract
    scopes = {op.endpoint: op.scope for op in OPERATIONS}
    failures, checked = [], 0
    for n, rule in enumerate(rules):
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        endpoint = rule.endpoint.split(".", 1)[1]
        status = {}
        for role in ("anonymous", "narrow", "agent_out", "agent_in", "admin"):
            objects = _objects(granted, n * 10 + len(status))  # every call its own objects
            body = _bodies(objects).get(endpoint) if method != "GET" else None
            if method != "GET" and body is None:
                failures.append(f"{endpoint}: add a valid example body to _bodies()")
                continue
            if role == "anonymous":
                resp = app.test_client().open(_url(rule, objects), method=method, json=body)
            elif role == "narrow":
                narrow = token_for(people["agent_in"], scopes=_narrow_scopes(scopes[endpoint]))
                resp = Api(app, narrow)(method, _url(rule, objects), json=body)
            else:
                resp = Api(app, tokens[role])(method, _url(rule, objects), json=body)
            status[role] = resp.status_code
            db.session.rollback()
            db.session.expire_all()
            where = f"{method} {rule.rule} as {role}: {resp.status_code} {resp.get_data(as_text=True)[:200]}"
            if resp.status_code >= 500:
                failures.append(where + " (server error)")
            if resp.status_code >= 400 and resp.mimetype != "application/problem+json":
                failures.append(where + " (errors are problem+json)")
            if role == "anonymous" and resp.status_code != 401:
                failures.append(where + " (no token must be 401)")
            if role == "narrow" and resp.status_code != 403:
                failures.append(where + f" (a token without {scopes[endpoint]} must be 403)")
            admin_only = scopes[endpoint] == "admin"
            if admin_only and role in ("agent_out", "agent_in"):
                if resp.status_code != 403:
                    failures.append(where + " (an agent's token can never hold the admin scope: 403)")
            elif role == "agent_out" and OBJECT_ARGS & set(rule.arguments) and resp.status_code != 404:
                failures.append(where + " (another mailbox's object must be 404)")
            elif role == "agent_in" and not admin_only and resp.status_code in (401, 403, 404):
                failures.append(where + " (an agent with access and an admin reach it)")
            if role == "admin" and resp.status_code in (401, 403, 404):
                failures.append(where + " (an admin reaches it)")
        checked += 1
    assert checked >= 16
    assert not failures, "\n".join(failures)


def test_a_token_never_sees_more_than_its_user(app, world):
    granted, people = world
    conv = make_conversation(granted)
    # the agent loses access after the token was made: the token loses it too
    raw = token_for(people["agent_in"])
    api = Api(app, raw)
    assert api.get(f"/conversations/{conv.id}").status_code == 200
    people["agent_in"].mailboxes = []
    db.session.commit()
    assert api.get(f"/conversations/{conv.id}").status_code == 404
    assert api.get("/conversations").get_json()["items"] == []
