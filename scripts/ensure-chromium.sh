#!/usr/bin/env bash
# The report test opens an exported notebook in headless Chromium: install Debian's chromium when
# it is missing (as root, or with sudo). Idempotent; a no-op when chromium is on PATH.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
echo "[setup] installing chromium (Debian package) for the report-rendering test"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
