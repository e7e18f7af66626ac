"""The plugin host: finds plugins, knows which are enabled, and calls them guarded.

One PluginHost per app (``app.extensions["inbox_plugins"]``, or ``inbox.plugin_host.host()``), so
tests never patch global state. Plugins come from the bundled ``inbox_plugins`` package (the
``plugins/`` folder) and from the ``inbox.plugins`` entry-point group.
"""
from __future__ import annotations

import importlib
import logging
import pkgutil
import threading
import time
import traceback
from importlib.metadata import entry_points

import pluggy
from flask import current_app

from . import hookspecs
from .models._base import utcnow

log = logging.getLogger("inbox.plugins")
ENTRY_POINT_GROUP = "inbox.plugins"
STATE_TTL = 2.0  # seconds an enabled/disabled answer is trusted before the database is asked again


class PluginHost:
    def __init__(self, app=None):
        self.pm = pluggy.PluginManager("inbox")
        self.pm.add_hookspecs(hookspecs)
        self.modules: dict[str, object] = {}  # name -> module, every plugin found and importable
        self.broken: dict[str, str] = {}  # name -> why it could not be loaded
        self.origin: dict[str, str] = {}  # name -> "bundled" or the distribution that provides it
        self._state: dict[str, bool] = {}
        self._state_at = 0.0
        self._lock = threading.Lock()
        self.app = None
        if app is not None:
            self.init_app(app)

    # --- discovery --------------------------------------------------------------------------

    def init_app(self, app) -> None:
        self.app = app
        app.extensions["inbox_plugins"] = self
        disabled = str(app.config.get("DISABLE_PLUGINS") or "").strip()
        if disabled.lower() == "all":
            return
        skip = {n.strip() for n in disabled.split(",") if n.strip()}
        for name, loader, origin in self._candidates():
            if name in skip or name in self.modules:
                continue
            try:
                module = loader()
                self.pm.register(module, name=name)
            except Exception as exc:  # a broken plugin must not stop the app
                self.broken[name] = f"{type(exc).__name__}: {exc}"
                log.error("plugin %s failed to load: %s", name, self.broken[name])
                continue
            self.modules[name] = module
            self.origin[name] = origin
        for module in app.config.get("EXTRA_PLUGINS", []) or []:  # tests and embedders
            name = getattr(module, "PLUGIN_NAME", None) or module.__name__.rsplit(".", 1)[-1]
            self.pm.register(module, name=name)
            self.modules[name] = module
            self.origin[name] = "extra"

    def _candidates(self):
        try:
            import inbox_plugins
        except ImportError:
            inbox_plugins = None
        if inbox_plugins is not None:
            for info in sorted(pkgutil.iter_modules(inbox_plugins.__path__), key=lambda i: i.name):
                if info.name.startswith("_"):
                    continue
                full = f"inbox_plugins.{info.name}"
                yield info.name, (lambda full=full: importlib.import_module(full)), "bundled"
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            dist = getattr(ep.dist, "name", None) or ep.value
            yield ep.name, ep.load, dist

    def names(self) -> list[str]:
        return sorted(set(self.modules) | set(self.broken))

    # --- enabled state (database, shared by every process) ---------------------------------

    def is_enabled(self, name: str) -> bool:
        if name not in self.modules:
            return False
        now = time.monotonic()
        if now - self._state_at > STATE_TTL:
            self._refresh_state()
        return self._state.get(name, True)

    def _refresh_state(self) -> None:
        from .extensions import db
        from .models import PluginState

        try:
            with db.engine.connect() as conn:
                rows = conn.execute(db.select(PluginState.name, PluginState.enabled)).all()
            self._state = {name: enabled for name, enabled in rows}
        except Exception:  # before init-db there is no table; everything found is enabled
            self._state = {}
        self._state_at = time.monotonic()

    def forget_state(self) -> None:
        self._state_at = 0.0

    # --- calling ----------------------------------------------------------------------------

    def impls(self, hook: str):
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            if impl.plugin_name in self.modules and self.is_enabled(impl.plugin_name):
                yield impl

    def call(self, hook: str, **kwargs) -> list:
        """Every enabled implementation's non-None result, each call guarded."""
        return [result for _, result in self.call_each(hook, **kwargs) if result is not None]

    def call_each(self, hook: str, **kwargs) -> list[tuple[str, object]]:
        """(plugin name, result) for every enabled implementation that did not raise."""
        results = []
        for impl in reversed(list(self.impls(hook))):  # pluggy keeps LIFO order; we want load order
            args = {name: kwargs.get(name) for name in impl.argnames}
            try:
                results.append((impl.plugin_name, impl.function(**args)))
            except Exception as exc:
                self.record_error(impl.plugin_name, hook, exc)
        return results

    def call_flat(self, hook: str, **kwargs) -> list:
        """Like call(), for hooks that return lists: one flat list, in plugin order."""
        out = []
        for result in self.call(hook, **kwargs):
            out.extend(result if isinstance(result, (list, tuple)) else [result])
        return out

    def record_error(self, plugin: str, where: str, exc: BaseException) -> None:
        message = f"{where}: {type(exc).__name__}: {exc}"
        log.error("plugin %s failed in %s\n%s", plugin, where, "".join(traceback.format_exception(exc)))
        from .extensions import db
        from .models import PluginState

        try:  # its own connection: the caller's transaction must not be committed or rolled back
            with db.engine.begin() as conn:
                updated = conn.execute(
                    db.update(PluginState).where(PluginState.name == plugin)
                    .values(last_error=message[:2000], last_error_at=utcnow())
                ).rowcount
                if not updated:
                    conn.execute(db.insert(PluginState).values(
                        name=plugin, enabled=True, last_error=message[:2000], last_error_at=utcnow(),
                        updated_at=utcnow()))
        except Exception:
            log.warning("could not record the error of plugin %s", plugin)


def host(app=None) -> PluginHost:
    return (app or current_app).extensions["inbox_plugins"]


def init_plugins(app) -> None:
    PluginHost(app)
