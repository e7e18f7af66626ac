"""`inbox fetch` and `inbox export` as a user runs them: output, JSON Lines content, one-line errors."""

from __future__ import annotations

import json
import socket

from test_sync import make_mail

from inbox.extensions import db


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_fetch_then_export_jsonl(app, mailbox, dovecot, imap_account, tmp_path):
    user, _ = imap_account
    dovecot.append(
        user,
        make_mail(
            subject="Lost parcel",
            message_id="e1@c.test",
            frm="Ann Lee <ann@c.test>",
            attachments=[("photo.png", "image/png", b"\x89PNG fake")],
        ),
    )
    dovecot.append(
        user,
        make_mail(
            subject="Re: Lost parcel",
            message_id="e2@c.test",
            in_reply_to="e1@c.test",
            frm="ann@c.test",
            body="Still waiting.",
        ),
    )
    result = run(app, "fetch", "--mailbox", mailbox.name)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "2 messages fetched, 1 new conversations, 1 added to existing ones, 0 duplicates skipped, 0 failed to parse"
    )
    out = tmp_path / "export.jsonl"
    result = run(app, "export", "--mailbox", mailbox.name, "--output", str(out))
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert len(lines) == 1
    conv = json.loads(lines[0])
    assert (conv["mailbox"], conv["subject"], conv["status"], conv["tags"]) == (
        mailbox.name,
        "Lost parcel",
        "active",
        [],
    )
    assert conv["customer"] == {"name": "Ann Lee", "emails": ["ann@c.test"]}
    first, second = conv["messages"]
    assert first["type"] == "customer" and first["message_id"] == "e1@c.test"
    assert first["from"] == {"name": "Ann Lee", "email": "ann@c.test"}
    assert first["to"] == [{"name": "", "email": "support@support.test"}]
    assert first["attachments"] == [
        {"filename": "photo.png", "content_type": "image/png", "size": 9, "content_id": None}
    ]
    assert first["date"].endswith("+00:00") and "T" in first["date"]
    assert (first["is_auto_reply"], first["is_bounce"], first["is_bulk"], first["parse_error"]) == (
        False,
        False,
        False,
        None,
    )
    assert first["html"] is None and "Still waiting." in second["text"]
    # stdout works too, and the second fetch has nothing new
    assert json.loads(run(app, "export").output.splitlines()[0])["number"] == conv["number"]
    assert run(app, "fetch").output.startswith("0 messages fetched")


def test_fetch_history_shows_progress(app, mailbox, dovecot, imap_account):
    user, _ = imap_account
    dovecot.append(user, make_mail(message_id="h1@c.test"))
    result = (
        app.test_cli_runner(mix_stderr=False).invoke(args=["fetch", "--history"])
        if _supports_mix_stderr()
        else run(app, "fetch", "--history")
    )
    assert result.exit_code == 0
    assert "1 messages fetched" in result.output


def _supports_mix_stderr() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def test_unknown_mailbox(app, mailbox):
    for cmd in ("fetch", "export"):
        result = run(app, cmd, "--mailbox", "Nope")
        assert result.exit_code != 0 and "unknown mailbox 'Nope'" in result.output


def test_unreachable_server(app, mailbox):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mailbox.imap_port = port
    db.session.commit()
    result = run(app, "fetch")
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: cannot reach 127.0.0.1:{port}: connection refused"


def test_bad_credentials(app, mailbox):
    mailbox.set_imap_password("wrong password")
    db.session.commit()
    result = run(app, "fetch", "--mailbox", mailbox.name)
    assert result.exit_code == 1
    line = result.output.strip()
    assert line.startswith(f"Error: IMAP login failed for {mailbox.imap_user}: [AUTHENTICATIONFAILED]")
    assert "wrong password" not in result.output and len(line.splitlines()) == 1
