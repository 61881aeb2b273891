#!/usr/bin/env bash
# make test-dist-go: packaging/go/test-dist.sh C_TARBALL GO_TARBALL VERSION
# Unpacks the C package and the Go module's source (dist-go) into a scratch directory outside
# the checkout, starts the packaged sts-emulator, and runs user-test.sh: a user's module that
# requires the Go module (through a `replace` to the unpacked source, since the module is not
# published here) built with -tags libsts_pkgconfig against the C package, with no Rust
# toolchain on PATH and the checkout hidden (scripts/dist-env.sh).
set -euo pipefail
c_tarball="$1"
go_tarball="$2"
version="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/scripts/dist-env.sh"

c_name="libsts-$version-linux-$(uname -m)"
go_name="libsts-go-$version"
[[ -f "$c_tarball" ]] || dist_fail "$c_tarball is missing: run 'make dist-c'"
[[ -f "$go_tarball" ]] || dist_fail "$go_tarball is missing: run 'make dist-go'"
[[ "$(basename "$go_tarball")" == "$go_name.tar.gz" ]] || dist_fail "$go_tarball is not named $go_name.tar.gz"
tops="$(tar -tzf "$go_tarball" | cut -d/ -f1 | sort -u)"
[[ "$tops" == "$go_name" ]] || dist_fail "$go_tarball must hold one directory $go_name, not: $tops"
command -v go >/dev/null || dist_fail "go is missing (bindings/go/test.sh installs golang-go)"

dist_scratch scratch
tar -xzf "$c_tarball" -C "$scratch"
tar -xzf "$go_tarball" -C "$scratch"
mkdir "$scratch/app"
cp "$here/app/main.go" "$scratch/app/"
cp "$here/user-test.sh" "$scratch/"

STS_EMULATOR_BIN="$scratch/$c_name/bin/sts-emulator"
start_emulator STS_EMULATOR_URL

dist_isolated env STS_VERSION="$version" HOME="$HOME" GOCACHE="$(go env GOCACHE)" GOPATH="$(go env GOPATH)" \
    bash "$scratch/user-test.sh" "$scratch/$c_name" "$scratch/$go_name" "$scratch/app"
