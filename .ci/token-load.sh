#!/usr/bin/env bash
# Token issuance under load against a real "signet serve" (SQLite), with
# wrk from Debian: client_secret_basic, one audience, one permission, keep-
# alive connections. Prints wrk's summary; BENCHMARKS.md records the
# figures. Talks only to 127.0.0.1 and stops by itself.
#
#   bash .ci/token-load.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk"; exit 1; }
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
go build -o "$dir/signet" ./cmd/signet
db="$dir/signet.db"
echo 'a long enough password' | "$dir/signet" admin create --database "$db" --email admin@example.com --password-stdin >/dev/null
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
"$dir/signet" serve --database "$db" --addr "127.0.0.1:$port" --log-level error --metrics=false &
pid=$!
for _ in $(seq 1 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
admin=$(curl -sf "$base/api/v1/login" -H 'Content-Type: application/json' \
  -d '{"email":"admin@example.com","password":"a long enough password","device_id":"token-load-01","key_name":"load"}' | json "['key']")
auth=(-H "Authorization: Bearer $admin" -H 'Content-Type: application/json')
curl -sf "$base/api/v1/permission-domains" "${auth[@]}" -d '{"name":"billing"}' >/dev/null
curl -sf "$base/api/v1/oauth/audiences" "${auth[@]}" -d '{"identifier":"https://billing.internal"}' >/dev/null
sa=$(curl -sf "$base/api/v1/service-accounts" "${auth[@]}" \
  -d '{"name":"pipeline","grants":[{"role_id":"role_edit"}],"api_key":{"name":"load"}}')
id=$(echo "$sa" | json "['service_account']['id']")
key=$(echo "$sa" | json "['api_key']['key']")
basic=$(printf '%s:%s' "$id" "$key" | base64 -w0)
cat > "$dir/token.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&audience=https%3A%2F%2Fbilling.internal&scope=billing%3Aread"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $basic"
LUA
# One token first, to show it works.
curl -sf "$base/oauth2/token" -u "$id:$key" -d grant_type=client_credentials \
  -d audience=https://billing.internal -d scope=billing:read | json "['token_type']"
wrk -t2 -c"$conns" -d"${secs}s" -s "$dir/token.lua" "$base/oauth2/token"
