#!/usr/bin/env bash
# One command from a fresh machine to a running help desk on http://127.0.0.1:${INBOX_PORT:-5000}
# (web server and mail worker, SQLite in ./instance). The first admin comes from
# INBOX_ADMIN_EMAIL / INBOX_ADMIN_PASSWORD, or is generated and printed. INBOX_DEMO=1 adds demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export PATH="$PWD/.venv/bin:$PATH"
inbox init-db
inbox users ensure-admin
if [ "${INBOX_DEMO:-0}" = 1 ]; then inbox demo; fi
port=${INBOX_PORT:-5000}
inbox worker &
worker=$!
.venv/bin/gunicorn --bind "127.0.0.1:$port" --workers 2 --threads 4 wsgi:app &
web=$!
# stop both together, whichever ends first (Ctrl-C included)
trap 'kill $worker $web 2>/dev/null; wait' EXIT INT TERM
echo "inbox is running on http://127.0.0.1:$port (Ctrl-C stops it)"
wait -n $worker $web
