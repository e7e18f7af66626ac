"""Install-wide settings and plugin state, kept in the database so every process sees changes."""

from __future__ import annotations

import time
from datetime import datetime

from flask import current_app
from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._base import UTCDateTime, utcnow


class Setting(db.Model):
    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)


class PluginState(db.Model):
    __tablename__ = "plugin_state"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    broken: Mapped[str | None] = mapped_column(Text)  # why it failed to import or migrate
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PluginSetting(db.Model):
    """A plugin's declared setting; mailbox_id NULL for global ones. Secrets stored encrypted."""

    __tablename__ = "plugin_setting"
    __table_args__ = (UniqueConstraint("plugin", "key", "mailbox_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailbox.id", ondelete="CASCADE"))
    value: Mapped[object] = mapped_column(JSON)


def get_setting(key: str, default=None):
    row = db.session.get(Setting, key)
    return default if row is None else row.value


def set_setting(key: str, value) -> None:
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value


SETTINGS_TTL = 30.0  # seconds a process trusts its copy of a database setting read on a hot path


def subject_number_format() -> str:
    """How conversation numbers appear in subjects ("[#{number}]"): the admin's database setting,
    so every process agrees (re-read every SETTINGS_TTL seconds), else config, else the default."""
    cached = current_app.extensions.setdefault("inbox_subject_number_format", [float("-inf"), None])
    if time.monotonic() - cached[0] > SETTINGS_TTL:
        cached[:] = [time.monotonic(), get_setting("subject_number_format")]
    return cached[1] or current_app.config.get("SUBJECT_NUMBER_FORMAT") or "[#{number}]"


def forget_cached_settings() -> None:
    current_app.extensions.pop("inbox_subject_number_format", None)
