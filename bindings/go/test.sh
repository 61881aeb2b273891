#!/usr/bin/env bash
# Tests of the Go binding: go vet + go test (with and without the race detector) against local
# STS emulators, a build through pkg-config, and a few benchmarks. Needs the artefacts of
# `cargo build --release` in the repository root; installs Go (Debian golang-go) if missing.
# No network beyond apt: no Go module downloads (the module uses the standard library only).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/binding-test-env.sh"

[[ -f "$ROOT/include/sts.h" ]] || die "$ROOT/include/sts.h is missing"

# --- toolchain --------------------------------------------------------------------------
missing=()
command -v go >/dev/null 2>&1 || missing+=(golang-go)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v readelf >/dev/null 2>&1 || missing+=(binutils)
if ((${#missing[@]})); then
  echo "go/test.sh: installing ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
for tool in go gcc pkg-config readelf; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is still missing after apt-get install"
done

# Offline, local toolchain, nothing inherited that would change the build.
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS= GO111MODULE=on CGO_ENABLED=1 GOWORK=off
echo "go/test.sh: $(go version); libsts at $LIB"

# Programs linked with -lsts look for the soname (libsts.so.0.1) at run time; the default
# cgo flags put target/release on the rpath, so the soname must exist there.
SONAME="$(readelf -d "$LIB" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
[[ -n "$SONAME" ]] || die "no SONAME in $LIB"
if [[ "$SONAME" != libsts.so && ! -e "$ROOT/target/release/$SONAME" ]]; then
  ln -s libsts.so "$ROOT/target/release/$SONAME"
fi

# --- emulators --------------------------------------------------------------------------
start_emulator STS_EMULATOR_URL
start_emulator STS_EMULATOR_URL_SLOW --latency-ms 100
start_emulator STS_EMULATOR_URL_LATENCY200 --latency-ms 200
start_emulator STS_EMULATOR_URL_LATENCY30 --latency-ms 30
start_emulator STS_EMULATOR_URL_HTTP500 --always http500
start_emulator STS_EMULATOR_URL_THROTTLE --always throttle
start_emulator STS_EMULATOR_URL_MALFORMED --always malformed
start_emulator STS_EMULATOR_URL_DROP --always drop
start_emulator STS_EMULATOR_URL_HANG --always hang
# Fails its first two requests: every run of the retry test needs a fresh one.
start_emulator STS_EMULATOR_URL_FLAKY --fail-first 2 --fail-with http503

cd "$HERE"

# --- checks -----------------------------------------------------------------------------
rm -rf "$HERE/build/vendor-example" # the vendor's own (unformatted) sources of an earlier run
unformatted="$(gofmt -l .)"
[[ -z "$unformatted" ]] || die "gofmt wants to change: $unformatted"
go vet ./...

echo "== go test (race detector)"
go test -race -count=1 ./...

echo "== bad configs (tests/data/bad_configs.json) and non-loopback addresses, in a network namespace"
# They name 10.200.0.1 in URLs: only inside scripts/netns.sh, with an emulator of their own there.
"$ROOT/scripts/netns.sh" bash -c '
  set -euo pipefail
  source "$1/scripts/emulators.sh"
  start_emulator STS_EMULATOR_URL
  export STS_EMULATOR_LOG="$EMULATOR_LOGS/STS_EMULATOR_URL.err"
  go test -tags netns -count=1 -run "^TestBadConfigs$" -v .' netns-bad-configs "$ROOT"


# pkg_config_file DIR LIBS: writes DIR/sts.pc for this source tree.
pkg_config_file() {
  mkdir -p "$1"
  local major minor
  major="$(sed -n 's/^#define STS_VERSION_MAJOR \([0-9]*\)$/\1/p' "$ROOT/include/sts.h")"
  minor="$(sed -n 's/^#define STS_VERSION_MINOR \([0-9]*\)$/\1/p' "$ROOT/include/sts.h")"
  cat >"$1/sts.pc" <<PC
prefix=$ROOT
Name: sts
Description: libsts (test build from the source tree)
Version: $major.$minor
Cflags: -I\${prefix}/include
Libs: $2
PC
}

echo "== pkg-config build against the C package (dist/, unpacked), the whole suite (-tags libsts_pkgconfig)"
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)"
C_TARBALL="$ROOT/dist/libsts-$VERSION-linux-$(uname -m).tar.gz"
if [[ ! -f "$C_TARBALL" || "$C_TARBALL" -ot "$LIB" ]]; then
  make --no-print-directory -C "$ROOT" dist-c >/dev/null
fi
rm -rf "$HERE/build/cpkg" && mkdir -p "$HERE/build/cpkg"
tar -xzf "$C_TARBALL" -C "$HERE/build/cpkg"
CPKG="$HERE/build/cpkg/libsts-$VERSION-linux-$(uname -m)"
# Go's build cache keys on neither pkg-config's output nor the library: a CGO_CFLAGS define
# naming this package keeps a build against target/release out of this one. ldd proves which
# libsts the test binary loads.
PKG_CONFIG_PATH="$CPKG/lib/pkgconfig" CGO_LDFLAGS="-Wl,-rpath,$CPKG/lib" \
  CGO_CFLAGS="-g -O2 -DLIBSTS_PKG_ID=$(stat -c %Y "$C_TARBALL")" \
  go test -tags libsts_pkgconfig -count=1 -o "$HERE/build/sts-pkg.test" -c .
deps="$(env -u LD_LIBRARY_PATH ldd "$HERE/build/sts-pkg.test")"
grep -q "libsts.so.* => $CPKG/lib/" <<<"$deps" || die "the pkg-config test binary does not load the packaged libsts: $deps"
start_emulator STS_EMULATOR_URL_FLAKY --fail-first 2 --fail-with http503
(env -u LD_LIBRARY_PATH "$HERE/build/sts-pkg.test" -test.count=1)

echo "== the vendor SDK's own go/example programs, import path changed, build against this package"
# From the module cache (bench.sh's pinned vendor module; the Go module proxy fills it once),
# never copied into this repository.
VENDOR_MOD="github.com/tencentyun/qcloud-cos-sts-sdk@$(sed -n 's|^\tgithub.com/tencentyun/qcloud-cos-sts-sdk \(v[^ ]*\)$|\1|p' "$HERE/bench/go.mod")"
VENDOR_DIR="$(go env GOMODCACHE)/$VENDOR_MOD"
if [[ ! -d "$VENDOR_DIR/go/example" ]]; then
  echo "go/test.sh: fetching $VENDOR_MOD through the Go module proxy (checked against bench/go.sum)"
  (cd "$HERE/bench" && GOPROXY="${LIBSTS_GOPROXY:-https://proxy.golang.org}" GOFLAGS=-mod=mod go mod download github.com/tencentyun/qcloud-cos-sts-sdk)
fi
[[ -d "$VENDOR_DIR/go/example" ]] || die "$VENDOR_DIR/go/example is missing"
for example in "$VENDOR_DIR"/go/example/*.go; do
  name="$(basename "$example" .go)"
  dir="$HERE/build/vendor-example/$name"
  rm -rf "$dir" && mkdir -p "$dir"
  sed 's|"github.com/tencentyun/qcloud-cos-sts-sdk/go"|"github.com/libsts/libsts/bindings/go"|' "$example" >"$dir/main.go"
  cmp -s "$example" "$dir/main.go" && die "$example: no vendor import to change"
  printf 'module example.com/%s\n\ngo 1.19\n\nrequire github.com/libsts/libsts/bindings/go v0.0.0\n\nreplace github.com/libsts/libsts/bindings/go => %s\n' \
    "$name" "$HERE" >"$dir/go.mod"
  (cd "$dir" && go build -o /dev/null .) || die "the vendor's go/example/$name.go does not build against this package"
  echo "go/test.sh: vendor go/example/$name.go builds"
done
rm -rf "$HERE/build/vendor-example"

echo "== the vendor SDK itself against the emulator (it signs signature v1): real keys, service codes"
(cd "$HERE/bench" && STS_EMULATOR_URL="$STS_EMULATOR_URL" go test -count=1 .)

echo "== pkg-config build, static libsts.a (-tags libsts_pkgconfig)"
# Go's build cache keys neither on pkg-config's output nor on libsts.a: a CGO_CFLAGS define
# naming this libsts.a (size and mtime) keeps a cached shared-flavour build out of this one.
pkg_config_file "$HERE/build/pkgconfig-static" '${prefix}/target/release/libsts.a -lpthread -ldl -lm -lrt -lutil -lgcc_s -lc'
[[ -f "$ROOT/target/release/libsts.a" ]] || die "$ROOT/target/release/libsts.a is missing"
PKG_CONFIG_PATH="$HERE/build/pkgconfig-static" \
  CGO_CFLAGS="-g -O2 -DLIBSTS_A_ID=$(stat -c %s_%Y "$ROOT/target/release/libsts.a")" \
  go test -tags libsts_pkgconfig -count=1 -o "$HERE/build/sts-static.test" -c .
if readelf -d "$HERE/build/sts-static.test" | grep -q 'NEEDED.*libsts'; then
  die "the static test binary still needs libsts.so"
fi
start_emulator STS_EMULATOR_URL_FLAKY --fail-first 2 --fail-with http503
(env -u LD_LIBRARY_PATH "$HERE/build/sts-static.test" -test.count=1)

echo "== benchmarks (emulator on loopback, 1 scope policy)"
go test -count=1 -run '^$' -bench GetPolicy -benchtime 100000x ./...
go test -count=1 -run '^$' -bench GetCredential -benchtime 2000x ./...

echo "== go test -v"
start_emulator STS_EMULATOR_URL_FLAKY --fail-first 2 --fail-with http503
# Last, so that its summary line ("ok  github.com/libsts/libsts/bindings/go ...") ends the output.
go test -count=1 -v ./...
