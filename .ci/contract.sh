#!/usr/bin/env bash
# Contract checks of the OpenAPI document (httpapi/openapi.json): the tools
# people point at an API description must accept it, cleanly.
#
#   1. Redocly CLI, ruleset recommended-strict (redocly.yaml): no problem.
#   2. Spectral, ruleset spectral:oas (.spectral.yaml): no warning or error.
#   3. openapi-typescript: its types compile under tsc --strict.
#   4. oapi-codegen, default options for types and a client: the client
#      compiles and completes a round trip against a real Signet (module
#      contract/, generated afresh on every run).
#
# .ci/run calls it after the Go tests; run it alone from anywhere in the
# clone. Needs node and npm, and Go; the npm tools are installed once per
# set of versions into a cache outside the clone
# (${XDG_CACHE_HOME:-~/.cache}/signet-ci/npm-<hash of .ci/contract's
# package.json and package-lock.json>), so a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PATH:/usr/local/go/bin"
# No telemetry, no update checks from the tools.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export NO_UPDATE_NOTIFIER=1 npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

# oapi-codegen is built from the Go module proxy at this exact version.
OAPI_CODEGEN=github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2

spec=httpapi/openapi.json
started=$SECONDS

# Redocly CLI 2 needs Node.js 20.19 or later (22.12 or later soon).
node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    console.error(`node ${process.versions.node} is too old for the contract tools: need 20.19 or later`);
    process.exit(1);
  }'

work=$(mktemp -d)
tmp=""
trap 'rm -rf "$work" ${tmp:+"$tmp"}' EXIT

echo "== contract: npm tools (.ci/contract/package.json, exact versions; package-lock.json)"
key=$(cat .ci/contract/package.json .ci/contract/package-lock.json | sha256sum | cut -c1-16)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/signet-ci"
tools="$cache/npm-$key"
if [ ! -e "$tools/.complete" ]; then
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.npm-$key.XXXXXX")
  cp .ci/contract/package.json .ci/contract/package-lock.json "$tmp/"
  # --ignore-scripts: none of the tools needs an install script, and one
  # of their dependencies would only report the install.
  (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=warn)
  touch "$tmp/.complete"
  # Another run may have finished first: keep its copy.
  mv -T "$tmp" "$tools" 2>/dev/null || rm -rf "$tmp"
  echo "installed into $tools"
else
  echo "cached in $tools"
fi
bin="$tools/node_modules/.bin"

echo "== contract: redocly lint (recommended-strict, redocly.yaml)"
# Every rule of recommended-strict is an error; the JSON totals are read so
# that a warning or an ignored problem (an ignore file) fails too.
"$bin/redocly" lint --config redocly.yaml --format=json "$spec" >"$work/redocly.json" 2>"$work/redocly.err" || true
if ! node -e '
  const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).totals;
  console.log(`errors ${t.errors}, warnings ${t.warnings}, ignored ${t.ignored}`);
  process.exit(t.errors + t.warnings + t.ignored === 0 ? 0 : 1);
' "$work/redocly.json"; then
  "$bin/redocly" lint --config redocly.yaml --format=stylish "$spec" || true
  echo "redocly lint: the OpenAPI document has problems (above)"; exit 1
fi

echo "== contract: spectral lint (spectral:oas, .spectral.yaml; fails on warnings)"
"$bin/spectral" lint --ruleset .spectral.yaml --fail-severity=warn "$spec"

echo "== contract: openapi-typescript, then tsc --strict"
"$bin/openapi-typescript" "$spec" --output "$work/signet-api.d.ts"
cp .ci/contract/types-check.ts "$work/"
"$bin/tsc" --strict --noEmit --target es2022 --module esnext --moduleResolution bundler \
  "$work/signet-api.d.ts" "$work/types-check.ts"
echo "tsc --strict: ok"

echo "== contract: oapi-codegen (types, client), then its round trip against a real server"
(cd contract/signetapi && go run "$OAPI_CODEGEN" -generate types,client -package signetapi -o signetapi.gen.go ../../"$spec")
# The go:generate line must say the same, so that go generate makes the
# same client.
grep -qF "go run $OAPI_CODEGEN -generate types,client -package signetapi -o signetapi.gen.go ../../$spec" contract/signetapi/doc.go ||
  { echo "contract/signetapi/doc.go: the go:generate line differs from .ci/contract.sh's command"; exit 1; }
(cd contract && go vet ./... && go test -count=1 ./...)

echo "== contract: all passed in $((SECONDS - started))s"
