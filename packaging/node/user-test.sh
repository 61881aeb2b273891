#!/usr/bin/env bash
# What a Node user does, run by test-dist.sh inside dist_isolated (no Rust toolchain, checkout
# hidden): user-test.sh TARBALL WORK. An empty project, `npm install TARBALL`, then dropin.js
# (require('qcloud-cos-sts-libsts')) against STS_EMULATOR_URL.
set -euo pipefail
tarball="$1"
work="$2"
fail() {
    echo "test-dist-node: $*" >&2
    exit 1
}
step() { echo "== test-dist-node: $*"; }

step "no Rust toolchain, no checkout"
! command -v cargo >/dev/null || fail "cargo is on PATH: $(command -v cargo)"
if [[ -n "$STS_DIST_HIDDEN" ]]; then
    [[ -z "$(ls -A "$STS_DIST_HIDDEN")" ]] || fail "the checkout $STS_DIST_HIDDEN is still visible"
fi

step "npm install $(basename "$tarball") in an empty project"
mkdir "$work/app"
cd "$work/app"
mv "$work/dropin.js" .
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$tarball" || fail "npm install failed"
library="$(node -e 'const s = require("qcloud-cos-sts-libsts"); s.libraryVersion(); console.log(require.resolve("qcloud-cos-sts-libsts"))')"
[[ "$library" == "$work/app/node_modules/qcloud-cos-sts-libsts/index.js" ]] || fail "required $library"
[[ -f node_modules/qcloud-cos-sts-libsts/prebuilds/$(node -p 'process.platform + "-" + process.arch')/libsts.so ]] ||
    fail "the installed package has no prebuilt library"

step "one version: $STS_VERSION; the vendor demos' names against the emulator"
node dropin.js
step "ok"
