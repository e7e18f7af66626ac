#!/usr/bin/env bash
# CI check: fails when the committed inbox/translations/messages.pot differs from what the code
# says today, or when a language (en, ko, ...) has an untranslated, fuzzy or missing entry.
# Fix with scripts/i18n_update.sh, translate, commit (docs/i18n.md).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m inbox.i18n.catalogues check
