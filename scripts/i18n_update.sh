#!/usr/bin/env bash
# Re-extract the core catalogue from the code and bring every language up to date:
#   inbox/translations/messages.pot  <- every gettext call in inbox/ and themes/ (babel.cfg)
#   inbox/translations/*/LC_MESSAGES/messages.po  <- new strings added untranslated, gone ones dropped;
#   English is the source language, so its new entries are filled with the source text.
# Then translate what scripts/i18n_check.sh lists and run this again (it also compiles the .mo files).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m inbox.i18n.catalogues update
bash scripts/i18n_compile.sh
