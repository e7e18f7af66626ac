#!/usr/bin/env bash
# Fetches the public test mail the corpus tests read (tests/test_corpus*.py) into .cache/corpus/,
# which git ignores: other projects' files are downloaded at test-setup time, never committed.
# Pinned sdists from PyPI (licences in docs/corpus.md); CPython's own email test data is read in
# place from the Python installation. Safe to run again; quick when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/corpus
mkdir -p "$dest"
PIP=${PIP:-.venv/bin/pip}
# name==version  folder inside the sdist that holds the messages
SOURCES=(
  "flufl.bounce==6.0.0 flufl_bounce-6.0.0/tests/data"
  "mail-parser==4.8.0 mail_parser-4.8.0/tests/mails"
  "django-mailbox==4.10.1 django-mailbox-4.10.1/django_mailbox/tests/messages"
  "talon==1.4.4 talon-1.4.4/tests/fixtures"
)
for entry in "${SOURCES[@]}"; do
  read -r spec folder <<<"$entry"
  name=${spec%%==*}
  [ -f "$dest/$name/.done" ] && continue
  tmp=$(mktemp -d)
  if ! out=$("$PIP" download -q --disable-pip-version-check --no-deps --no-binary :all: -d "$tmp" "$spec" 2>&1); then
    echo "$out" >&2
    exit 1
  fi
  tar -xzf "$tmp"/*.tar.gz -C "$tmp"
  rm -rf "${dest:?}/$name"
  mkdir -p "$dest/$name"
  cp -r "$tmp/$folder/." "$dest/$name/"
  touch "$dest/$name/.done"
  rm -rf "$tmp"
done
echo "corpus in $dest"
