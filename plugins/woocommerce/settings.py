"""The plugin's settings: what an admin fills in, and how the plugin reads them.

Values come from ``inbox.plugin_setting`` (the host's reader, which decrypts secrets). Until the host
provides it, ``_read_row`` reads the PluginSetting table directly the same way.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from flask import current_app

from inbox import SettingSpec

from .client import Store

PLUGIN = "woocommerce"
SECRET_ENV = "WOOCOMMERCE_CONSUMER_SECRET"

SPECS = [
    SettingSpec("store_url", "Store URL", help="The shop's address, e.g. https://shop.example.com (no /wp-json)."),
    SettingSpec("consumer_key", "REST API consumer key",
                help="WooCommerce > Settings > Advanced > REST API > Add key, with Read permission. Starts with ck_."),
    SettingSpec("consumer_secret", "REST API consumer secret", type="secret", env=SECRET_ENV,
                help="Starts with cs_. Stored encrypted; may come from the environment variable instead."),
    SettingSpec("order_count", "Orders to show", type="number", default=5, help="Newest first, 1 to 50."),
    SettingSpec("cache_minutes", "Cache lifetime (minutes)", type="number", default=10,
                help="How long fetched orders are reused before the store is asked again. 0 turns the cache off."),
    SettingSpec("verify_tls", "Verify the store's TLS certificate", type="boolean", default=True,
                help="Turn off only for a store with a self-signed certificate you trust."),
    SettingSpec("query_string_auth", "Send keys in the query string", type="boolean", default=False,
                help="Only for servers that drop the Authorization header. The keys then appear in the "
                     "store's access logs."),
    SettingSpec("allow_http", "Allow http:// store URLs", type="boolean", default=False,
                help="Keys travel in clear over http. Always allowed for 127.0.0.1 and localhost."),
    SettingSpec("order_link", "Order links open", type="choice", default="classic", choices=["classic", "hpos"],
                help="classic: wp-admin/post.php?post=ID&action=edit (works on every store; WooCommerce "
                     "redirects it when HPOS is on). hpos: admin.php?page=wc-orders&action=edit&id=ID."),
]
_SPEC = {s.key: s for s in SPECS}


@dataclass
class Config:
    store: Store
    order_count: int
    cache_seconds: float
    order_link: str

    @property
    def configured(self) -> bool:
        return bool(self.store.url and self.store.key and self.store.secret)

    def edit_url(self, order_id: int) -> str:
        if self.order_link == "hpos":
            return f"{self.store.base}/wp-admin/admin.php?page=wc-orders&action=edit&id={int(order_id)}"
        return f"{self.store.base}/wp-admin/post.php?post={int(order_id)}&action=edit"


def value(key: str):
    spec = _SPEC[key]
    try:
        from inbox import plugin_setting  # the host's reader, once it exists
    except ImportError:
        plugin_setting = None
    raw = plugin_setting(PLUGIN, key) if plugin_setting is not None else _read_row(spec)
    return spec.default if raw is None or raw == "" else raw


def _read_row(spec: SettingSpec):
    from inbox.extensions import db
    from inbox.models import PluginSetting

    if spec.type == "secret" and spec.env and os.environ.get(spec.env):
        return os.environ[spec.env]
    row = db.session.execute(db.select(PluginSetting.value).where(
        PluginSetting.plugin == PLUGIN, PluginSetting.key == spec.key, PluginSetting.mailbox_id.is_(None))).first()
    if row is None:
        return None
    stored = row[0]
    if spec.type == "secret" and stored:
        from inbox.crypto import decrypt

        token = stored.get("encrypted") if isinstance(stored, dict) else stored
        return decrypt(str(token))
    return stored


def _bool(v) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true", "yes", "on")
    return bool(v)


def _number(v, default: float, low: float, high: float) -> float:
    try:
        return max(low, min(high, float(v)))
    except (TypeError, ValueError):
        return default


def load() -> Config:
    store = Store(url=str(value("store_url") or "").strip(), key=str(value("consumer_key") or "").strip(),
                  secret=str(value("consumer_secret") or "").strip(), verify_tls=_bool(value("verify_tls")),
                  query_auth=_bool(value("query_string_auth")), allow_http=_bool(value("allow_http")))
    if store.secret:
        from inbox.logging_setup import register_secret

        register_secret(store.secret)
    return Config(store=store, order_count=int(_number(value("order_count"), 5, 1, 50)),
                  cache_seconds=_number(value("cache_minutes"), 10, 0, 24 * 60) * 60,
                  order_link=str(value("order_link") or "classic"))


def panel_budget() -> float:
    """Seconds the panel may spend on the store: a little under the host's PLUGIN_PANEL_TIMEOUT, so the
    panel shows its own precise message instead of the host's generic one."""
    limit = float(current_app.config.get("PLUGIN_PANEL_TIMEOUT", 3.0))
    return max(0.5, limit - 0.4)
