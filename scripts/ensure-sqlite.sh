#!/usr/bin/env bash
# Installs SQLite's headers (Debian/Ubuntu: libsqlite3-dev) when they are missing: GRDB, which
# queue-batch's journal uses, links the system SQLite on Linux.
set -euo pipefail
if [ -f /usr/include/sqlite3.h ] || pkg-config --exists sqlite3 2>/dev/null; then exit 0; fi
echo "libsqlite3-dev is missing; installing it (apt-get install -y libsqlite3-dev)." >&2
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq libsqlite3-dev
elif command -v brew >/dev/null 2>&1; then
  exit 0  # Apple platforms ship SQLite
else
  echo "Install SQLite's development files (libsqlite3-dev or sqlite-devel), then re-run." >&2
  exit 1
fi
