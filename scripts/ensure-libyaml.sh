#!/usr/bin/env bash
# Installs libyaml's headers (Debian/Ubuntu: libyaml-dev) when they are missing; the generator
# and the tools built on it link libyaml, the runtime and generated modules do not.
set -euo pipefail
if pkg-config --exists yaml-0.1 2>/dev/null; then exit 0; fi
echo "libyaml-dev is missing; installing it (apt-get install -y libyaml-dev pkg-config)." >&2
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq libyaml-dev pkg-config
elif command -v brew >/dev/null 2>&1; then
  brew install libyaml pkg-config
else
  echo "Install libyaml's development files (libyaml-dev, libyaml-devel or brew's libyaml), then re-run." >&2
  exit 1
fi
