#!/usr/bin/env bash
# Throughput of 32 concurrent callers against the STS emulator answering in 30 ms: the Go
# binding's GetCredentialContext and GetCredential next to the vendor Go SDK, in one run
# (bench/main.go). Not part of test.sh: it needs the vendor module, which `go run` fetches through
# the Go module proxy into the module cache (pinned in bench/go.sum) unless it is there already.
# Needs `cargo build --release` in the repository root. Extra arguments go to the bench command
# (-callers, -calls, -rounds).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/binding-test-env.sh"

# The soname, for the test-tree rpath (as test.sh does).
SONAME="$(readelf -d "$LIB" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
if [[ -n "$SONAME" && "$SONAME" != libsts.so && ! -e "$ROOT/target/release/$SONAME" ]]; then
  ln -s libsts.so "$ROOT/target/release/$SONAME"
fi

start_emulator STS_EMULATOR_URL_LATENCY30 --latency-ms 30 --max-connections 1024
export GOTOOLCHAIN=local GOFLAGS= GO111MODULE=on CGO_ENABLED=1 GOWORK=off
cd "$HERE/bench"
go run . -url "$STS_EMULATOR_URL_LATENCY30" -latency 30ms "$@"
