#!/usr/bin/env bash
# Compile every catalogue (core and plugins') from .po to the .mo files the app reads.
# scripts/install.sh runs this, so a fresh clone needs nothing more; the .mo files are not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
find inbox plugins -path '*/translations/*/LC_MESSAGES/*.po' -print0 | while IFS= read -r -d '' po; do
  out=$(.venv/bin/pybabel compile -i "$po" -o "${po%.po}.mo" 2>&1) || { echo "$out" >&2; exit 1; }
done
