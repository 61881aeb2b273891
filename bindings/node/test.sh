#!/usr/bin/env bash
# Node binding tests: installs Node/npm if missing, `npm ci`, starts the STS emulators the suite
# needs (127.0.0.1, port 0), runs `node --test`, then test/netns inside scripts/netns.sh, kills the
# emulators on exit.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/binding-test-env.sh"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "bindings/node/test.sh: installing nodejs and npm with apt-get" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm
fi
command -v node >/dev/null || die "node is still missing after apt-get install"
command -v npm >/dev/null || die "npm is still missing after apt-get install"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
(( NODE_MAJOR >= 18 )) || die "Node.js >= 18 is needed (node --test, fetch-era APIs); found $(node --version)"

cd "$HERE"
npm ci --no-audit --no-fund --loglevel=error
[[ -x node_modules/.bin/tsc ]] || die "typescript did not install (node_modules/.bin/tsc missing)"
node -e 'require("koffi")' || die "koffi did not install or has no prebuilt binary for this platform"

start_emulator LIBSTS_TEST_EMULATOR_DEFAULT
start_emulator LIBSTS_TEST_EMULATOR_SLOW --latency-ms 600
start_emulator LIBSTS_TEST_EMULATOR_LATENCY200 --latency-ms 200
start_emulator LIBSTS_TEST_EMULATOR_MALFORMED --always malformed
start_emulator LIBSTS_TEST_EMULATOR_HTTP500 --always http500
start_emulator LIBSTS_TEST_EMULATOR_THROTTLE --always throttle
start_emulator LIBSTS_TEST_EMULATOR_THROTTLE2 --fail-first 2 --fail-with throttle
start_emulator LIBSTS_TEST_EMULATOR_HANG --always hang
# test/identity.test.js: its flags there and here must match.
start_emulator LIBSTS_TEST_EMULATOR_IDENTITY --key AKIDEMULATOREXAMPLE0000000000000000:emulator-secret-key-EXAMPLE \
    --key AKIDTEMPORARYEXAMPLE:temporary-key-EXAMPLE --token AKIDTEMPORARYEXAMPLE:session-token-EXAMPLE-marker \
    --web-identity tke-oidc:eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJFWEFNUExFIn0.OIDC-TOKEN-EXAMPLE

export LIBSTS_PATH="$LIB"
export STS_EMULATOR="$EMULATOR"
status=0  # both parts run; the script fails if either did
npm test || status=$?

# The shared bad configs name non-loopback addresses: in a fresh network namespace (10.200.0.1 is
# a local trap there), with an emulator started inside it whose log shows whether anything arrived.
echo "== node --test test/netns (inside scripts/netns.sh)"
"$ROOT/scripts/netns.sh" bash -c '
    set -euo pipefail
    source "$1/scripts/emulators.sh"
    start_emulator LIBSTS_TEST_EMU_BAD
    export LIBSTS_TEST_EMU_BAD_LOG="$EMULATOR_LOGS/LIBSTS_TEST_EMU_BAD.err"
    node --test --test-reporter=spec test/netns/bad-configs.test.js
' netns-tests "$ROOT" || status=$?
exit "$status"
