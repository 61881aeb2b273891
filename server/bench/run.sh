#!/usr/bin/env bash
# POST /sts throughput and p99 latency at 64 concurrent connections, with libsts's credential
# cache off and on, against the local emulator (README "Credential server" > Performance).
#   bash server/bench/run.sh [seconds]     (needs wrk: apt-get install wrk)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-10}"
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p sts-emulator -p sts-server
work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
"$root/target/release/sts-emulator" --port 0 --port-file "$work/port" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
for cache in false true; do
    sed -e "s|^url = .*|url = \"http://127.0.0.1:$(cat "$work/port")/\"|" \
        -e 's|^listen = .*|listen = "127.0.0.1:0"|' \
        -e '/^\[limits\]/,$d' \
        -e "s|^duration_seconds = .*|duration_seconds = 1800\ncache = $cache|" \
        "$root/examples/sts-server.toml" >"$work/sts-server-$cache.toml"
    "$root/target/release/sts-server" --config "$work/sts-server-$cache.toml" >"$work/out-$cache" 2>/dev/null &
    pids+=($!)
    for _ in $(seq 100); do grep -q listening "$work/out-$cache" 2>/dev/null && break; sleep 0.05; done
    url="$(sed -n 's|^sts-server listening on \(http://[^/]*\)/$|\1|p' "$work/out-$cache")"
    echo "== POST /sts, cache = $cache, 64 connections, ${seconds}s"
    wrk -t2 -c64 -d"${seconds}s" --latency -s "$here/post-sts.lua" "$url/sts" | grep -E "Requests/sec|p99|Non-2xx|Socket errors"
done
