"""Plugin catalogues: every plugin may ship its own translations in its own gettext domain.

A plugin package with a ``translations/<locale>/LC_MESSAGES/<plugin name>.po`` folder gets, without
any registration:

* in Python: ``from inbox.i18n.plugins import domain_for`` then ``_ = domain_for(__name__).gettext``
  (also ``ngettext``, ``pgettext``, ``npgettext`` and the ``lazy_`` variants), named placeholders;
* in its Flask templates (any template file inside the plugin's folder): ``{{ _("Text") }}``,
  ``ngettext``, ``pgettext`` and ``{% trans %}`` resolve in the plugin's domain first, then in the
  core catalogue (so a plugin page that extends the core layout still shows the core's words);
* in portal pages rendered with ``inbox.themes.render_portal``: pass ``**domain.jinja_context()``;
* in JavaScript: ``translations/<locale>/LC_MESSAGES/js.po`` is merged into the page's JS catalogue
  (``inbox.i18n.js``), read with ``inbox.t("Text")``.

The ``.po`` files are read directly (compiled in memory once per process and locale), so adding a
language is one file and there is no build step to forget. The locale is whatever the core selected
for this request (``flask_babel.get_locale()``), including inside ``flask_babel.force_locale``.
"""

from __future__ import annotations

import io
import os
import sys
import threading

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import before_render_template
from flask_babel import Domain, get_locale, get_translations
from jinja2.ext import _make_new_gettext, _make_new_ngettext, _make_new_npgettext, _make_new_pgettext
from markupsafe import Markup

__all__ = ["PluginDomain", "domain_for", "load_catalogue", "jinja_callables", "install_template_domains"]

_lock = threading.Lock()
_domains: dict[tuple[str, str], "PluginDomain"] = {}
_catalogues: dict[tuple[str, str, str], Translations | None] = {}


def load_catalogue(directory: str, locale, domain: str) -> Translations | None:
    """The catalogue for one locale (``ko_KR`` falls back to ``ko``), from .po; None if there is none."""
    tried = []
    loc = Locale.parse(locale) if isinstance(locale, str) else locale
    for name in ([str(loc)] + ([loc.language] if loc.territory or loc.script else [])) if loc else []:
        tried.append(name)
        key = (directory, name, domain)
        if key in _catalogues:
            if _catalogues[key] is not None:
                return _catalogues[key]
            continue
        path = os.path.join(directory, name, "LC_MESSAGES", f"{domain}.po")
        result = None
        if os.path.isfile(path):
            with open(path, "rb") as fh:
                catalog = read_po(fh, locale=name, domain=domain)
            buf = io.BytesIO()
            write_mo(buf, catalog, use_fuzzy=False)  # a fuzzy guess is never shown
            buf.seek(0)
            result = Translations(buf, domain=domain)
        with _lock:
            _catalogues[key] = result
        if result is not None:
            return result
    return None


class PluginDomain(Domain):
    """One plugin's gettext domain, falling back to the core catalogue for words it does not have."""

    def __init__(self, directory: str, domain: str):
        super().__init__(translation_directories=[directory], domain=domain)
        self.directory = directory
        self.name = domain

    def get_translations(self):
        locale = get_locale()
        core = get_translations()  # the core domain for the same request and locale
        if locale is None:
            return core
        key = (str(locale), id(core))
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        own = load_catalogue(self.directory, locale, self.name)
        if own is None:
            return core
        # a fresh object per (locale, core catalogue): add_fallback must never chain twice
        chained = Translations()
        chained.merge(own)
        if hasattr(own, "plural"):
            chained.plural = own.plural
        chained.add_fallback(core)
        with _lock:
            self.cache[key] = chained
        return chained

    def npgettext(self, context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        s = self.get_translations().unpgettext(context, singular, plural, num)
        return s % variables if variables else s

    def jinja_context(self) -> dict:
        """``_``, ``gettext``, ``ngettext``, ``pgettext``, ``npgettext`` for a template's context."""
        return jinja_callables(self)


def jinja_callables(domain) -> dict:
    """Jinja 'newstyle' gettext callables (autoescaping, named placeholders) bound to a domain."""

    def g(s):
        return domain.get_translations().ugettext(s)

    def n(s, p, num):
        return domain.get_translations().ungettext(s, p, num)

    def pg(c, s):
        return domain.get_translations().upgettext(c, s)

    def npg(c, s, p, num):
        return domain.get_translations().unpgettext(c, s, p, num)

    gettext = _make_new_gettext(g)
    # Markup("<strong>%s</strong>") % value: markup around a placeholder, the value still escaped
    return {
        "_": gettext,
        "gettext": gettext,
        "ngettext": _make_new_ngettext(n),
        "pgettext": _make_new_pgettext(pg),
        "npgettext": _make_new_npgettext(npg),
        "Markup": Markup,
    }


def _package_dir(module_name: str) -> tuple[str, str]:
    """(package folder, plugin name) for a plugin module or any module inside it."""
    parts = module_name.split(".")
    # the plugin package is the first level below a namespace like inbox_plugins / plugins,
    # or the top-level package for a pip-installed plugin
    for depth in range(1, len(parts) + 1):
        pkg = ".".join(parts[:depth])
        module = sys.modules.get(pkg)
        path = getattr(module, "__path__", None)
        if path and os.path.isdir(os.path.join(list(path)[0], "translations")):
            return list(path)[0], parts[depth - 1]
    module = sys.modules.get(module_name)
    folder = os.path.dirname(getattr(module, "__file__", "") or "")
    return folder, parts[-1]


def domain_for(module_name: str, domain: str | None = None) -> PluginDomain:
    """The domain of the plugin that ``module_name`` (pass ``__name__``) belongs to.

    Its catalogue folder is the ``translations/`` inside the plugin package; the domain name is the
    plugin package's name unless given. The same object is returned for every module of a plugin,
    including when the same folder is imported under two package names (tests).
    """
    folder, name = _package_dir(module_name)
    domain = domain or getattr(sys.modules.get(module_name.rsplit(".", 1)[0]), "PLUGIN_NAME", None) or name
    directory = os.path.join(folder, "translations")
    key = (os.path.realpath(directory), domain)
    with _lock:
        if key not in _domains:
            _domains[key] = PluginDomain(key[0], domain)
        return _domains[key]


def module_domain(module) -> PluginDomain | None:
    """The domain of a loaded plugin module, if its package ships a translations/ folder."""
    path = getattr(module, "__path__", None)
    if not path:
        return None
    directory = os.path.join(list(path)[0], "translations")
    if not os.path.isdir(directory):
        return None
    name = getattr(module, "PLUGIN_NAME", None) or module.__name__.rsplit(".", 1)[-1]
    key = (os.path.realpath(directory), name)
    with _lock:
        if key not in _domains:
            _domains[key] = PluginDomain(key[0], name)
        return _domains[key]


def install_template_domains(app, modules: dict) -> None:
    """Give every template file inside a plugin's folder that plugin's gettext functions.

    Flask's before_render_template signal lets the context be extended before rendering; the
    template's file decides the plugin, so plain ``flask.render_template`` works in plugins, and a
    plugin page extending the core layout hands the same (fallback-chained) functions down.
    """

    roots = []
    for module in modules.values():
        domain = module_domain(module)
        if domain is not None:
            roots.append((os.path.realpath(list(module.__path__)[0]) + os.sep, domain))
    if not roots:
        return
    app.extensions["inbox_plugin_domains"] = roots

    def inject(sender, template, context, **_extra):
        filename = getattr(template, "filename", None)
        if not filename:
            return
        real = os.path.realpath(filename)
        for root, domain in roots:
            if real.startswith(root):
                for key, value in domain.jinja_context().items():
                    context.setdefault(key, value)
                return

    before_render_template.connect(inject, app, weak=False)
