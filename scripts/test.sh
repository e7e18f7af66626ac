#!/usr/bin/env bash
# One command from a fresh machine to a full test run: installs everything, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
set +e
.venv/bin/python -m pytest "$@"
code=$?
set -e
if [ "$code" = 5 ]; then echo "no tests were collected"; exit 1; fi
exit "$code"
