"""Import/export round trips: JSON over the web, and the CLI against a real instance folder."""

from __future__ import annotations

import json
from io import BytesIO

from inbox.extensions import db
from inbox.testing.fixtures import make_app
from inbox_plugins.saved_replies import service, transfer
from inbox_plugins.saved_replies.models import SavedReply
from inbox_plugins.saved_replies.service import ReplyData


def _library(world):
    g = service.create(
        world.admin, ReplyData(title="Refund policy", body="Refunds take **5 days**.", scope="global", folder="Billing")
    )
    service.add_attachment(world.admin, g, "policy.txt", "text/plain", b"the policy \x00\xff bytes")
    service.create(
        world.admin,
        ReplyData(title="Sales hello", body="Hi {{ customer.first_name }}", scope="mailbox", mailbox_id=world.a.id),
    )
    service.create(world.admin, ReplyData(title="HTML one", body="<p>Hi</p>", body_format="html"))
    db.session.commit()


def _snapshot():
    rows = db.session.execute(db.select(SavedReply).order_by(SavedReply.title)).scalars()
    return [
        (
            r.title,
            r.folder,
            r.body,
            r.body_format,
            r.scope,
            r.mailbox_id,
            [(a.filename, a.content_type, a.sha256) for a in r.attachments],
        )
        for r in rows
    ]


def test_round_trip_through_the_web(app, client, login, make_world):
    world = make_world()
    _library(world)
    before = _snapshot()
    login(client, world.admin)
    exported = client.get("/saved-replies/export.json")
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    document = json.loads(exported.data)
    assert {r["title"] for r in document["replies"]} == {"Refund policy", "Sales hello", "HTML one"}
    db.session.execute(db.delete(SavedReply))
    db.session.commit()
    resp = client.post(
        "/saved-replies/import",
        data={"file": (BytesIO(exported.data), "saved.json")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    assert _snapshot() == before
    # importing the same file again adds nothing
    client.post(
        "/saved-replies/import",
        data={"file": (BytesIO(exported.data), "saved.json")},
        content_type="multipart/form-data",
    )
    assert _snapshot() == before


def test_import_respects_permissions_and_reports_problems(app, make_world):
    world = make_world()
    document = {
        "format": transfer.FORMAT,
        "version": 1,
        "replies": [
            {"title": "Global by agent", "body": "x", "scope": "global"},
            {"title": "Other mailbox", "body": "x", "scope": "mailbox", "mailbox": "billing@shop.test"},
            {"title": "Nowhere", "body": "x", "scope": "mailbox", "mailbox": "nope@shop.test"},
            {"title": "Evil", "body": "{{ ''.__class__ }}"},
            {"title": "Fine", "body": "ok", "folder": "Misc"},
        ],
    }
    added, skipped, problems = transfer.import_(world.ann, document)
    db.session.commit()
    assert (added, skipped) == (1, 0) and len(problems) == 4
    fine = db.session.execute(db.select(SavedReply)).scalar_one()
    assert (fine.title, fine.scope, fine.owner_id, fine.folder) == ("Fine", "personal", world.ann.id, "Misc")


def test_cli_export_then_import_into_another_install(app, tmp_path, _migrated_template, make_world):
    world = make_world()
    _library(world)
    before = _snapshot()
    out = tmp_path / "replies.json"
    result = app.test_cli_runner().invoke(args=["saved-replies", "export", str(out)])
    assert result.exit_code == 0, result.output
    assert len(json.loads(out.read_text())["replies"]) == 3

    other = make_app(str(tmp_path / "other"), _migrated_template)
    with other.app_context():
        make_world()  # same mailbox addresses, different ids are fine
        runner = other.test_cli_runner()
        result = runner.invoke(args=["saved-replies", "import", str(out), "--as", "admin@shop.test"])
        assert result.exit_code == 0, result.output
        assert "imported 3 saved replies, 0 already present" in result.output
        assert [row[:5] for row in _snapshot()] == [row[:5] for row in before]
        refund = db.session.execute(db.select(SavedReply).where(SavedReply.title == "Refund policy")).scalar_one()
        from inbox import storage

        assert storage.read(refund.attachments[0].sha256) == b"the policy \x00\xff bytes"
        bad = tmp_path / "bad.json"
        bad.write_text('{"format": "something else"}')
        result = runner.invoke(args=["saved-replies", "import", str(bad)])
        assert result.exit_code != 0 and "not a saved-replies export" in result.output
        db.session.remove()
        db.engine.dispose()
