#!/usr/bin/env bash
# make dist-node: packaging/node/dist.sh DIST VERSION
# Builds DIST/qcloud-cos-sts-libsts-VERSION.tgz with `npm pack` from a staging copy of
# bindings/node that holds the library as prebuilds/<platform>-<arch>/libsts.so (the place
# index.js looks first after LIBSTS_PATH). Only this machine's platform is built (linux-x64 here);
# the README describes the one-package-per-platform layout for more.
set -euo pipefail
dist="$1"
version="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
mkdir -p "$dist"
dist="$(cd "$dist" && pwd -P)"
work="$root/target/dist-node"
fail() {
    echo "dist-node: $*" >&2
    exit 1
}
command -v node >/dev/null && command -v npm >/dev/null || fail "node and npm are needed (bindings/node/test.sh installs them)"
library="$root/target/release/libsts.so"
[[ -f "$library" ]] || fail "$library is missing: run 'make build'"

platform="$(node -p 'process.platform + "-" + process.arch')"
package_version="$(node -p 'require(process.argv[1]).version' "$root/bindings/node/package.json")"
[[ "$package_version" == "$version" ]] || fail "bindings/node/package.json says $package_version, Cargo.toml $version"

stage="$work/package"
rm -rf "$stage"
mkdir -p "$stage/prebuilds/$platform"
# The files npm would pack from bindings/node (package.json's "files"), as git knows them.
(cd "$root/bindings/node" && git ls-files -z --cached --others --exclude-standard -- package.json index.js index.d.ts README.md |
    xargs -0 -I{} cp -p {} "$stage/")
install -m 755 "$library" "$stage/prebuilds/$platform/libsts.so"
strip --strip-debug "$stage/prebuilds/$platform/libsts.so"

tarball="$dist/qcloud-cos-sts-libsts-$version.tgz"
rm -f "$tarball"
(cd "$stage" && npm pack --silent --pack-destination "$dist" >"$work/pack.log" 2>&1) || fail "npm pack failed: $(cat "$work/pack.log")"
[[ -f "$tarball" ]] || fail "npm pack made no $tarball: $(cat "$work/pack.log")"
echo "== built $tarball ($platform)"
