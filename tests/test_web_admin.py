"""Admin pages: mailboxes with write-only passwords and a real connection test (Dovecot and the
SMTP sink), people (invite by email, access, roles, deactivation), settings."""

from __future__ import annotations

import email
import re

from test_web_support import PASSWORD, login, make_mailbox, make_user

from inbox.extensions import db
from inbox.mail.outbound import outbox
from inbox.models import Mailbox, User, get_setting, subject_number_format


def _mailbox_form(**override) -> dict:
    form = {
        "name": "Support",
        "email": "support@acme.test",
        "from_name": "Acme Support",
        "aliases": "help@acme.test",
        "imap_host": "imap.acme.test",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_user": "support",
        "imap_password": "imap-secret-1",
        "folders": "INBOX, Support",
        "smtp_host": "smtp.acme.test",
        "smtp_port": "587",
        "smtp_security": "starttls",
        "smtp_user": "support",
        "smtp_password": "smtp-secret-2",
        "closed_policy": "new_after_days",
        "closed_policy_days": "14",
        "signature": "The Acme team",
        "active": "1",
        "subject_number": "1",
    }
    form.update(override)
    return form


def _admin_client(app):
    admin = make_user("Ada Admin", role="admin")
    client = app.test_client()
    login(client, admin)
    return admin, client


def test_create_and_edit_mailbox_passwords_are_write_only(app):
    _admin, client = _admin_client(app)
    resp = client.post("/admin/mailboxes/new", data=_mailbox_form())
    assert resp.status_code == 302
    mb = db.session.execute(db.select(Mailbox)).scalar_one()
    assert (mb.aliases, mb.folders, mb.closed_policy, mb.closed_policy_days) == (
        ["help@acme.test"],
        ["INBOX", "Support"],
        "new_after_days",
        14,
    )
    assert mb.imap_password() == "imap-secret-1" and mb.smtp_password() == "smtp-secret-2"
    assert get_setting(f"mailbox.{mb.id}.subject_number") is True
    page = client.get(f"/admin/mailboxes/{mb.id}").get_data(as_text=True)
    assert "imap-secret-1" not in page and "smtp-secret-2" not in page and mb.imap_password_enc not in page
    assert "stored; leave empty to keep" in page
    # saving with empty password fields keeps the stored ones
    resp = client.post(
        f"/admin/mailboxes/{mb.id}",
        data=_mailbox_form(name="Support EU", imap_password="", smtp_password="", subject_number=""),
    )
    assert resp.status_code == 302
    db.session.expire_all()
    mb = db.session.get(Mailbox, mb.id)
    assert mb.name == "Support EU" and mb.imap_password() == "imap-secret-1" and mb.smtp_password() == "smtp-secret-2"
    assert get_setting(f"mailbox.{mb.id}.subject_number") is False
    client.post(
        f"/admin/mailboxes/{mb.id}", data=_mailbox_form(imap_password="", smtp_password="", smtp_password_clear="1")
    )
    db.session.expire_all()
    assert db.session.get(Mailbox, mb.id).smtp_password() is None


def test_mailbox_form_validation(app):
    _admin, client = _admin_client(app)
    make_mailbox("Taken", email="taken@acme.test")
    resp = client.post(
        "/admin/mailboxes/new",
        data=_mailbox_form(name="", email="taken@acme.test", imap_port="99999", aliases="not-an-address"),
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Please fix the highlighted fields" in page
    assert "Give the mailbox a name" in page and "Another mailbox already uses this email" in page
    assert "A whole number from 1 to 65535" in page and "Not an address: not-an-address" in page
    assert "imap-secret-1" not in page  # not even the password just typed
    assert db.session.query(Mailbox).count() == 1


def test_connection_test_really_logs_in(app, dovecot, imap_account, smtp_sink):
    _admin, client = _admin_client(app)
    user, password = imap_account
    form = _mailbox_form(
        imap_host=dovecot.host,
        imap_port=str(dovecot.port),
        imap_security="none",
        imap_user=user,
        imap_password=password,
        folders="INBOX",
        smtp_host=smtp_sink.host,
        smtp_port=str(smtp_sink.port),
        smtp_security="none",
        smtp_user="",
        smtp_password="",
    )
    ok = client.post("/admin/mailboxes/test", data=form).get_data(as_text=True)
    assert ok.count("badge-ok") == 2 and "Logged in;" in ok and "Connected" in ok
    # a saved mailbox is tested with its stored password when the field is left empty
    client.post("/admin/mailboxes/new", data=form)
    mb = db.session.execute(db.select(Mailbox)).scalar_one()
    ok = client.post(f"/admin/mailboxes/{mb.id}/test", data={**form, "imap_password": ""}).get_data(as_text=True)
    assert "Logged in;" in ok
    bad = client.post(f"/admin/mailboxes/{mb.id}/test", data={**form, "imap_password": "wrong"}).get_data(as_text=True)
    assert "AUTHENTICATIONFAILED" in bad or "Authentication failed" in bad  # Dovecot's own words
    missing = client.post("/admin/mailboxes/test", data={**form, "folders": "INBOX, Nope"}).get_data(as_text=True)
    assert "Missing: Nope" in missing
    refused = client.post("/admin/mailboxes/test", data={**form, "smtp_port": "1"}).get_data(as_text=True)
    assert "badge-spam" in refused and "refused" in refused.lower()
    assert password not in bad and "wrong" not in bad


def test_create_user_with_invitation_email(app, smtp_sink):
    _admin, client = _admin_client(app)
    box = make_mailbox("Outbound", smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_security="none")
    resp = client.post(
        "/admin/users/new",
        data={"name": "Nia New", "email": "Nia@Team.test", "role": "agent", "mailboxes": [str(box.id)], "invite": "1"},
        follow_redirects=True,
    )
    assert "an invitation is on its way" in resp.get_data(as_text=True)
    user = db.session.execute(db.select(User).where(User.email == "nia@team.test")).scalar_one()
    assert user.password_hash is None and [m.id for m in user.mailboxes] == [box.id]
    outbox.send_due(app)  # queued, sent by the worker
    msg = email.message_from_bytes(smtp_sink.messages[-1].content)
    assert msg["To"].endswith("<nia@team.test>") and "invitation" in msg["Subject"].lower()
    body = next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    link = re.search(r"http://localhost(/reset/\S+)", body).group(1)
    invited = app.test_client()
    assert invited.post(link, data={"password": "my own password", "confirm": "my own password"}).status_code == 302
    assert invited.post("/login", data={"email": "nia@team.test", "password": "my own password"}).status_code == 302


def test_create_user_with_password_and_validation(app):
    _admin, client = _admin_client(app)
    resp = client.post("/admin/users/new", data={"name": "", "email": "bad", "role": "boss", "password": "short"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Enter a name" in page and "Choose a role" in page and "at least 10" in page
    resp = client.post(
        "/admin/users/new",
        data={"name": "Pia Pass", "email": "pia@team.test", "role": "admin", "password": "long enough pw"},
    )
    assert resp.status_code == 302
    assert db.session.execute(db.select(User).where(User.email == "pia@team.test")).scalar_one().is_admin


def test_edit_user_grants_access_and_deactivates(app):
    admin, client = _admin_client(app)
    support, billing = make_mailbox("Support"), make_mailbox("Billing")
    agent = make_user("Gus Grant", mailboxes=[support])
    resp = client.post(
        f"/admin/users/{agent.id}",
        data={"name": "Gus G", "email": agent.email, "role": "agent", "mailboxes": [str(billing.id)], "active": ""},
    )
    assert resp.status_code == 302
    db.session.expire_all()
    agent = db.session.get(User, agent.id)
    assert agent.name == "Gus G" and [m.id for m in agent.mailboxes] == [billing.id] and not agent.active
    assert app.test_client().post("/login", data={"email": agent.email, "password": PASSWORD}).status_code == 401
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Deactivated" in page and "Gus G" in page


def test_last_admin_cannot_lock_themselves_out(app):
    admin, client = _admin_client(app)
    resp = client.post(
        f"/admin/users/{admin.id}", data={"name": admin.name, "email": admin.email, "role": "agent", "active": "1"}
    )
    assert resp.status_code == 400 and b"last active admin" in resp.data
    resp = client.post(f"/admin/users/{admin.id}", data={"name": admin.name, "email": admin.email, "role": "admin"})
    assert resp.status_code == 400 and b"cannot deactivate yourself" in resp.data
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_admin and db.session.get(User, admin.id).active


def test_send_password_link_from_user_page(app, smtp_sink):
    _admin, client = _admin_client(app)
    make_mailbox("Outbound", smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_security="none")
    agent = make_user("Rex Reset")
    resp = client.post(f"/admin/users/{agent.id}/reset", follow_redirects=True)
    assert "is on its way to" in resp.get_data(as_text=True)
    outbox.send_due(app)
    assert smtp_sink.messages[-1].rcpt_tos == [agent.email]


def test_settings_subject_format_policies_and_signatures(app):
    _admin, client = _admin_client(app)
    box = make_mailbox("Support")
    resp = client.post("/admin/settings", data={"subject_number_format": "no placeholder"})
    assert resp.status_code == 200 and b"Include {number} exactly once" in resp.data
    resp = client.post(
        "/admin/settings",
        data={
            "subject_number_format": "(Case {number})",
            f"policy_{box.id}": "new",
            f"policy_days_{box.id}": "7",
            f"signature_{box.id}": "Cheers, Support",
            f"subject_number_{box.id}": "1",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    box = db.session.get(Mailbox, box.id)
    assert (box.closed_policy, box.closed_policy_days, box.signature) == ("new", 7, "Cheers, Support")
    assert get_setting("subject_number_format") == "(Case {number})"
    assert get_setting(f"mailbox.{box.id}.subject_number") is True
    # the mail code reads the saved setting (models.subject_number_format); config is never written
    # after start-up, so it keeps the install-wide default
    assert subject_number_format() == "(Case {number})"
    assert app.config["SUBJECT_NUMBER_FORMAT"] == "[#{number}]"
    assert "(Case {number})" in client.get("/admin/settings").get_data(as_text=True)


def test_admin_overview_and_lists_render(app):
    _admin, client = _admin_client(app)
    make_mailbox("Support")
    for url in (
        "/admin/",
        "/admin/mailboxes",
        "/admin/mailboxes/new",
        "/admin/users",
        "/admin/users/new",
        "/admin/settings",
    ):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert b'<nav class="admin-nav"' in resp.data


def test_the_default_first_admin_at_localhost_can_be_edited_in_people(app, monkeypatch):
    """`inbox users ensure-admin` creates admin@localhost; Admin -> People once refused to save it
    because its own address check wanted a dot in the domain (one address rule now: inbox.addresses)."""
    monkeypatch.delenv("INBOX_ADMIN_EMAIL", raising=False)
    monkeypatch.setenv("INBOX_ADMIN_PASSWORD", PASSWORD)
    result = app.test_cli_runner().invoke(args=["users", "ensure-admin"])
    assert result.exit_code == 0 and "admin@localhost" in result.output, result.output
    admin = db.session.execute(db.select(User).where(User.email == "admin@localhost")).scalar_one()
    client = app.test_client()
    login(client, admin)
    resp = client.post(
        f"/admin/users/{admin.id}",
        data={"name": "Ada Lovelace", "email": "admin@localhost", "role": "admin", "active": "1"},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).name == "Ada Lovelace"
    bad = client.post(
        f"/admin/users/{admin.id}", data={"name": "Ada", "email": "admin at localhost", "role": "admin", "active": "1"}
    )
    assert bad.status_code == 400 and "An email address like" in bad.get_data(as_text=True)


class _ImapListener:
    """A loopback server that greets like IMAP and writes down every line it is sent."""

    def __init__(self):
        import socket
        import threading

        self.lines: list[bytes] = []
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn, conn.makefile("rb") as reader:
                conn.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
                for line in reader:
                    self.lines.append(line)
                    tag = line.split(b" ", 1)[0]
                    if b" CAPABILITY" in line.upper():
                        conn.sendall(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
                    else:
                        conn.sendall(tag + b" NO nope\r\n")

    def close(self):
        self.sock.close()


def test_connection_test_sends_a_stored_password_only_to_its_own_server(app, dovecot, imap_account, smtp_sink):
    """Security review 15: with an empty password field the stored (write-only) password was sent to
    whatever host, port and security the form named, in clear with security=none."""
    _admin, client = _admin_client(app)
    user, password = imap_account
    form = _mailbox_form(
        imap_host=dovecot.host,
        imap_port=str(dovecot.port),
        imap_security="none",
        imap_user=user,
        imap_password=password,
        folders="INBOX",
        smtp_host=smtp_sink.host,
        smtp_port=str(smtp_sink.port),
        smtp_security="none",
        smtp_user="",
        smtp_password="",
    )
    client.post("/admin/mailboxes/new", data=form)
    mb = db.session.execute(db.select(Mailbox)).scalar_one()
    listener = _ImapListener()
    try:
        stolen = {**form, "imap_host": "127.0.0.1", "imap_port": str(listener.port), "imap_password": ""}
        page = client.post(f"/admin/mailboxes/{mb.id}/test", data=stolen).get_data(as_text=True)
        assert "Type the password again" in page
        assert listener.connections == 0 and password not in b"".join(listener.lines).decode()
        for changed in ({"imap_port": "1"}, {"imap_user": "someone-else"}, {"imap_security": "ssl"}):
            page = client.post(
                f"/admin/mailboxes/{mb.id}/test", data={**form, "imap_password": "", **changed}
            ).get_data(as_text=True)
            assert "Type the password again" in page, changed
        # a typed password is the admin's own to send wherever they like
        typed = {**stolen, "imap_password": "typed-now"}
        page = client.post(f"/admin/mailboxes/{mb.id}/test", data=typed).get_data(as_text=True)
        assert "Type the password again" not in page and "IMAP login failed" in page
        logins = [line for line in listener.lines if b"LOGIN" in line.upper()]
        assert logins and b"typed-now" in logins[-1] and password.encode() not in b"".join(listener.lines)
    finally:
        listener.close()
    # the stored server, unchanged: the stored password is used (test_connection_test_really_logs_in)
    same = client.post(f"/admin/mailboxes/{mb.id}/test", data={**form, "imap_password": ""}).get_data(as_text=True)
    assert "Logged in;" in same
