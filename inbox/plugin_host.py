"""The plugin host: finds plugins, knows which are enabled, and calls them guarded.

One PluginHost per app (``app.extensions["inbox_plugins"]``, or ``inbox.plugin_host.host()``), so
tests never patch global state. Plugins come from ``EXTRA_PLUGINS`` (config: modules, objects or
dotted names; tests and embedders), the bundled ``inbox_plugins`` package (the ``plugins/``
folder) and the ``inbox.plugins`` entry-point group, in that order; the first of a name wins.
The core's own hook implementations (``inbox.core_plugin``) are registered as the internal
plugin ``core``, which is always on and never listed.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import pkgutil
import threading
import time
import traceback
from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Any

import pluggy
from flask import Flask, abort, current_app, has_app_context, request

from . import core_plugin, hookspecs
from .extensions import db
from .i18n.plugins import install_template_domains
from .models import PluginState
from .models._base import utcnow
from .plugin_types import Job

log = logging.getLogger("inbox.plugins")
ENTRY_POINT_GROUP = "inbox.plugins"
CORE = "core"
STATE_TTL = 2.0  # seconds an enabled/disabled answer is trusted before the database is asked again


class PluginHost:
    def __init__(self, app=None):
        self.pm = pluggy.PluginManager("inbox")
        self.pm.add_hookspecs(hookspecs)
        self.modules: dict[str, object] = {}  # name -> module, every plugin found and importable
        self.broken: dict[str, str] = {}  # name -> why it could not be loaded (this process)
        self.origin: dict[str, str] = {}  # name -> "bundled", "extra" or the distribution providing it
        self.versions: dict[str, str] = {}
        self.blueprint_owner: dict[str, str] = {}  # blueprint name -> plugin
        self._state: dict[str, tuple[bool, str | None]] = {}  # name -> (enabled, broken) from the DB
        self._state_at = 0.0
        self._pending_errors: dict[str, tuple[str, object]] = {}
        self._lock = threading.Lock()
        self.app = None
        if app is not None:
            self.init_app(app)

    # --- discovery --------------------------------------------------------------------------

    def init_app(self, app: Flask) -> None:
        self.app = app
        app.extensions["inbox_plugins"] = self
        app.teardown_appcontext(self.flush_errors)  # runs before the session is removed

        self.pm.register(core_plugin, name=CORE)
        self.pm.check_pending()  # a misspelt core hook implementation is a start-up error
        disabled = str(app.config.get("DISABLE_PLUGINS") or "").strip()
        skip_all = disabled.lower() == "all"  # every discovered plugin; EXTRA_PLUGINS are explicit
        skip = {n.strip() for n in disabled.split(",") if n.strip()}
        for name, loader, origin, version in self._candidates(app.config.get("EXTRA_PLUGINS") or []):
            if (
                (skip_all and origin != "extra")
                or name in skip
                or name in self.modules
                or name in self.broken
                or name == CORE
            ):
                continue
            try:
                module = loader()
                if origin == "extra":
                    name = getattr(module, "PLUGIN_NAME", None) or name
                if self.pm.is_registered(module):  # e.g. in EXTRA_PLUGINS and pip-installed too
                    continue
                self.pm.register(module, name=name)
                self._check_pending(module)
            except Exception as exc:  # a broken plugin must not stop the app
                self.broken[name] = f"{type(exc).__name__}: {exc}"
                self.origin[name] = origin
                log.error("plugin %s failed to load: %s", name, self.broken[name])
                continue
            self.modules[name] = module
            self.origin[name] = origin
            self.versions[name] = version or str(getattr(module, "__version__", "") or "")
        # a plugin's translations/ folder is its own gettext domain (docs/plugins.md, Translations)

        install_template_domains(app, self.modules)

    def _check_pending(self, module: object) -> None:
        """pm.check_pending() for one plugin: a @hookimpl whose name is no hook (a typo such as
        `sidebar_panel`) would never be called; unregister the plugin and say why, loudly."""
        unknown = sorted(
            name
            for name, caller in vars(self.pm.hook).items()
            if not name.startswith("_")
            and not caller.has_spec()
            and any(impl.plugin is module and not impl.optionalhook for impl in caller.get_hookimpls())
        )
        if unknown:
            self.pm.unregister(module)
            raise pluggy.PluginValidationError(module, f"unknown hook {', '.join(unknown)} (see docs/plugins.md)")

    def _candidates(self, extra):
        for entry in extra:
            if isinstance(entry, str):
                name = entry.rsplit(".", 1)[-1]
                yield name, (lambda entry=entry: importlib.import_module(entry)), "extra", None
            else:
                name = getattr(entry, "PLUGIN_NAME", None) or getattr(entry, "__name__", "").rsplit(".", 1)[-1]
                yield name, (lambda entry=entry: entry), "extra", None
        try:
            import inbox_plugins  # noqa: PLC0415  optional: an install may leave the bundled plugins out
        except ImportError:
            inbox_plugins = None
        if inbox_plugins is not None:
            for info in sorted(pkgutil.iter_modules(inbox_plugins.__path__), key=lambda i: i.name):
                if info.name.startswith("_"):
                    continue
                full = f"inbox_plugins.{info.name}"
                yield info.name, (lambda full=full: importlib.import_module(full)), "bundled", None
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            dist = getattr(ep, "dist", None)
            yield ep.name, ep.load, getattr(dist, "name", None) or ep.value, getattr(dist, "version", None)

    def names(self) -> list[str]:
        """Every plugin found, loadable or not (the internal core plugin excluded)."""
        return sorted(set(self.modules) | set(self.broken))

    def description(self, name: str) -> str:
        """ "Title: what it does" for the admin page: the plugin's DESCRIPTION (translatable, e.g. a
        lazy_gettext of its own domain) if it has one, else its module docstring."""
        module = self.modules.get(name)
        described = getattr(module, "DESCRIPTION", None)
        doc = str(described) if described else (getattr(module, "__doc__", None) or "")
        return doc.strip()

    def status(self) -> list[dict]:
        """One row per plugin for the admin page and ``inbox plugins list``."""

        self.forget_state()
        with self.app_context():
            try:
                states = {s.name: s for s in db.session.execute(db.select(PluginState)).scalars()}
            except Exception:
                states = {}
            rows = []
            for name in self.names():
                state = states.get(name)
                rows.append(
                    {
                        "name": name,
                        "origin": self.origin.get(name, ""),
                        "version": self.versions.get(name, ""),
                        "description": self.description(name),
                        "enabled": state.enabled if state is not None else True,
                        "running": self.is_enabled(name),
                        "broken": self.broken_reason(name),
                        "last_error": state.last_error if state is not None else None,
                        "last_error_at": state.last_error_at if state is not None else None,
                    }
                )
        return rows

    # --- enabled state (database, shared by every process) ---------------------------------

    def is_enabled(self, name: str) -> bool:
        if name == CORE:
            return True
        if name not in self.modules or name in self.broken:
            return False
        if time.monotonic() - self._state_at > STATE_TTL:
            self._refresh_state()
        enabled, broken = self._state.get(name, (True, None))
        return enabled and not broken

    def broken_reason(self, name: str) -> str | None:
        """Why a plugin cannot run: it failed to import here, or its migration failed (any process)."""
        if name in self.broken:
            return self.broken[name]
        if time.monotonic() - self._state_at > STATE_TTL:
            self._refresh_state()
        return self._state.get(name, (True, None))[1]

    def _refresh_state(self) -> None:
        if self._pending_errors:
            self.flush_errors()

        try:
            with self.app_context():
                with db.engine.connect() as conn:
                    rows = conn.execute(db.select(PluginState.name, PluginState.enabled, PluginState.broken)).all()
            self._state = {name: (bool(enabled), broken) for name, enabled, broken in rows}
        except Exception:  # before init-db there is no table; everything found is enabled
            self._state = {}
        self._state_at = time.monotonic()

    def forget_state(self) -> None:
        self._state_at = 0.0

    def set_state(self, name: str, _busy_ms: int | None = None, **values: Any) -> None:
        """Write enabled / broken / last_error for a plugin, on its own connection."""

        values["updated_at"] = utcnow()
        with self.app_context():
            with db.engine.begin() as conn:
                if _busy_ms is not None and conn.dialect.name == "sqlite":
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(_busy_ms)}")
                updated = conn.execute(db.update(PluginState).where(PluginState.name == name).values(**values)).rowcount
                if not updated:
                    conn.execute(db.insert(PluginState).values(name=name, **{"enabled": True, **values}))
                if _busy_ms is not None and conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("PRAGMA busy_timeout=30000")  # back to the pool's setting
        self.forget_state()

    @contextlib.contextmanager
    def app_context(self) -> Iterator[None]:
        if has_app_context() or self.app is None:
            yield
        else:
            with self.app.app_context():
                yield

    # --- calling ----------------------------------------------------------------------------

    def impls(self, hook: str, include_disabled: bool = False) -> Iterator[pluggy.HookImpl]:
        """Implementations in load order (core first); disabled ones only with include_disabled."""
        for impl in getattr(self.pm.hook, hook).get_hookimpls():  # registration order (pluggy calls LIFO)
            name = impl.plugin_name
            if name == CORE or (
                name in self.modules and (self.is_enabled(name) or (include_disabled and not self.broken_reason(name)))
            ):
                yield impl

    def call(self, hook: str, **kwargs: Any) -> list:
        """Every enabled implementation's non-None result, each call guarded."""
        return [result for _, result in self.call_each(hook, **kwargs) if result is not None]

    def call_each(self, hook: str, include_disabled: bool = False, **kwargs: Any) -> list[tuple[str, object]]:
        """(plugin name, result) for every enabled implementation that did not raise."""
        results = []
        for impl in list(self.impls(hook, include_disabled)):
            args = {name: kwargs.get(name) for name in impl.argnames}
            try:
                results.append((impl.plugin_name, impl.function(**args)))
            except Exception as exc:
                self.record_error(impl.plugin_name, hook, exc)
        return results

    def call_flat(self, hook: str, **kwargs: Any) -> list:
        """Like call(), for hooks that return lists: one flat list, in plugin order."""
        out = []
        for result in self.call(hook, **kwargs):
            out.extend(result if isinstance(result, (list, tuple)) else [result])
        return out

    def call_plugin(self, name: str, hook: str, **kwargs: Any) -> Any:
        """One plugin's result for a hook (enabled or not), None if it has none or it raised."""
        for plugin, result in self.call_each(hook, include_disabled=True, **kwargs):
            if plugin == name:
                return result
        return None

    def record_error(self, plugin: str, where: str, exc: BaseException) -> None:
        message = f"{where}: {type(exc).__name__}: {exc}"
        log.error("plugin %s failed in %s\n%s", plugin, where, "".join(traceback.format_exception(exc)))
        with self._lock:
            self._pending_errors[plugin] = (message[:2000], utcnow())
        self.flush_errors()

    def flush_errors(self, *_args: object) -> None:
        """Write recorded errors on their own connection, never waiting long for a lock.

        The caller's transaction must not be committed or rolled back, and on SQLite it may hold
        the write lock (an event hook runs inside it): then the error stays pending and is
        written at the end of the request or at the next state refresh.
        """
        with self._lock:
            pending, self._pending_errors = self._pending_errors, {}
        for plugin, (message, at) in pending.items():
            try:
                self.set_state(plugin, _busy_ms=200, last_error=message, last_error_at=at)
            except Exception:
                with self._lock:
                    self._pending_errors.setdefault(plugin, (message, at))

    # --- start-up registrations -------------------------------------------------------------

    def register_blueprints(self, app: Flask) -> None:
        """Register every loaded plugin's blueprints; a disabled plugin's routes answer 404.

        Blueprints are registered even for disabled plugins so that enabling one takes effect
        without a restart; the before_request guard keys on the blueprint name.
        """
        for name, blueprints in self.call_each("register_blueprints", include_disabled=True, app=app):
            for blueprint in blueprints if isinstance(blueprints, (list, tuple)) else [blueprints]:
                if blueprint is None:
                    continue
                try:
                    app.register_blueprint(blueprint)
                except Exception as exc:
                    self.record_error(name, "register_blueprints", exc)
                    continue
                if name != CORE:
                    self.blueprint_owner[blueprint.name] = name
        if self.blueprint_owner:
            app.before_request(self._guard_blueprint)

    def _guard_blueprint(self):
        for bp_name in request.blueprints:  # nested blueprints: any owner disabled hides the route
            owner = self.blueprint_owner.get(bp_name)
            if owner is not None and not self.is_enabled(owner):
                abort(404)

    def jobs(self) -> list[tuple[str, object]]:
        """(plugin, Job) for the worker's scheduler, for every loaded plugin.

        Each job's ``func`` is wrapped: it runs in an app context, only while its plugin is
        enabled (checked at every run, so enabling needs no worker restart), and a raise is
        logged and recorded on the admin page instead of reaching the scheduler.
        """

        out = []
        for name, result in self.call_each("register_jobs", include_disabled=True):
            for job in result if isinstance(result, (list, tuple)) else [result]:
                if isinstance(job, Job):
                    guarded = Job(
                        id=f"{name}:{job.id}",
                        func=self._guarded_job(name, job),
                        trigger=job.trigger,
                        trigger_args=dict(job.trigger_args),
                    )
                    out.append((name, guarded))
        return out

    def _guarded_job(self, name: str, job):
        @functools.wraps(job.func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self.app_context():  # a context pushed here removes its session on exit
                if not self.is_enabled(name):
                    return None
                try:
                    return job.func(*args, **kwargs)
                except Exception as exc:
                    db.session.rollback()  # the job's half-done work, and its locks
                    self.record_error(name, f"job {job.id}", exc)
                    return None

        return run


def host(app: Flask | None = None) -> PluginHost:
    return (app or current_app).extensions["inbox_plugins"]


def init_plugins(app: Flask) -> None:
    PluginHost(app)
