#!/usr/bin/env bash
# Installs what hgm-check needs to build on Debian/Ubuntu, if it is missing: Z3's C library
# and headers (libz3-dev) and pkg-config. Idempotent; uses sudo when not root.
set -euo pipefail
missing=()
dpkg -s libz3-dev >/dev/null 2>&1 || missing+=(libz3-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update
    $SUDO apt-get install -y "${missing[@]}"
fi
