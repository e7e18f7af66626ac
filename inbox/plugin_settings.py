"""Plugin settings: declared with ``inbox.SettingSpec`` (register_settings), stored in PluginSetting.

Where a value comes from, first match wins: the spec's environment variable, the mailbox's row
(mailbox-scope settings), the global row, the spec's default. Secrets are stored encrypted and
registered with the log redaction as soon as they are decrypted.
"""

from __future__ import annotations

import os
from typing import Any

from .crypto import decrypt, encrypt
from .extensions import db
from .logging_setup import register_secret
from .models import Mailbox, PluginSetting
from .plugin_host import host
from .plugin_types import SettingSpec

TYPES = ("text", "secret", "number", "boolean", "choice")
SCOPES = ("global", "mailbox")
MASK = "••••••"
_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"0", "false", "no", "off", "n", ""}


class SettingError(ValueError):
    """A value (or a declaration) that does not fit; the message is meant for the person typing."""


def specs(plugin: str) -> list[SettingSpec]:
    """The plugin's declared settings, checked; a bad declaration is reported as the plugin's error."""

    declared = host().call_plugin(plugin, "register_settings") or []
    out = []
    for spec in declared if isinstance(declared, (list, tuple)) else [declared]:
        try:
            check_spec(spec)
        except SettingError as exc:
            host().record_error(plugin, "register_settings", exc)
            continue
        out.append(spec)
    return out


def spec_for(plugin: str, key: str) -> SettingSpec:
    for spec in specs(plugin):
        if spec.key == key:
            return spec
    known = ", ".join(s.key for s in specs(plugin)) or "none"
    raise SettingError(f"plugin {plugin} has no setting {key!r} (settings: {known})")


def check_spec(spec: Any) -> None:
    if not isinstance(spec, SettingSpec):
        raise SettingError(f"register_settings returned {type(spec).__name__}, not inbox.SettingSpec")
    if spec.type not in TYPES:
        raise SettingError(f"setting {spec.key}: type {spec.type!r} is not one of {', '.join(TYPES)}")
    if spec.scope not in SCOPES:
        raise SettingError(f"setting {spec.key}: scope {spec.scope!r} is not one of {', '.join(SCOPES)}")
    if spec.type == "choice" and not spec.choices:
        raise SettingError(f"setting {spec.key}: a choice needs choices")


def parse(spec: SettingSpec, raw: Any) -> Any:
    """Turn typed-in text (or a Python value) into the setting's type, or raise SettingError."""
    if spec.type == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw if raw is not None else "").strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise SettingError(f"{spec.label}: expected yes or no (true/false, on/off, 1/0), got {raw!r}")
    if spec.type == "number":
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            value = raw
        else:
            text = str(raw if raw is not None else "").strip()
            try:
                value = int(text)
            except ValueError:
                try:
                    value = float(text)
                except ValueError:
                    raise SettingError(f"{spec.label}: expected a number, got {raw!r}") from None
        if spec.min is not None and value < spec.min:
            raise SettingError(f"{spec.label}: must be at least {spec.min:g}, got {value:g}")
        if spec.max is not None and value > spec.max:
            raise SettingError(f"{spec.label}: must be at most {spec.max:g}, got {value:g}")
        return value
    text = "" if raw is None else str(raw)
    if spec.type == "choice":
        if text not in spec.choices:
            raise SettingError(f"{spec.label}: choose one of {', '.join(spec.choices)}, got {text!r}")
        return text
    if spec.required and not text.strip():
        raise SettingError(f"{spec.label}: may not be empty")
    return text


def _mailbox_id(mailbox) -> int | None:
    if mailbox is None:
        return None
    return mailbox.id if isinstance(mailbox, Mailbox) else int(mailbox)


def _row(plugin: str, key: str, mailbox_id: int | None) -> PluginSetting | None:
    query = db.select(PluginSetting).where(PluginSetting.plugin == plugin, PluginSetting.key == key)
    query = query.where(
        PluginSetting.mailbox_id.is_(None) if mailbox_id is None else PluginSetting.mailbox_id == mailbox_id
    )
    return db.session.execute(query).scalar_one_or_none()


def _decode(spec: SettingSpec, stored: Any) -> Any:
    if spec.type == "secret":
        return decrypt(stored) if stored else ""
    return stored


def from_env(spec: SettingSpec) -> str | None:
    value = os.environ.get(spec.env) if spec.env else None
    if value is not None and spec.type == "secret":
        register_secret(value)
    return value


def source(plugin: str, spec: SettingSpec, mailbox: Mailbox | int | None = None) -> str:
    """Where the effective value comes from: env, mailbox, global or default."""
    if from_env(spec) is not None:
        return "env"
    mailbox_id = _mailbox_id(mailbox) if spec.scope == "mailbox" else None
    if mailbox_id is not None and _row(plugin, spec.key, mailbox_id) is not None:
        return "mailbox"
    return "global" if _row(plugin, spec.key, None) is not None else "default"


def get(plugin: str, key: str, mailbox: Mailbox | int | None = None) -> Any:
    """The typed value of a declared setting, or its default. Public as ``inbox.plugin_setting``."""
    spec = spec_for(plugin, key)
    env = from_env(spec)
    if env is not None:
        try:
            return parse(spec, env)
        except SettingError:
            return spec.default  # a bad environment value is shown on the admin page, never raised
    mailbox_id = _mailbox_id(mailbox) if spec.scope == "mailbox" else None
    for scope_id in ([mailbox_id] if mailbox_id is not None else []) + [None]:
        row = _row(plugin, key, scope_id)
        if row is not None:
            return _decode(spec, row.value)
    return spec.default


def set_value(plugin: str, key: str, raw: Any, mailbox: Mailbox | int | None = None) -> Any:
    """Validate and store one value (the caller commits). Returns the typed value."""
    spec = spec_for(plugin, key)
    mailbox_id = _mailbox_id(mailbox)
    if mailbox_id is not None and spec.scope != "mailbox":
        raise SettingError(f"{spec.label}: is a global setting; it cannot be set per mailbox")
    value = parse(spec, raw)
    stored = value
    if spec.type == "secret":
        register_secret(value)
        stored = encrypt(value) if value else ""
    row = _row(plugin, key, mailbox_id)
    if row is None:
        db.session.add(PluginSetting(plugin=plugin, key=key, mailbox_id=mailbox_id, value=stored))
    else:
        row.value = stored
    return value


def unset(plugin: str, key: str, mailbox: Mailbox | int | None = None) -> bool:
    spec_for(plugin, key)
    row = _row(plugin, key, _mailbox_id(mailbox))
    if row is None:
        return False
    db.session.delete(row)
    return True


def display(spec: SettingSpec, value: Any) -> str:
    """A value as shown on pages and in the CLI: secrets masked, never echoed."""
    if spec.type == "secret":
        return MASK if value else "(not set)"
    if value is None:
        return "(not set)"
    if spec.type == "boolean":
        return "yes" if value else "no"
    return str(value)


def plugin_setting(plugin: str, key: str, mailbox: Mailbox | int | None = None) -> Any:
    """Public read API for plugins: the typed value of ``key``, or its declared default.

    ``mailbox`` (a Mailbox or its id) selects a mailbox-scope value, falling back to the global one.
    """
    return get(plugin, key, mailbox)
