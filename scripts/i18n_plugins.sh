#!/usr/bin/env bash
# Catalogues of the bundled plugins and the JavaScript domain.
#   bash scripts/i18n_plugins.sh update   re-extract every .pot, merge into en/ko .po, fill en from msgids
#   bash scripts/i18n_plugins.sh check    fail when a committed .pot differs from the code, or en/ko has
#                                          an untranslated or fuzzy entry (CI runs this)
# Each plugin's catalogue: plugins/<name>/translations/<locale>/LC_MESSAGES/<name>.po (+ js.po when it
# has JavaScript); the core's JavaScript: inbox/translations/<locale>/LC_MESSAGES/js.po.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
exec "$PY" -m inbox.i18n.plugin_catalogues "$@"
