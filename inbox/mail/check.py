""" "Test this mailbox": really log in to its IMAP server and connect (and log in) to its SMTP
server, and report each server's own words. One check, rendered by the admin page and printed by
`inbox mailboxes test`."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import gettext as _
from ..i18n import ngettext
from ..models import Mailbox
from .inbound import imap_client
from .outbound import smtp


@dataclass(frozen=True)
class CheckResult:
    server: str  # "IMAP" or "SMTP"
    ok: bool
    note: str  # what happened, for a person: the server's own words on failure
    where: str  # host:port (security) as user


def _imap_where(mb: Mailbox) -> str:
    server = f"{mb.imap_host}:{mb.imap_port}"
    return _(
        "%(server)s (%(security)s) as %(user)s", server=server, security=mb.imap_security, user=mb.imap_user or mb.email
    )


def _smtp_where(mb: Mailbox) -> str:
    server = f"{mb.smtp_host}:{mb.smtp_port}"
    if mb.smtp_user:
        return _("%(server)s (%(security)s) as %(user)s", server=server, security=mb.smtp_security, user=mb.smtp_user)
    return _("%(server)s (%(security)s)", server=server, security=mb.smtp_security)


def check_imap(mb: Mailbox, timeout: float = 10) -> CheckResult:
    if not mb.imap_host:
        return CheckResult("IMAP", False, _("No IMAP server set."), "")
    try:
        client = imap_client.connect(mb, timeout=timeout)
    except imap_client.ImapError as exc:
        return CheckResult("IMAP", False, str(exc), _imap_where(mb))
    try:
        folders = imap_client.folder_names(client)
    except imap_client.NETWORK_ERRORS as exc:
        return CheckResult(
            "IMAP",
            False,
            _("Logged in, but listing folders failed: %(reason)s", reason=imap_client.describe(exc)),
            _imap_where(mb),
        )
    finally:
        imap_client.close(client)
    missing = [f for f in mb.folders or [] if f not in folders]
    note = ngettext("Logged in; %(num)d folder.", "Logged in; %(num)d folders.", len(folders))
    if missing:
        note = _("%(result)s Missing: %(folders)s.", result=note, folders=", ".join(missing))
    return CheckResult("IMAP", not missing, note, _imap_where(mb))


def check_smtp(mb: Mailbox, timeout: float = 10) -> CheckResult:
    if not mb.smtp_host:
        return CheckResult("SMTP", False, _("No SMTP server set."), "")
    try:
        smtp.close(smtp.connect_smtp(mb, timeout=timeout))
    except Exception as exc:  # smtplib and socket errors, described in the server's words
        return CheckResult("SMTP", False, smtp.describe(exc).reason, _smtp_where(mb))
    return CheckResult(
        "SMTP", True, _("Connected and logged in.") if mb.smtp_user else _("Connected (no login set)."), _smtp_where(mb)
    )


def check_servers(mb: Mailbox, timeout: float = 10) -> list[CheckResult]:
    return [check_imap(mb, timeout), check_smtp(mb, timeout)]
