#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the console's browser tests
# (test/ui/). Idempotent and quiet: does nothing when it is there; otherwise installs the
# `chromium` package with apt-get (after `apt-get update`). Nothing downloads a browser
# build of its own. HOTCONF_CHROMIUM overrides the path the tests use.
set -u

BIN=${HOTCONF_CHROMIUM:-/usr/bin/chromium}
say() { printf 'chromium.sh: %s\n' "$*" >&2; }

[ -x "$BIN" ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    say "$BIN is missing and this user cannot install chromium (not root, no sudo)"; exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "$BIN is missing and there is no apt-get here: install Chromium, or set HOTCONF_CHROMIUM"; exit 1
fi
say "installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || { say "apt-get update failed"; exit 1; }
$SUDO apt-get install -y -qq chromium >/dev/null || { say "apt-get install chromium failed"; exit 1; }
[ -x "$BIN" ] || { say "chromium installed, but $BIN is not there"; exit 1; }
