"""A throwaway Dovecot IMAP server and an aiosmtpd SMTP sink, on 127.0.0.1."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

DOVECOT = "/usr/sbin/dovecot"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class DovecotServer:
    """Dovecot with its own config, users and Maildir under a short temp dir.

    The dir is short and world-traversable on purpose: Dovecot's unix sockets fail beyond 108
    bytes, and its unprivileged auth and mail processes must be able to reach the files.
    """

    def __init__(self, users: dict[str, str] | None = None, port: int | None = None, host: str = "127.0.0.1"):
        self.users = dict(users or {})
        self.host = host
        self.port = port or free_port(host)
        self.dir = tempfile.mkdtemp(prefix="dc-", dir="/tmp")
        self.proc: subprocess.Popen | None = None

    def _config(self) -> str:
        d = self.dir
        if os.geteuid() == 0:
            mail_user, mail_group = "nobody", "nogroup"
            extra = "default_internal_user = dovecot\ndefault_login_user = dovenull\n"
        else:
            mail_user = pwd.getpwuid(os.getuid()).pw_name
            mail_group = grp.getgrgid(os.getgid()).gr_name
            extra = (
                f"default_internal_user = {mail_user}\ndefault_internal_group = {mail_group}\n"
                f"default_login_user = {mail_user}\n"
                "service anvil {\n  chroot =\n}\nservice imap-login {\n  chroot =\n}\n"
            )
        uid = pwd.getpwnam(mail_user).pw_uid
        return f"""\
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
protocols = imap
listen = {self.host}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u
mail_uid = {mail_user}
mail_gid = {mail_group}
first_valid_uid = {min(uid, 100)}
mail_privileged_group =
{extra}
service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd.d/%u
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={d}/mail/%u
}}
protocol imap {{
  mail_max_userip_connections = 200
}}
"""

    def write_users(self) -> None:
        # One passwd-file per user: Dovecot re-checks a passwd-file at most once a second, so a user
        # added to a shared file could not log in during the second after the previous login.
        folder = os.path.join(self.dir, "passwd.d")
        os.makedirs(folder, exist_ok=True)
        for user, password in self.users.items():
            path = os.path.join(folder, user)
            if not os.path.exists(path):
                with open(path + ".tmp", "w") as f:
                    f.write(f"{user}:{{PLAIN}}{password}\n")
                os.replace(path + ".tmp", path)

    def add_user(self, user: str, password: str) -> None:
        """Dovecot re-reads the passwd-file when it changes, so users can be added while running."""
        self.users[user] = password
        self.write_users()

    def start(self, timeout: float = 15) -> DovecotServer:
        if not os.path.exists(DOVECOT):
            raise RuntimeError("dovecot is not installed: run `bash scripts/install-test-deps.sh`")
        d = self.dir
        for sub in ("run", "state", "mail"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(os.path.join(d, "mail"), "nobody", "nogroup")
            os.chmod(d, 0o755)
        self.write_users()
        self.conf = os.path.join(d, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(self._config())
        with open(os.path.join(d, "stderr.log"), "w") as stderr:  # the child keeps its own copy
            self.proc = subprocess.Popen(
                [DOVECOT, "-F", "-c", self.conf], stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("dovecot exited:\n" + self.log())
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError("dovecot did not come up:\n" + self.log())

    def log(self) -> str:
        out = []
        for name in ("stderr.log", "dovecot.log"):
            path = os.path.join(self.dir, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    out.append(f.read())
        return "".join(out)

    def stop(self, timeout: float = 10) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self, user: str):
        """A logged-in IMAPClient for one of this server's users."""
        from imapclient import IMAPClient

        c = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        c.login(user, self.users[user])
        return c

    def append(self, user: str, raw: bytes, folder: str = "INBOX", flags=()) -> int:
        """Deliver one message; returns its UID."""
        with self.client(user) as c:
            if folder != "INBOX" and not c.folder_exists(folder):
                c.create_folder(folder)
            resp = c.append(folder, raw, flags=flags)
        text = resp.decode() if isinstance(resp, bytes) else str(resp)
        return int(text.split("APPENDUID", 1)[1].split()[1].rstrip("]"))


class SmtpSink:
    """An in-process aiosmtpd server that keeps what it receives; can refuse, go down and come back."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None, auth: tuple[str, str] | None = None):
        self.host, self.port = host, port or free_port(host)
        self.auth = auth
        self.messages: list = []  # aiosmtpd envelopes: .mail_from, .rcpt_tos, .content (bytes)
        self.refuse_with: tuple[int, str] | None = None  # e.g. (451, "try later")
        self.controller = None
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            code, text = self.refuse_with
            return f"{code} {text}"
        with self._arrived:
            self.messages.append(envelope)
            self._arrived.notify_all()
        return "250 OK queued"

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        kwargs = {}
        if self.auth:
            from aiosmtpd.smtp import AuthResult

            want = (self.auth[0].encode(), self.auth[1].encode())

            def authenticator(server, session, envelope, mechanism, auth_data):
                return AuthResult(success=(auth_data.login, auth_data.password) == want, handled=False)

            kwargs = {"authenticator": authenticator, "auth_require_tls": False}
        self.controller = Controller(self, hostname=self.host, port=self.port, **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, timeout: float = 10) -> list:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._arrived.wait(left)
        return list(self.messages)

    def parsed(self) -> list:
        """What a mail client would see: each received message parsed with the modern policy."""
        import email
        import email.policy

        return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.messages]
