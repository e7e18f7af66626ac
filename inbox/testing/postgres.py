"""A throwaway PostgreSQL cluster on 127.0.0.1 for tests (initdb, pg_ctl, createdb).

PostgreSQL refuses to run as root, so as root every command runs as the ``postgres`` system user.
Databases are cheap to copy: migrate one template database once, then ``new_database()`` per test
clones it with ``CREATE DATABASE ... TEMPLATE`` (a file copy, far faster than migrating again).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile

from .servers import free_port

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def pg_bin() -> str | None:
    """The newest installed server's bin folder (Debian puts it off PATH), or None."""
    found = sorted(glob.glob(PG_BIN_GLOB), key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0)
    for folder in reversed(found):
        if os.access(os.path.join(folder, "initdb"), os.X_OK):
            return folder
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


class PgServer:
    def __init__(self, user: str = "test", host: str = "127.0.0.1"):
        self.bin = pg_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries not found (scripts/install.sh --test installs them)")
        self.user, self.host = user, host
        self.port = free_port(host)
        self.dir = tempfile.mkdtemp(prefix="pg-", dir="/tmp")
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.run_as:
            shutil.chown(self.dir, "postgres", "postgres")
        self._names = itertools.count(1)

    def _pg(self, tool: str, *args: str) -> str:
        # pg_ctl must get -l: otherwise the postmaster inherits our pipes and run() never returns
        done = subprocess.run(
            self.run_as + [os.path.join(self.bin, tool), *args], capture_output=True, text=True, timeout=60
        )
        if done.returncode:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def start(self) -> "PgServer":
        self._pg(
            "initdb",
            "-D",
            f"{self.dir}/data",
            "-U",
            self.user,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        # durability is pointless for a throwaway cluster; these make commits and CREATE DATABASE fast
        self._pg(
            "pg_ctl",
            "-D",
            f"{self.dir}/data",
            "-l",
            f"{self.dir}/log",
            "-w",
            "start",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses={self.host} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off",
        )
        return self

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def sql(self, statement: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(statement)

    def create_database(self, name: str, template: str | None = None) -> str:
        self.sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def new_database(self, template: str | None = None, prefix: str = "t") -> str:
        """A fresh database (a copy of template when given); returns its SQLAlchemy URL."""
        return self.create_database(f"{prefix}{os.getpid()}_{next(self._names)}", template)

    def drop_database(self, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def log(self) -> str:
        try:
            with open(f"{self.dir}/log", encoding="utf-8", errors="replace") as fh:
                return fh.read()
        except OSError:
            return ""

    def cleanup(self) -> None:
        try:
            self._pg("pg_ctl", "-D", f"{self.dir}/data", "-m", "immediate", "-w", "stop")
        except Exception:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
