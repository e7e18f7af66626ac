"""`inbox run`: the development web server, optionally with the mail worker in the same process.
For production run gunicorn on wsgi:app and `inbox worker` separately."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from ..i18n import gettext as _
from ..worker import start_in_thread


@click.command("run")
@click.option("--host", "-h", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", "-p", default=5000, show_default=True, type=int)
@click.option(
    "--worker/--no-worker",
    default=False,
    show_default=True,
    help="Also fetch and send mail in this process (background threads).",
)
@click.option("--debug/--no-debug", default=False, help="Reload on code changes and show tracebacks.")
@with_appcontext
def run(host: str, port: int, worker: bool, debug: bool) -> None:
    """Run the web app for development or trying it out."""
    app = current_app._get_current_object()
    # with the reloader on, only the child process (the one serving) starts the worker
    is_server_process = not debug or os.environ.get("WERKZEUG_RUN_MAIN") == "true"
    background = None
    if worker and is_server_process:
        background = start_in_thread(app)
        click.echo(_("mail worker running in this process"))
    url = f"http://{host}:{port}/"
    click.echo(_("inbox on %(url)s  (Ctrl+C to stop)", url=url))
    try:
        run_simple(host, port, app, use_reloader=debug, use_debugger=debug, threaded=True)
    finally:
        if background is not None:
            background.stop()


def register(cli: click.Group) -> None:
    cli.add_command(run)
