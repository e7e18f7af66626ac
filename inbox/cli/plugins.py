"""`inbox plugins list|enable|disable|config|new`."""

from __future__ import annotations

import os

import click
from flask.cli import with_appcontext

from .. import plugin_settings as ps
from ..extensions import db
from ..i18n import gettext as _
from ..i18n import pgettext
from ..i18n.formatting import format_datetime
from ..models import Mailbox
from ..plugin_host import host
from .plugin_scaffold import ScaffoldError, scaffold


@click.group("plugins")
def plugins() -> None:
    """List, enable, disable and configure plugins; scaffold a new one."""


def _host():
    return host()


def _known(name: str) -> None:
    if name not in _host().names():
        raise click.ClickException(_("no plugin named '%(name)s'; `inbox plugins list` shows them", name=name))


@plugins.command("list")
@with_appcontext
def list_cmd() -> None:
    """Every plugin found: state, origin, version, description, last error."""
    rows = _host().status()
    if not rows:
        click.echo(_("no plugins found (bundled ones live in plugins/, others are pip-installed)"))
    for row in rows:
        state = (
            pgettext("plugin", "broken")
            if row["broken"]
            else pgettext("plugin", "enabled")
            if row["enabled"]
            else pgettext("plugin", "disabled")
        )
        version = f" {row['version']}" if row["version"] else ""
        summary = row["description"].splitlines()[0] if row["description"] else ""
        click.echo(f"{row['name']:<20} {state:<9} {row['origin']}{version}  {summary}".rstrip())
        if row["broken"]:
            click.echo(f"{'':<20} " + _("broken: %(reason)s", reason=row["broken"]))
        if row["last_error"]:
            click.echo(
                f"{'':<20} "
                + _(
                    "last error (%(time)s): %(error)s",
                    time=format_datetime(row["last_error_at"]),
                    error=row["last_error"],
                )
            )


def _set_enabled(name: str, enabled: bool) -> None:
    _known(name)
    _host().set_state(name, enabled=enabled)
    broken = _host().broken_reason(name)
    if broken and enabled:
        click.echo(_("%(name)s enabled (but it is broken: %(reason)s)", name=name, reason=broken))
    else:
        click.echo(_("%(name)s enabled", name=name) if enabled else _("%(name)s disabled", name=name))


@plugins.command("enable")
@click.argument("name")
@with_appcontext
def enable(name: str) -> None:
    """Enable plugin NAME (every process picks it up within seconds)."""
    _set_enabled(name, True)


@plugins.command("disable")
@click.argument("name")
@with_appcontext
def disable(name: str) -> None:
    """Disable plugin NAME: its hooks stop running and its pages answer 404."""
    _set_enabled(name, False)


@plugins.command("config")
@click.argument("name")
@click.argument("assignments", nargs=-1)
@click.option("--mailbox", help="Mailbox id, email or name, for mailbox-scope settings.")
@click.option("--unset", "unset_keys", multiple=True, metavar="KEY", help="Remove a stored value.")
@with_appcontext
def config(name: str, assignments: tuple[str, ...], mailbox: str | None, unset_keys: tuple[str, ...]) -> None:
    """Show plugin NAME's settings, or set them: KEY=VALUE ... (secrets are never shown)."""

    _known(name)
    if name not in _host().modules:
        raise click.ClickException(
            _("plugin %(name)s is broken: %(reason)s", name=name, reason=_host().broken_reason(name))
        )
    box = _mailbox(mailbox) if mailbox else None
    try:
        for key in unset_keys:
            ps.unset(name, key, box)
        for assignment in assignments:
            key, sep, value = assignment.partition("=")
            if not sep:
                raise ps.SettingError(f"expected KEY=VALUE, got {assignment!r}")
            ps.set_value(name, key.strip(), value, box)
    except ps.SettingError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    specs = ps.specs(name)
    if not specs:
        click.echo(_("%(name)s has no settings", name=name))
    for spec in specs:
        value = ps.get(name, spec.key, box)
        where = ps.source(name, spec, box)
        scope = " " + _("[per mailbox]") if spec.scope == "mailbox" else ""
        click.echo(
            f"{spec.key} = {ps.display(spec, value)}  "
            + _("(%(type)s, from %(source)s)", type=spec.type, source=where)
            + scope
        )
        if spec.help:
            click.echo(f"    {spec.label}: {spec.help}")


def _mailbox(ref: str):
    query = db.select(Mailbox).where((Mailbox.email == ref) | (Mailbox.name == ref))
    box = db.session.get(Mailbox, int(ref)) if ref.isdigit() else db.session.execute(query).scalar_one_or_none()
    if box is None:
        raise click.ClickException(_("no mailbox '%(ref)s'", ref=ref))
    return box


@plugins.command("new")
@click.argument("name")
@click.option(
    "--dir",
    "directory",
    default=".",
    type=click.Path(file_okay=False),
    help="Where to create the inbox-NAME folder (default: here).",
)
def new(name: str, directory: str | None) -> None:
    """Scaffold a pip-installable plugin package inbox-NAME (no app or database needed)."""

    try:
        root = scaffold(name, directory)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    rel = os.path.relpath(root)
    click.echo(
        _("created %(path)s", path=rel) + "\n\n" + _("next:") + f"\n  pip install -e {rel}\n  inbox plugins list\n"
        f"  inbox {name.replace('_', '-')} world\n  pytest {rel}/tests"
    )


def register(cli: click.Group) -> None:
    cli.add_command(plugins)
