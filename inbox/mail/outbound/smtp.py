"""SMTP delivery for one mailbox (the Sent-folder copy goes through mail/inbound/imap_client.py).

Errors come back classified: a ``SendError`` with ``permanent=True`` is the server judging the
message (5xx to MAIL/RCPT/DATA): sending it again cannot help. Everything else (4xx, refused or
dropped connections, timeouts, failed login) is transient: the outbox retries later.
"""

from __future__ import annotations

import smtplib
import socket
import ssl

from ...models import Mailbox

TIMEOUT = 30  # seconds for every SMTP network operation


class SendError(Exception):
    def __init__(self, reason: str, permanent: bool = False, code: int | None = None):
        super().__init__(reason)
        self.reason, self.permanent, self.code = reason, permanent, code


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def connect_smtp(mailbox: Mailbox, timeout: float = TIMEOUT) -> smtplib.SMTP:
    """A connected (and logged-in when smtp_user is set) SMTP client. Raises smtplib/OSError errors."""
    security = mailbox.smtp_security or "starttls"
    host, port = mailbox.smtp_host, mailbox.smtp_port
    if not host:
        raise SendError(f"mailbox {mailbox.name} has no SMTP server configured")
    context = ssl.create_default_context()
    if security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port or (587 if security == "starttls" else 25), timeout=timeout)
        if security == "starttls":
            client.ehlo()
            client.starttls(context=context)
    client.ehlo_or_helo_if_needed()
    if mailbox.smtp_user:
        try:
            client.login(mailbox.smtp_user, mailbox.smtp_password() or "")
        except Exception:
            close(client)
            raise
    return client


def close(client: smtplib.SMTP) -> None:
    """Say goodbye, or at least drop the connection; never raises."""
    try:
        client.quit()
    except Exception:
        try:
            client.close()
        except Exception:
            pass


def describe(exc: BaseException) -> SendError:
    """The server's own words, classified as permanent (5xx about the message) or transient."""
    if isinstance(exc, SendError):
        return exc
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        reason = "; ".join(f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items())
        return SendError(
            f"recipients refused: {reason}", permanent=all(c >= 500 for c in codes), code=max(codes) if codes else None
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # a login failure says nothing about the message; an admin can fix the password and it goes
        return SendError(f"SMTP login failed: {exc.smtp_code} {_text(exc.smtp_error)}", code=exc.smtp_code)
    if isinstance(exc, smtplib.SMTPConnectError):
        return SendError(
            f"SMTP server refused the connection: {exc.smtp_code} {_text(exc.smtp_error)}", code=exc.smtp_code
        )
    if isinstance(exc, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        return SendError(f"{exc.smtp_code} {_text(exc.smtp_error)}", permanent=exc.smtp_code >= 500, code=exc.smtp_code)
    if isinstance(exc, smtplib.SMTPResponseException):
        return SendError(f"{exc.smtp_code} {_text(exc.smtp_error)}", code=exc.smtp_code)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SendError(f"SMTP server disconnected: {exc}")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return SendError("SMTP server timed out")
    if isinstance(exc, ConnectionRefusedError):
        return SendError("SMTP server refused the connection (is it running?)")
    if isinstance(exc, OSError):
        return SendError(f"SMTP connection failed: {exc.strerror or exc}")
    return SendError(f"{type(exc).__name__}: {exc}")


class SmtpSession:
    """One connection reused for several messages of a mailbox; reconnects once if it dropped.

    ``send`` returns the recipients the server refused while accepting the message for others
    (empty when all were accepted) and raises SendError when nothing was accepted.
    """

    def __init__(self, mailbox, timeout: float = TIMEOUT):
        self.mailbox, self.timeout = mailbox, timeout
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.client is not None:
            close(self.client)
            self.client = None

    def send(self, envelope_from: str, recipients: list[str], data: bytes) -> dict[str, str]:
        if not recipients:
            raise SendError("no recipients", permanent=True)
        try:
            if self.client is None:
                self.client = connect_smtp(self.mailbox, self.timeout)
            else:
                try:
                    self.client.rset()  # a dropped connection shows up here, before anything is sent
                except (smtplib.SMTPServerDisconnected, OSError):
                    self.client = connect_smtp(self.mailbox, self.timeout)
            refused = self.client.sendmail(envelope_from, recipients, data)
        except Exception as exc:
            if isinstance(exc, (smtplib.SMTPServerDisconnected, OSError)):
                self.client = None
            else:
                try:
                    self.client and self.client.rset()
                except Exception:
                    self.close()
            raise describe(exc) from exc
        return {rcpt: f"{code} {_text(msg)}" for rcpt, (code, msg) in (refused or {}).items()}
