"""CI check of the bundled plugins' catalogues and the JavaScript domain (scripts/i18n_plugins.sh check):
the committed .pot matches the code, and en and ko have no untranslated, fuzzy or missing entry."""

from __future__ import annotations

from inbox.i18n import plugin_catalogues


def test_every_plugin_and_js_catalogue_is_current_and_complete():
    assert plugin_catalogues.problems() == []


def test_every_bundled_plugin_ships_en_and_ko():
    domains = {t["domain"] for t in plugin_catalogues.targets() if t["domain"] != "js"}
    assert domains == {"autoresponder", "kb", "saved_replies", "woocommerce"}
