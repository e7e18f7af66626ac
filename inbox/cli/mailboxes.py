"""`inbox mailboxes ...`: add a support mailbox, list them (never their passwords), test the servers.

Passwords come from environment variables named on the command line, so they never appear in
shell history or `ps`; they are stored encrypted (inbox.crypto).
"""

from __future__ import annotations

import os

import click
from flask.cli import AppGroup

from ..extensions import db
from ..i18n import gettext as _
from ..i18n import ngettext
from ..mail.check import check_servers
from ..models import Mailbox
from ..models.mailbox import SECURITY
from .users import check_email, find_mailbox

mailboxes = AppGroup("mailboxes", help="Support mailboxes (IMAP in, SMTP out).")
_SECURITY = click.Choice(SECURITY)
_DEFAULT_PORTS = {"imap": {"ssl": 993, "starttls": 143, "none": 143}, "smtp": {"ssl": 465, "starttls": 587, "none": 25}}


def _port(value: str | None, option: str, kind: str, security: str) -> int:
    if value in (None, ""):
        return _DEFAULT_PORTS[kind][security]
    try:
        port = int(value)
    except ValueError:
        raise click.ClickException(
            _("%(option)s must be a number from 1 to 65535, not '%(value)s'", option=option, value=value)
        ) from None
    if not 1 <= port <= 65535:
        raise click.ClickException(_("%(option)s must be from 1 to 65535, not %(port)s", option=option, port=port))
    return port


def _secret_from_env(var: str, option: str) -> str:
    value = os.environ.get(var)
    if not value:
        raise click.ClickException(
            _("environment variable %(var)s (named by %(option)s) is not set or empty", var=var, option=option)
        )
    return value


@mailboxes.command("add")
@click.option("--name", required=True)
@click.option("--email", "address", required=True, help="The support address customers write to.")
@click.option("--imap-host", required=True)
@click.option("--imap-port", help="Default: 993 for ssl, 143 otherwise.")
@click.option("--imap-user", help="Default: the mailbox address.")
@click.option("--imap-password-env", required=True, metavar="VAR", help="Environment variable holding the password.")
@click.option("--imap-security", type=_SECURITY, default="ssl", show_default=True)
@click.option("--smtp-host", required=True)
@click.option("--smtp-port", help="Default: 465 for ssl, 587 for starttls, 25 for none.")
@click.option("--smtp-user")
@click.option("--smtp-password-env", metavar="VAR")
@click.option("--smtp-security", type=_SECURITY, default="starttls", show_default=True)
@click.option("--folder", "folders", multiple=True, help="IMAP folder to import (repeatable). Default: INBOX.")
@click.option("--sent-folder", help="Append a copy of every reply to this IMAP folder.")
@click.option("--from-name", help="Sender name for automatic mail. Default: the mailbox name.")
@click.option("--reply-to", help="Reply-To address on outgoing mail.")
def add(
    name,
    address,
    imap_host,
    imap_port,
    imap_user,
    imap_password_env,
    imap_security,
    smtp_host,
    smtp_port,
    smtp_user,
    smtp_password_env,
    smtp_security,
    folders,
    sent_folder,
    from_name,
    reply_to,
) -> None:
    """Add a mailbox. Check it afterwards with `inbox mailboxes test NAME`."""
    name, address = name.strip(), check_email(address)
    if not name:
        raise click.ClickException(_("--name cannot be empty"))
    imap_port_n = _port(imap_port, "--imap-port", "imap", imap_security)
    smtp_port_n = _port(smtp_port, "--smtp-port", "smtp", smtp_security)
    imap_password = _secret_from_env(imap_password_env, "--imap-password-env")
    smtp_password = None
    if smtp_user and not smtp_password_env:
        raise click.ClickException(_("--smtp-user needs --smtp-password-env too"))
    if smtp_password_env:
        if not smtp_user:
            raise click.ClickException(_("--smtp-password-env needs --smtp-user too"))
        smtp_password = _secret_from_env(smtp_password_env, "--smtp-password-env")
    if reply_to:
        reply_to = check_email(reply_to)
    if db.session.execute(db.select(Mailbox.id).where(Mailbox.name == name)).first():
        raise click.ClickException(_("a mailbox named '%(name)s' already exists", name=name))
    if db.session.execute(db.select(Mailbox.id).where(Mailbox.email == address)).first():
        raise click.ClickException(_("a mailbox with address %(address)s already exists", address=address))
    mb = Mailbox(
        name=name,
        email=address,
        imap_host=imap_host.strip(),
        imap_port=imap_port_n,
        imap_user=(imap_user or address).strip(),
        imap_security=imap_security,
        smtp_host=smtp_host.strip(),
        smtp_port=smtp_port_n,
        smtp_user=smtp_user or None,
        smtp_security=smtp_security,
        folders=[f.strip() for f in folders if f.strip()] or ["INBOX"],
        sent_folder=(sent_folder or "").strip() or None,
        from_name=from_name,
        reply_to=reply_to,
    )
    mb.set_imap_password(imap_password)
    mb.set_smtp_password(smtp_password)
    db.session.add(mb)
    db.session.commit()
    click.echo(
        _(
            "added mailbox %(name)s <%(email)s> (id %(id)s); try it: inbox mailboxes test %(quoted)s",
            name=mb.name,
            email=mb.email,
            id=mb.id,
            quoted=repr(mb.name),
        )
    )


@mailboxes.command("list")
def list_mailboxes() -> None:
    """Every mailbox and its servers. Passwords are only ever shown as "set"."""
    rows = db.session.execute(db.select(Mailbox).order_by(Mailbox.id)).scalars().all()
    if not rows:
        click.echo(_("no mailboxes yet: `inbox mailboxes add --help`"))
        return
    for mb in rows:
        imap_pw = _("password set") if mb.imap_password_enc else _("no password")
        smtp_pw = _("password set") if mb.smtp_password_enc else _("no password")
        smtp_login = (
            _("user %(user)s, %(password)s", user=mb.smtp_user, password=smtp_pw) if mb.smtp_user else _("no login")
        )
        imap_server, smtp_server = f"{mb.imap_host}:{mb.imap_port}", f"{mb.smtp_host}:{mb.smtp_port}"
        click.echo(
            f"{mb.id}\t{mb.name} <{mb.email}>{'' if mb.active else ' ' + _('(inactive)')}\n\t"
            + _(
                "IMAP %(server)s %(security)s, user %(user)s, %(password)s; folders %(folders)s; sent copies: %(sent)s",
                server=imap_server,
                security=mb.imap_security,
                user=mb.imap_user,
                password=imap_pw,
                folders=", ".join(mb.folders or []),
                sent=mb.sent_folder or _("off"),
            )
            + "\n\t"
            + _(
                "SMTP %(server)s %(security)s, %(login)s",
                server=smtp_server,
                security=mb.smtp_security,
                login=smtp_login,
            )
        )


@mailboxes.command("test")
@click.argument("name")
def test(name: str) -> None:
    """Log in to the mailbox's IMAP server and connect (and log in) to its SMTP server."""
    mb = find_mailbox(name)
    results = check_servers(mb, timeout=15)
    for r in results:
        click.echo(
            _(
                "%(server)s %(where)s: %(result)s: %(note)s",
                server=r.server,
                where=r.where,
                result=_("OK") if r.ok else _("FAILED"),
                note=r.note,
            )
        )
    failures = sum(not r.ok for r in results)
    if failures:
        raise click.ClickException(
            ngettext(
                "mailbox %(name)s: %(num)d check failed",
                "mailbox %(name)s: %(num)d checks failed",
                failures,
                name=mb.name,
            )
        )


def register(cli: click.Group) -> None:
    cli.add_command(mailboxes)
