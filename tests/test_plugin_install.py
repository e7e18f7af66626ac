"""A plugin installed with pip into a fresh virtual environment is found through its entry point.

The new venv sees the project's environment (inbox and its dependencies) through a .pth file,
so nothing is downloaded; the plugin itself is built and installed by pip as a user would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "inbox-hello")
INBOX = "from inbox.cli import main; main()"


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    pytest.importorskip("wheel")  # setuptools < 70 builds wheels with it (setup.cfg test extras)
    path = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = str(path / "bin" / "python")
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with open(os.path.join(site, "_inbox_parent.pth"), "w") as f:  # addsitedir also runs its .pth files
        f.write(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    return python


def run(python, *args, cwd, env=None, timeout=120):
    return subprocess.run(
        [python, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )


def pip_install(python, source, tmp_path):
    started = time.monotonic()
    result = run(
        python,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--disable-pip-version-check",
        "-q",
        str(source),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return time.monotonic() - started


def test_example_plugin_installed_with_pip_is_listed_and_its_command_runs(venv, tmp_path):
    source = tmp_path / "inbox-hello"
    shutil.copytree(EXAMPLE, source)  # pip builds in place; keep the repository clean
    seconds = pip_install(venv, source, tmp_path)
    env = {"INBOX_INSTANCE_PATH": str(tmp_path / "instance"), "INBOX_DISABLE_PLUGINS": ""}
    assert run(venv, "-c", INBOX, "init-db", cwd=tmp_path, env=env).returncode == 0
    listed = run(venv, "-c", INBOX, "plugins", "list", cwd=tmp_path, env=env)
    line = next(l for l in listed.stdout.splitlines() if l.startswith("hello "))
    assert "enabled" in line and "inbox-hello 0.1.0" in line and "Hello: greets the customer" in line
    assert run(venv, "-c", INBOX, "hello", "Ada", cwd=tmp_path, env=env).stdout == "Hello, Ada!\n"
    configured = run(venv, "-c", INBOX, "plugins", "config", "hello", "greeting=Howdy", cwd=tmp_path, env=env)
    assert "greeting = Howdy" in configured.stdout
    assert run(venv, "-c", INBOX, "hello", "Ada", cwd=tmp_path, env=env).stdout == "Howdy, Ada!\n"
    assert run(venv, "-c", INBOX, "plugins", "disable", "hello", cwd=tmp_path, env=env).returncode == 0
    gone = run(venv, "-c", INBOX, "hello", "Ada", cwd=tmp_path, env=env)
    assert gone.returncode != 0 and "No such command" in gone.stderr
    # the project's own environment does not see the plugin: the entry point came from pip
    here = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlib.metadata import entry_points;print([e.name for e in entry_points(group='inbox.plugins')])",
        ],
        capture_output=True,
        text=True,
    ).stdout
    assert "hello" not in here
    print(f"pip install of the example plugin: {seconds:.1f} s")


def test_scaffolded_plugin_installs_and_its_own_tests_pass(venv, tmp_path):
    made = run(
        venv,
        "-c",
        INBOX,
        "plugins",
        "new",
        "tracker",
        "--dir",
        str(tmp_path),
        cwd=tmp_path,
        env={"INBOX_INSTANCE_PATH": str(tmp_path / "instance")},
    )
    assert made.returncode == 0, made.stderr
    root = tmp_path / "inbox-tracker"
    assert {p.name for p in root.iterdir()} >= {"pyproject.toml", "README.md", "inbox_tracker", "tests"}
    pip_install(venv, root, tmp_path)
    tests = run(
        venv,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:playwright",
        str(root / "tests"),
        cwd=root,
        timeout=180,
    )
    assert tests.returncode == 0 and "2 passed" in tests.stdout, tests.stdout + tests.stderr


def test_scaffolded_plugin_tests_never_touch_the_database_the_environment_names(venv, tmp_path):
    """Issue 10: run a plugin's tests in the shell that runs the app (INBOX_* exported): they pass,
    and the database and instance folder those variables name are left exactly as they were."""
    import hashlib
    import sqlite3

    made = run(
        venv,
        "-c",
        INBOX,
        "plugins",
        "new",
        "guarded",
        "--dir",
        str(tmp_path),
        cwd=tmp_path,
        env={"INBOX_INSTANCE_PATH": str(tmp_path / "scaffold-instance")},
    )
    assert made.returncode == 0, made.stderr
    root = tmp_path / "inbox-guarded"
    pip_install(venv, root, tmp_path)
    real_db, real_instance = tmp_path / "production.sqlite3", tmp_path / "production-instance"
    real_instance.mkdir()
    with sqlite3.connect(real_db) as conn:
        conn.execute("CREATE TABLE precious (v TEXT)")
        conn.execute("INSERT INTO precious VALUES ('customer data')")
    before = hashlib.sha256(real_db.read_bytes()).hexdigest()
    env = {
        "INBOX_DATABASE_URL": f"sqlite:///{real_db}",
        "INBOX_INSTANCE_PATH": str(real_instance),
        "INBOX_SECRET_KEY": "the-real-secret",
        "INBOX_DISABLE_PLUGINS": "all",
    }
    tests = run(
        venv,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:playwright",
        str(root / "tests"),
        cwd=root,
        env=env,
        timeout=180,
    )
    assert tests.returncode == 0 and "2 passed" in tests.stdout, tests.stdout + tests.stderr
    assert hashlib.sha256(real_db.read_bytes()).hexdigest() == before
    assert list(real_instance.iterdir()) == []
    with sqlite3.connect(real_db) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["precious"]
