#!/usr/bin/env bash
# Installs what hgm-check needs to build and test on Debian/Ubuntu, if it is missing: Z3's C
# library and headers (libz3-dev), pkg-config, and xmllint (libxml2-utils) for the tests. Idempotent; uses sudo when not root.
set -euo pipefail
missing=()
dpkg -s libz3-dev >/dev/null 2>&1 || missing+=(libz3-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)      # JUnit schema validation in the tests
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update
    $SUDO apt-get install -y "${missing[@]}"
fi
