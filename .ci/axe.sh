#!/usr/bin/env bash
# Accessibility check of the settings UI: axe-core, at the exact version of
# .ci/axe/package.json (package-lock.json), runs in headless Chromium on
# every page and state of the UI at 390, 768 and 1280 px
# (web/browser_axe_test.go, TestBrowserAxe); any violation fails it.
#
# .ci/run calls it after the Go tests; run it alone from anywhere in the
# clone. Needs node and npm (for the install only), Go and Chromium.
# axe-core is installed once per version into a cache outside the clone
# (${XDG_CACHE_HOME:-~/.cache}/signet-ci/npm-axe-<hash of .ci/axe's
# package.json and package-lock.json>), so a second run installs nothing.
# Without this script the test skips: it runs when SIGNET_AXE names
# axe.min.js.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PATH:/usr/local/go/bin"
export NO_UPDATE_NOTIFIER=1 npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

tmp=""
trap 'rm -rf ${tmp:+"$tmp"}' EXIT

echo "== axe: axe-core (.ci/axe/package.json, exact version; package-lock.json)"
key=$(cat .ci/axe/package.json .ci/axe/package-lock.json | sha256sum | cut -c1-16)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/signet-ci"
tools="$cache/npm-axe-$key"
if [ ! -e "$tools/.complete" ]; then
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.npm-axe-$key.XXXXXX")
  cp .ci/axe/package.json .ci/axe/package-lock.json "$tmp/"
  (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=warn)
  touch "$tmp/.complete"
  # Another run may have finished first: keep its copy.
  mv -T "$tmp" "$tools" 2>/dev/null || rm -rf "$tmp"
  echo "installed into $tools"
else
  echo "cached in $tools"
fi

echo "== axe: every page and state, at 390, 768 and 1280 px (TestBrowserAxe)"
SIGNET_AXE="$tools/node_modules/axe-core/axe.min.js" go test -count=1 -run '^TestBrowserAxe$' ./web
