#!/usr/bin/env bash
# The real-client test of sts-server (make test-server): the release binaries, the emulator on
# a free port, sts-server in front of it, and cos-nodejs-sdk-v5 (npm ci from the committed
# lockfile) uploading to a COS stand-in on 127.0.0.1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
command -v node >/dev/null || { echo "test-server: node is missing" >&2; exit 1; }
command -v npm >/dev/null || { echo "test-server: npm is missing" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p sts-emulator -p sts-server
(cd "$here" && npm ci --no-audit --no-fund --silent)

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

"$root/target/release/sts-emulator" --port 0 --port-file "$work/port" >/dev/null 2>"$work/emulator.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "test-server: the emulator did not start" >&2; exit 1; }

sed -e "s|^url = .*|url = \"http://127.0.0.1:$(cat "$work/port")/\"|" \
    -e 's|^listen = .*|listen = "127.0.0.1:0"|' \
    "$root/examples/sts-server.toml" >"$work/sts-server.toml"
"$root/target/release/sts-server" --config "$work/sts-server.toml" >"$work/out" 2>"$work/server.log" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.05; done
url="$(sed -n 's|^sts-server listening on \(http://[^/]*\)/$|\1|p' "$work/out")"
[ -n "$url" ] || { echo "test-server: sts-server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

STS_SERVER_URL="$url" node "$here/test.js"
