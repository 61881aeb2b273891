#!/usr/bin/env bash
# Benchmarks of the Node binding next to qcloud-cos-sts (see bench.js): bash bindings/node/bench/bench.sh
# Expects `cargo build --release` (target/release/libsts.so and sts-emulator); installs the binding's
# and the benchmark's npm dependencies when missing. BENCH_CALLS / BENCH_SEQUENTIAL change the counts.
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/../../.." && pwd)"
for f in "$ROOT/target/release/libsts.so" "$ROOT/target/release/sts-emulator"; do
    [[ -e "$f" ]] || { echo "bench.sh: $f is missing: run 'cargo build --release' in $ROOT" >&2; exit 1; }
done
[[ -d "$BENCH/../node_modules/koffi" ]] || npm ci --prefix "$BENCH/.." --no-audit --no-fund --loglevel=error
[[ -d "$BENCH/node_modules/qcloud-cos-sts" ]] || npm ci --prefix "$BENCH" --no-audit --no-fund --loglevel=error
exec node "$BENCH/bench.js"
