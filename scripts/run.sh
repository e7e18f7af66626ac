#!/usr/bin/env bash
# One command from a fresh machine to a running help desk on http://127.0.0.1:${INBOX_PORT:-5000}
# (web server and mail worker, SQLite in ./instance). The first admin comes from
# INBOX_ADMIN_EMAIL / INBOX_ADMIN_PASSWORD, or is generated and printed. INBOX_DEMO=1 adds demo data.
#
# INBOX_BASE_URL is the address people open the app at (e.g. https://help.example.com). Every link in
# mail is built on it and requests for any other host name are refused. Asked for here when run in a
# terminal (the answer is remembered in the instance folder); otherwise (CI, no stdin) the remembered
# value or http://127.0.0.1:$port is used and printed.
#
# Behind a reverse proxy (nginx, Caddy) on this machine, also export INBOX_PROXY_FIX_X_FOR=1 and
# INBOX_PROXY_FIX_X_PROTO=1 (one proxy hop whose X-Forwarded-For/-Proto are trusted), so rate limits
# see the real client. docs/deploy.md has the whole set-up (HTTPS, HSTS, cookies, body size).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export PATH="$PWD/.venv/bin:$PATH"
port=${INBOX_PORT:-5000}
instance=${INBOX_INSTANCE_PATH:-instance}
mkdir -p "$instance"
if [ -z "${INBOX_BASE_URL:-}" ]; then
  default=http://127.0.0.1:$port
  [ -s "$instance/base_url" ] && default=$(cat "$instance/base_url")
  answer=
  if [ -t 0 ]; then
    read -r -p "Address people will open this help desk at [$default]: " answer || answer=
  fi
  INBOX_BASE_URL=${answer:-$default}
  printf '%s\n' "$INBOX_BASE_URL" > "$instance/base_url"
fi
export INBOX_BASE_URL
echo "links in mail use INBOX_BASE_URL=$INBOX_BASE_URL"
inbox init-db
inbox users ensure-admin
if [ "${INBOX_DEMO:-0}" = 1 ]; then inbox demo; fi
inbox worker &
worker=$!
# gunicorn trusts no X-Forwarded-* header itself: the app's ProxyFix (INBOX_PROXY_FIX_*) is the one place
.venv/bin/gunicorn --bind "127.0.0.1:$port" --workers 2 --threads 4 --forwarded-allow-ips "" wsgi:app &
web=$!
# stop both together, whichever ends first (Ctrl-C included)
trap 'kill $worker $web 2>/dev/null; wait' EXIT INT TERM
echo "inbox is running on http://127.0.0.1:$port (Ctrl-C stops it)"
wait -n $worker $web
