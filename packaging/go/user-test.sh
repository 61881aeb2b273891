#!/usr/bin/env bash
# What a user of the Go package does, run by test-dist.sh inside dist_isolated (no Rust
# toolchain, checkout hidden): user-test.sh CPKG GOMOD APP
#   CPKG   the unpacked C package (bin/ include/ lib/)
#   GOMOD  the unpacked Go module source (what `go get github.com/libsts/libsts/bindings/go` fetches)
#   APP    the user's module directory, holding main.go
# Environment: STS_VERSION (Cargo.toml's), STS_EMULATOR_URL, STS_DIST_HIDDEN.
set -euo pipefail
cpkg="$1"
gomod="$2"
app="$3"
version="$STS_VERSION"
fail() {
    echo "test-dist-go: $*" >&2
    exit 1
}
step() { echo "== test-dist-go: $*"; }

step "no Rust toolchain, no checkout"
! command -v cargo >/dev/null || fail "cargo is on PATH: $(command -v cargo)"
! command -v rustc >/dev/null || fail "rustc is on PATH: $(command -v rustc)"
if [[ -n "$STS_DIST_HIDDEN" ]]; then
    [[ -z "$(ls -A "$STS_DIST_HIDDEN")" ]] || fail "the checkout $STS_DIST_HIDDEN is still visible"
fi
[[ "$(sed -n 's/^const Version = "\(.*\)"$/\1/p' "$gomod/version.go")" == "$version" ]] ||
    fail "the Go module's Version is not $version: $(grep 'const Version' "$gomod/version.go")"
[[ ! -e "$gomod/bench" ]] || fail "the Go module carries bench/ (a module of its own)"

step "a user's module: go.mod requiring the Go module, built with -tags libsts_pkgconfig"
cd "$app"
# A published module would be `go get github.com/libsts/libsts/bindings/go@v$version`; here the
# replace points at the unpacked source, and nothing is downloaded.
cat >go.mod <<MOD
module example.com/stsapp

go 1.19

require github.com/libsts/libsts/bindings/go v$version

replace github.com/libsts/libsts/bindings/go => $gomod
MOD
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GO111MODULE=on CGO_ENABLED=1 GOWORK=off
export PKG_CONFIG_PATH="$cpkg/lib/pkgconfig"
libdir="$(pkg-config --variable=libdir sts)"
CGO_LDFLAGS="-Wl,-rpath,$libdir" go build -tags libsts_pkgconfig -o app . || fail "go build -tags libsts_pkgconfig failed"
deps="$(ldd ./app)"
grep -q "libsts.so.* => $libdir/" <<<"$deps" || fail "app does not load the packaged libsts:
$deps"
if go build -o app-default . 2>build-default.log; then
    fail "the default build (in-checkout cgo flags) worked outside the checkout: it must need -tags libsts_pkgconfig"
fi

step "run against the packaged emulator"
TENCENTCLOUD_SECRET_ID=AKIDEMULATOREXAMPLE0000000000000000 TENCENTCLOUD_SECRET_KEY=emulator-secret-key-EXAMPLE \
    ./app "$STS_EMULATOR_URL" >app.out 2>&1 || fail "app failed: $(cat app.out)"
grep -qx "version $version $version" app.out || fail "versions: $(cat app.out)"
grep -qF 'policy {"version":"2.0","statement":[{"action":["name/cos:PutObject"],"effect":"allow","resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/uploads/user-42/*"]}]}' app.out ||
    fail "unexpected policy: $(cat app.out)"
grep -qx "credential true true 900" app.out || fail "no credential: $(cat app.out)"
grep -qE '^upload example-1250000000 file/[0-9]{8}/[0-9]{8}_[0-9a-f]{16}\.png$' app.out || fail "no upload credential: $(cat app.out)"
step "ok"
