"""The plugin's settings: what an admin fills in (the host generates the form at
/admin/plugins/woocommerce/settings and ``inbox plugins config woocommerce KEY=VALUE``), and how the
plugin reads them (``inbox.plugin_setting``, which decrypts the secret).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from inbox import SettingSpec, net, plugin_setting

from .client import Store
from .i18n import lazy_gettext

PLUGIN = "woocommerce"
SECRET_ENV = "WOOCOMMERCE_CONSUMER_SECRET"

SPECS = [
    SettingSpec(
        "store_url",
        lazy_gettext("Store URL"),
        placeholder="https://shop.example.com",
        help=lazy_gettext("The shop's address, e.g. https://shop.example.com (no /wp-json)."),
    ),
    SettingSpec(
        "consumer_key",
        lazy_gettext("REST API consumer key"),
        placeholder="ck_…",
        help=lazy_gettext(
            "WooCommerce > Settings > Advanced > REST API > Add key, with Read permission. Starts with ck_."
        ),
    ),
    SettingSpec(
        "consumer_secret",
        lazy_gettext("REST API consumer secret"),
        type="secret",
        env=SECRET_ENV,
        help=lazy_gettext("Starts with cs_. Stored encrypted; may come from the environment variable instead."),
    ),
    SettingSpec(
        "order_count",
        lazy_gettext("Orders to show"),
        type="number",
        default=5,
        min=1,
        max=50,
        help=lazy_gettext("Newest first, 1 to 50."),
    ),
    SettingSpec(
        "cache_minutes",
        lazy_gettext("Cache lifetime (minutes)"),
        type="number",
        default=10,
        min=0,
        max=1440,
        help=lazy_gettext("How long fetched orders are reused before the store is asked again. 0 turns the cache off."),
    ),
    SettingSpec(
        "verify_tls",
        lazy_gettext("Verify the store's TLS certificate"),
        type="boolean",
        default=True,
        help=lazy_gettext("Turn off only for a store with a self-signed certificate you trust."),
    ),
    SettingSpec(
        "query_string_auth",
        lazy_gettext("Send keys in the query string"),
        type="boolean",
        default=False,
        help=lazy_gettext(
            "Only for servers that drop the Authorization header. The keys then appear in the store's access logs."
        ),
    ),
    SettingSpec(
        "allow_http",
        lazy_gettext("Allow http:// store URLs"),
        type="boolean",
        default=False,
        help=lazy_gettext("Keys travel in clear over http. Always allowed for 127.0.0.1 and localhost."),
    ),
    SettingSpec(
        "order_link",
        lazy_gettext("Order links open"),
        type="choice",
        default="classic",
        choices=["classic", "hpos"],
        help=lazy_gettext(
            "classic: wp-admin/post.php?post=ID&action=edit (works on every store; WooCommerce "
            "redirects it when HPOS is on). hpos: admin.php?page=wc-orders&action=edit&id=ID."
        ),
    ),
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
    raw = plugin_setting(PLUGIN, key)
    return _SPEC[key].default if raw is None or raw == "" else raw


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
    store = Store(
        url=str(value("store_url") or "").strip(),
        key=str(value("consumer_key") or "").strip(),
        secret=str(value("consumer_secret") or "").strip(),
        verify_tls=_bool(value("verify_tls")),
        query_auth=_bool(value("query_string_auth")),
        allow_http=_bool(value("allow_http")),
        allowed_networks=net.configured_networks(),
    )
    if store.secret:
        from inbox.logging_setup import register_secret

        register_secret(store.secret)
    return Config(
        store=store,
        order_count=int(_number(value("order_count"), 5, 1, 50)),
        cache_seconds=_number(value("cache_minutes"), 10, 0, 24 * 60) * 60,
        order_link=str(value("order_link") or "classic"),
    )


def panel_budget() -> float:
    """Seconds the panel may spend on the store: well under the host's PLUGIN_PANEL_TIMEOUT (2.4 s of
    the default 3 s), so that even on a busy server the panel shows its own precise message instead
    of the host's generic one."""
    limit = float(current_app.config.get("PLUGIN_PANEL_TIMEOUT", 3.0))
    return max(0.5, min(limit - 0.6, limit * 0.8))
