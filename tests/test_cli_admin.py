"""`inbox users ...` and `inbox mailboxes ...`: what an admin types, and the errors they get."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from inbox.extensions import db
from inbox.models import Mailbox, User


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args, input=None, env=None):
        result = runner.invoke(args=list(args), input=input, env=env)
        db.session.expire_all()
        return result

    return invoke


def one_line_error(result) -> str:
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("Error: "), result.output
    return lines[-1]


def test_users_create_list_and_errors(run):
    r = run(
        "users",
        "create",
        "Ann@Example.test",
        "--name",
        "Ann Admin",
        "--role",
        "admin",
        "--password-stdin",
        input="correct horse\n",
    )
    assert r.exit_code == 0, r.output
    user = db.session.execute(db.select(User)).scalar_one()
    assert user.email == "ann@example.test" and user.role == "admin" and user.check_password("correct horse")
    # prompted twice when no --password-stdin
    r = run("users", "create", "bob@example.test", "--name", "Bob", input="battery staple\nbattery staple\n")
    assert r.exit_code == 0, r.output
    assert "battery staple" not in r.output
    listing = run("users", "list").output
    assert "ann@example.test" in listing and "bob@example.test" in listing and "agent" in listing
    assert "already exists" in one_line_error(
        run("users", "create", "bob@example.test", "--name", "B", "--password-stdin", input="another-pass\n")
    )
    assert "not an email" in one_line_error(
        run("users", "create", "nobody", "--name", "N", "--password-stdin", input="long-enough\n")
    )
    assert "at least 10" in one_line_error(
        run("users", "create", "c@example.test", "--name", "C", "--password-stdin", input="short\n")
    )
    r = run("users", "create", "d@example.test", "--name", "D", "--role", "boss", "--password-stdin", input="x" * 9)
    assert r.exit_code != 0 and "boss" in r.output


def test_ensure_admin_generates_once_then_says_so(run, monkeypatch):
    monkeypatch.delenv("INBOX_ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("INBOX_ADMIN_PASSWORD", raising=False)
    r = run("users", "ensure-admin")
    assert r.exit_code == 0, r.output
    password = r.output.split("password: ", 1)[1].split()[0]
    admin = db.session.execute(db.select(User).where(User.role == "admin")).scalar_one()
    assert admin.check_password(password)
    r = run("users", "ensure-admin")
    assert r.exit_code == 0 and "exists already" in r.output and password not in r.output
    assert db.session.execute(db.select(db.func.count(User.id))).scalar() == 1


def test_ensure_admin_from_environment(run, monkeypatch):
    monkeypatch.setenv("INBOX_ADMIN_EMAIL", "boss@example.test")
    monkeypatch.setenv("INBOX_ADMIN_PASSWORD", "from-the-env-1")
    r = run("users", "ensure-admin")
    assert r.exit_code == 0, r.output
    assert "from-the-env-1" not in r.output
    admin = db.session.execute(db.select(User)).scalar_one()
    assert admin.email == "boss@example.test" and admin.is_admin and admin.check_password("from-the-env-1")


def add_args(name="Support", email="help@example.test", **over):
    opts = {
        "--imap-host": "127.0.0.1",
        "--imap-port": "1143",
        "--imap-user": "help",
        "--imap-password-env": "T_IMAP_PW",
        "--imap-security": "none",
        "--smtp-host": "127.0.0.1",
        "--smtp-port": "1025",
        "--smtp-security": "none",
        **over,
    }
    args = ["mailboxes", "add", "--name", name, "--email", email]
    for key, value in opts.items():
        if value is not None:
            args += [key, value]
    return args


def test_mailboxes_add_list_and_errors(run, monkeypatch):
    monkeypatch.setenv("T_IMAP_PW", "imap-secret-pw")
    monkeypatch.setenv("T_SMTP_PW", "smtp-secret-pw")
    r = run(
        *add_args(**{"--smtp-user": "help", "--smtp-password-env": "T_SMTP_PW", "--sent-folder": "Sent"}),
        "--folder",
        "INBOX",
        "--folder",
        "Orders",
    )
    assert r.exit_code == 0, r.output
    mb = db.session.execute(db.select(Mailbox)).scalar_one()
    assert mb.folders == ["INBOX", "Orders"] and mb.sent_folder == "Sent" and mb.imap_port == 1143
    assert mb.imap_password() == "imap-secret-pw" and mb.smtp_password() == "smtp-secret-pw"
    listing = run("mailboxes", "list").output
    assert "Support <help@example.test>" in listing and "password set" in listing
    assert "secret" not in listing and mb.imap_password_enc not in listing

    assert "already exists" in one_line_error(run(*add_args(email="other@example.test")))
    assert "already exists" in one_line_error(run(*add_args(name="Other")))
    monkeypatch.delenv("T_MISSING", raising=False)
    assert "T_MISSING" in one_line_error(
        run(*add_args(name="N2", email="n2@example.test", **{"--imap-password-env": "T_MISSING"}))
    )
    assert "65535" in one_line_error(run(*add_args(name="N3", email="n3@example.test", **{"--smtp-port": "70000"})))
    assert "number" in one_line_error(run(*add_args(name="N4", email="n4@example.test", **{"--imap-port": "imap"})))
    assert "--smtp-password-env" in one_line_error(
        run(*add_args(name="N5", email="n5@example.test", **{"--smtp-user": "u"}))
    )
    assert db.session.execute(db.select(db.func.count(Mailbox.id))).scalar() == 1


def test_grant_gives_an_agent_a_mailbox(run, mailbox):
    run("users", "create", "agent@example.test", "--name", "Agent", "--password-stdin", input="agent-password\n")
    r = run("users", "grant", "agent@example.test", mailbox.name)
    assert r.exit_code == 0, r.output
    user = db.session.execute(db.select(User)).scalar_one()
    assert user.can_see_mailbox(mailbox.id)
    assert "no mailbox" in one_line_error(run("users", "grant", "agent@example.test", "Nope"))
    assert "no user" in one_line_error(run("users", "grant", "ghost@example.test", mailbox.name))


def test_mailboxes_test_reports_ok_against_real_servers(run, mailbox):
    r = run("mailboxes", "test", mailbox.name)
    assert r.exit_code == 0, r.output
    assert "IMAP" in r.output and "SMTP" in r.output and r.output.count(": OK") == 2


def test_mailboxes_test_prints_the_servers_own_error(run, mailbox, smtp_sink):
    mailbox.set_imap_password("wrong-password")
    db.session.commit()
    smtp_sink.stop()
    r = run("mailboxes", "test", mailbox.name)
    assert r.exit_code != 0
    assert "AUTHENTICATIONFAILED" in r.output or "Authentication failed" in r.output
    assert "SMTP" in r.output and "refused" in r.output
    assert "wrong-password" not in r.output


def test_cli_in_a_subprocess_against_an_instance(tmp_path):
    env = {
        **os.environ,
        "INBOX_INSTANCE_PATH": str(tmp_path),
        "INBOX_SECRET_KEY": "sub-secret",
        "INBOX_ADMIN_EMAIL": "root@example.test",
        "INBOX_ADMIN_PASSWORD": "sub-password-1",
    }
    inbox = [sys.executable, "-c", "from inbox.cli import main; main()"]
    for args in (["init-db"], ["users", "ensure-admin"]):
        p = subprocess.run(inbox + args, env=env, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
    p = subprocess.run(inbox + ["users", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert "root@example.test" in p.stdout and "admin" in p.stdout
    p = subprocess.run(
        inbox + ["users", "grant", "root@example.test", "nothing"], env=env, capture_output=True, text=True, timeout=60
    )
    assert p.returncode != 0 and p.stderr.strip().splitlines()[-1].startswith("Error: no mailbox")
