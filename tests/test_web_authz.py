"""Authorization matrix over every route in app.url_map, so routes added later are covered too.

For each route and each of anonymous / agent without access / agent with access / admin:
anonymous is sent to the login page (or gets 401); an agent never sees an object of a mailbox they
were not granted (404, not 403); an agent with access is treated like an admin; /admin is 404 for
agents. Route arguments are filled from objects created for the test."""

from __future__ import annotations

import pytest
from test_web_support import login, make_mailbox, make_user, world

from inbox.extensions import db

# public by design: the customer portal, and signing in
PUBLIC_BLUEPRINTS = {"portal"}
# the JavaScript catalogue: words of the interface, shown on the portal and the sign-in page too
PUBLIC_ENDPOINTS = {"auth.login", "auth.logout", "auth.forgot", "auth.reset", "js_i18n.js_catalogue"}
OBJECT_ARGS = {"conversation_id", "number", "item_id", "attachment_id", "mailbox_id", "draft_id"}


def _is_public(rule) -> bool:
    endpoint = rule.endpoint
    blueprint = endpoint.rsplit(".", 1)[0] if "." in endpoint else ""
    if blueprint == "api":  # tokens, not sessions: tests/test_api_authz.py has the API's own matrix
        return True
    return (
        endpoint == "static"
        or endpoint.endswith(".static")
        or endpoint in PUBLIC_ENDPOINTS
        or blueprint in PUBLIC_BLUEPRINTS
        or blueprint.endswith("_portal")
        or rule.rule.startswith("/portal/")
    )


def _routes(app):
    out = []
    for rule in app.url_map.iter_rules():
        if _is_public(rule):
            continue
        methods = rule.methods - {"HEAD", "OPTIONS"}
        for method in sorted(methods):
            out.append((rule, method))
    return out


def _url(app, rule, objects: dict) -> tuple[str, bool]:
    """The URL with arguments filled; second value: every argument is a real object."""
    values, all_known = {}, True
    for arg in rule.arguments:
        if arg in objects:
            values[arg] = objects[arg]
        elif arg == "user_id":
            values[arg] = objects["victim_id"]
        else:
            all_known = False
            converter = rule._converters.get(arg)
            values[arg] = 987654 if converter is not None and type(converter).__name__ == "IntegerConverter" else "x"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values), all_known


def _call(client, method: str, url: str):
    return client.open(url, method=method, data={}, headers={"Accept": "text/html"})


@pytest.fixture
def people(app):
    granted, other = make_mailbox("Granted"), make_mailbox("Elsewhere")
    admin = make_user("Ada Admin", role="admin")
    agent_in = make_user("Ivy Inside", mailboxes=[granted])
    agent_out = make_user("Otto Outside", mailboxes=[other])
    return admin, agent_in, agent_out


def test_every_route_enforces_access(app, people):
    admin, agent_in, agent_out = people
    clients = {}
    for role, user in (("admin", admin), ("agent_in", agent_in), ("agent_out", agent_out)):
        clients[role] = app.test_client()
        login(clients[role], user)
    clients["anonymous"] = app.test_client()

    routes = _routes(app)
    assert any(rule.endpoint == "inbox_list.index" for rule, _m in routes)
    failures = []
    checked = 0
    shared = None
    for rule, method in routes:
        status = {}
        for role in ("anonymous", "agent_out", "agent_in", "admin"):
            # reads share one set of objects; every write gets its own, so order never matters
            if method != "GET" or shared is None:
                objects = world(db.session.get(type(agent_in), agent_in.id).mailboxes[0], agent_in)
                objects["victim_id"] = make_user(f"Victim {rule.endpoint} {role} {method}", password=None).id
                if method == "GET":
                    shared = objects
            else:
                objects = shared
            url, all_known = _url(app, rule, objects)
            resp = _call(clients[role], method, url)
            status[role] = resp.status_code
            db.session.rollback()
            db.session.expire_all()
            where = f"{method} {rule.rule} ({rule.endpoint}) as {role}: {resp.status_code}"
            if resp.status_code >= 500:
                failures.append(where + " server error")
            if role == "anonymous":
                ok = resp.status_code == 401 or (
                    resp.status_code in (302, 303) and "/login" in resp.headers.get("Location", "")
                )
                if "token" in rule.arguments:  # signed-link routes: the token is the credential
                    ok = resp.status_code in (302, 303, 401, 403, 404)
                if not ok:
                    failures.append(where + " (anonymous must be sent to log in)")
            elif rule.rule.startswith("/admin"):
                if role != "admin" and resp.status_code != 404:
                    failures.append(where + " (admin page must be 404 for agents)")
                if role == "admin" and all_known and method == "GET" and resp.status_code in (401, 403, 404):
                    failures.append(where + " (admin must reach admin pages)")
            elif role == "agent_out" and OBJECT_ARGS & set(rule.arguments):
                if resp.status_code != 404:
                    failures.append(where + " (another mailbox's object must be 404)")
        checked += 1
        if not rule.rule.startswith("/admin") and all_known and OBJECT_ARGS & set(rule.arguments):
            # an agent with access is treated like an admin: both reach the object or neither does
            if (status["agent_in"] == 404) != (status["admin"] == 404) or status["agent_in"] in (401, 403):
                failures.append(
                    f"{method} {rule.rule}: agent with access got {status['agent_in']}, admin {status['admin']}"
                )
    assert checked > 20
    assert not failures, "\n".join(failures)


def test_matrix_covers_routes_added_later(app):
    """A blueprint registered after start-up shows up in the same matrix (plugins add routes)."""
    from flask import Blueprint
    from flask_login import login_required

    from inbox.access import conversation_or_404

    bp = Blueprint("late_addition", __name__)

    @bp.get("/late/<int:conversation_id>")
    @login_required
    def late(conversation_id):
        return conversation_or_404(conversation_id).subject

    app.register_blueprint(bp)
    assert any(rule.endpoint == "late_addition.late" for rule, _m in _routes(app))


def test_agent_cannot_open_hidden_mailbox_in_inbox_filter(app, people, client):
    _admin, agent_in, agent_out = people
    objects = world(agent_in.mailboxes[0], agent_in)
    login(client, agent_out)
    assert client.get(f"/inbox?mailbox={objects['mailbox_id']}").status_code == 404
    assert client.get(f"/live/inbox?mailbox={objects['mailbox_id']}").status_code == 404


def test_json_endpoints_answer_401_when_logged_out(client):
    resp = client.get("/live/inbox", headers={"Accept": "application/json"})
    assert resp.status_code == 401 and resp.json == {"error": "login required"}
    resp = client.get("/inbox", headers={"HX-Request": "true"})
    assert resp.status_code == 401
