#!/usr/bin/env bash
# Node binding tests: installs Node/npm if missing, `npm ci`, starts the STS emulators the suite
# needs (127.0.0.1, port 0), runs `node --test`, kills the emulators on exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LIB="$ROOT/target/release/libsts.so"
EMU="$ROOT/target/release/sts-emulator"

fail() { echo "bindings/node/test.sh: $*" >&2; exit 1; }

[[ -f "$LIB" ]] || fail "$LIB is missing: run \`cargo build --release\` in $ROOT first"
[[ -x "$EMU" ]] || fail "$EMU is missing: run \`cargo build --release\` in $ROOT first"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "bindings/node/test.sh: installing nodejs and npm with apt-get" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm
fi
command -v node >/dev/null || fail "node is still missing after apt-get install"
command -v npm >/dev/null || fail "npm is still missing after apt-get install"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
(( NODE_MAJOR >= 18 )) || fail "Node.js >= 18 is needed (node --test, fetch-era APIs); found $(node --version)"

cd "$HERE"
npm ci --no-audit --no-fund --loglevel=error
[[ -x node_modules/.bin/tsc ]] || fail "typescript did not install (node_modules/.bin/tsc missing)"
node -e 'require("koffi")' || fail "koffi did not install or has no prebuilt binary for this platform"

source "$ROOT/scripts/emulators.sh"

start_emulator LIBSTS_TEST_EMULATOR_DEFAULT
start_emulator LIBSTS_TEST_EMULATOR_SLOW --latency-ms 600
start_emulator LIBSTS_TEST_EMULATOR_MALFORMED --always malformed
start_emulator LIBSTS_TEST_EMULATOR_HTTP500 --always http500
start_emulator LIBSTS_TEST_EMULATOR_THROTTLE --always throttle
start_emulator LIBSTS_TEST_EMULATOR_THROTTLE2 --fail-first 2 --fail-with throttle
start_emulator LIBSTS_TEST_EMULATOR_HANG --always hang

export LIBSTS_PATH="$LIB"
export STS_EMULATOR="$EMU"
npm test
