#!/usr/bin/env bash
# The Terraform / OpenTofu provider (module terraform-provider-signet/):
# gofmt, vet, its unit tests, and its acceptance tests against a real
# Signet (which the tests build and start) driven by a real OpenTofu
# binary.
#
# OpenTofu is built from the Go module proxy: the source of the module
# github.com/opentofu/opentofu at $TOFU_VERSION, built with its own go.mod
# as its Makefile does (go build ./cmd/tofu; the version package's dev
# marker off, so that "tofu version" says the release). The binary is
# built once per version into a cache outside the clone
# (${XDG_CACHE_HOME:-~/.cache}/signet-ci/tofu-<version>/tofu), so a second
# run builds nothing.
#
# .ci/run calls it after the Go tests; run it alone from anywhere in the
# clone. TOFU=/path/to/tofu (or terraform) skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PATH:/usr/local/go/bin"
TOFU_VERSION=v1.12.6
started=$SECONDS

tofu="${TOFU:-}"
if [ -z "$tofu" ]; then
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/signet-ci"
  tofu="$cache/tofu-$TOFU_VERSION/tofu"
  if [ ! -x "$tofu" ]; then
    echo "== terraform provider: building OpenTofu $TOFU_VERSION from the Go module proxy"
    src=$(GOFLAGS= go mod download -json "github.com/opentofu/opentofu@$TOFU_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
    [ -d "$src" ] || { echo "go mod download gave no source directory for OpenTofu $TOFU_VERSION"; exit 1; }
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/.tofu-$TOFU_VERSION.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    # The module cache is read-only: only the binary is written, outside
    # it. OpenTofu's go.sum is complete, so -mod=readonly holds.
    build_started=$SECONDS
    (cd "$src" && GOWORK=off GOFLAGS=-mod=readonly go build \
      -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" -o "$tmp/tofu" ./cmd/tofu)
    # Another run may have finished first: keep its copy.
    mv -T "$tmp" "$cache/tofu-$TOFU_VERSION" 2>/dev/null || rm -rf "$tmp"
    echo "built into $tofu in $((SECONDS - build_started))s"
  else
    echo "== terraform provider: OpenTofu cached in $tofu"
  fi
fi
# Its own empty CLI configuration, as the tests give it.
TF_CLI_CONFIG_FILE=/dev/null "$tofu" version

cd terraform-provider-signet
echo "== terraform provider: gofmt and go vet"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...

echo "== terraform provider: unit and acceptance tests (TF_ACC=1, OpenTofu $TOFU_VERSION)"
# -parallel 4: each test mostly waits for tofu processes and the server,
# so four at once on two cores take half the time of two.
TF_ACC=1 TF_ACC_TERRAFORM_PATH="$tofu" go test -count=1 -parallel 4 ./...

echo "== terraform provider: all passed in $((SECONDS - started))s"
