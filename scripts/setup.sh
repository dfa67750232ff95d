#!/usr/bin/env bash
# Sets up a fresh machine: Debian packages the product needs, then a virtualenv in .venv
# with the project installed. Safe to run again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# 7z opens the AES packages in tests (Debian's unzip can't); the letters are set in
# Liberation Sans and DejaVu; WeasyPrint (bench/letter.py's before-and-after) needs pango
# and harfbuzz; pdftoppm renders letters to look at; chromium runs the browser tests.
# The mail tests start their own Dovecot IMAP server (the package's system service is not used).
DEBIAN_PACKAGES=(p7zip-full libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0
                 fonts-dejavu-core fonts-liberation poppler-utils chromium dovecot-imapd)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test,bench]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
