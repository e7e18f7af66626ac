#!/usr/bin/env bash
# Installs the app into .venv (and, with --test, the test servers: Dovecot, Chromium, PostgreSQL).
# Safe to run again; quick when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

need_apt=()
if [ "$want_test" = 1 ]; then
  [ -x /usr/sbin/dovecot ] || need_apt+=(dovecot-imapd)
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)  # tests/test_postgres.py
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  echo "installing system packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends --no-upgrade "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
extras=prod
[ "$want_test" = 1 ] && extras=prod,test
.venv/bin/pip install -q --disable-pip-version-check -e ".[$extras]" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import inbox" # fail here, loudly, if the install did not work
[ "$want_test" = 1 ] && bash scripts/corpus.sh
bash scripts/i18n_compile.sh  # the .mo files the app reads (not committed)
