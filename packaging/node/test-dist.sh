#!/usr/bin/env bash
# make test-dist-node: packaging/node/test-dist.sh DIST VERSION
# Checks the tarball's file list, then, in an empty project in a scratch directory with no Rust
# toolchain on PATH and the checkout hidden (scripts/dist-env.sh), `npm install`s it (koffi comes
# from the registry) and runs dropin.js against the emulator with no LIBSTS_PATH.
set -euo pipefail
dist="$1"
version="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/scripts/dist-env.sh"

tarball="$dist/qcloud-cos-sts-libsts-$version.tgz"
[[ -f "$tarball" ]] || dist_fail "$tarball is missing: run 'make dist-node'"
platform="$(node -p 'process.platform + "-" + process.arch')"
expected="package/README.md
package/index.d.ts
package/index.js
package/package.json
package/prebuilds/$platform/libsts.so"
actual="$(tar -tzf "$tarball" | LC_ALL=C sort)"
[[ "$actual" == "$expected" ]] || dist_fail "$tarball's files differ from the expected list:
$(diff <(echo "$expected") <(echo "$actual") || true)"
packed_version="$(tar -xzOf "$tarball" package/package.json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).version))')"
[[ "$packed_version" == "$version" ]] || dist_fail "the packed package.json says $packed_version, Cargo.toml $version"

dist_scratch scratch
cp "$tarball" "$here/dropin.js" "$here/user-test.sh" "$scratch/"
start_emulator STS_EMULATOR_URL
dist_isolated env -u LIBSTS_PATH -u NODE_PATH STS_VERSION="$version" bash "$scratch/user-test.sh" "$scratch/$(basename "$tarball")" "$scratch"
