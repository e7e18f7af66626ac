"""The one IMAP door: every connection to a mailbox's IMAP server is made here, for reading
(sync, the worker), for Sent-folder copies (outbound) and for "test this mailbox".

Errors come out as ImapError with one human line ("cannot reach host:993: connection refused",
"IMAP login failed for u: [AUTHENTICATIONFAILED] ..."), the server's own words where it gave any.
"""

from __future__ import annotations

import ast
import errno
import socket
import ssl

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from ...models import Mailbox

NETWORK_ERRORS = (OSError, socket.timeout, ssl.SSLError, IMAPClientError, EOFError)


class ImapError(Exception):
    """A one-line, human explanation of what went wrong with a mailbox's server."""


def describe(exc: BaseException) -> str:
    """A network error in a few words."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "host unreachable"
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def _server_words(exc: LoginError) -> str:
    detail = exc.args[0] if exc.args else exc
    if isinstance(detail, str) and detail[:2] in ("b'", 'b"'):  # imapclient wraps str(bytes)
        try:
            detail = ast.literal_eval(detail)
        except (ValueError, SyntaxError):
            pass
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    return str(detail)


def connect(mailbox: Mailbox, timeout: float = 30) -> IMAPClient:
    """A logged-in client for this mailbox (security ssl | starttls | none), or ImapError saying why not."""
    host, security = mailbox.imap_host, (mailbox.imap_security or "ssl")
    if not host:
        raise ImapError(f"mailbox {mailbox.name} has no IMAP server configured")
    port = mailbox.imap_port or (993 if security == "ssl" else 143)
    context = ssl.create_default_context()
    try:
        client = IMAPClient(
            host, port=port, ssl=security == "ssl", ssl_context=context if security == "ssl" else None, timeout=timeout
        )
    except NETWORK_ERRORS as exc:
        raise ImapError(f"cannot reach {host}:{port}: {describe(exc)}") from None
    try:
        if security == "starttls":
            client.starttls(context)
        client.login(mailbox.imap_user or mailbox.email, mailbox.imap_password() or "")
    except LoginError as exc:
        close(client)
        raise ImapError(f"IMAP login failed for {mailbox.imap_user or mailbox.email}: {_server_words(exc)}") from None
    except NETWORK_ERRORS as exc:
        close(client)
        raise ImapError(f"cannot reach {host}:{port}: {describe(exc)}") from None
    return client


def close(client: IMAPClient) -> None:
    """Log out, or at least drop the connection; never raises."""
    try:
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:
            pass


def folder_names(client: IMAPClient) -> list[str]:
    return [f[2] for f in client.list_folders()]


def append_to_sent(mailbox: Mailbox, data: bytes) -> None:
    """Put a copy of a sent message in the mailbox's Sent folder (created if missing), marked read."""
    client = connect(mailbox)
    try:
        if not client.folder_exists(mailbox.sent_folder):
            client.create_folder(mailbox.sent_folder)
        client.append(mailbox.sent_folder, data, flags=[b"\\Seen"])
    finally:
        close(client)


def sent_folder_has(mailbox: Mailbox, message_id: str) -> bool:
    """Whether a message with this Message-ID (without <>) is in the Sent folder."""
    client = connect(mailbox)
    try:
        if not client.folder_exists(mailbox.sent_folder):
            return False
        client.select_folder(mailbox.sent_folder, readonly=True)
        return bool(client.search(["HEADER", "Message-ID", f"<{message_id}>"]))
    finally:
        close(client)
