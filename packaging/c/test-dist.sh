#!/usr/bin/env bash
# make test-dist-c: packaging/c/test-dist.sh TARBALL VERSION
# Unpacks the C/C++ package into a scratch directory outside the checkout, starts its own
# sts-emulator there, and runs user-test.sh (pkg-config + example.c, CMake + the GoogleTest
# suite of tests/cpp) with no Rust toolchain on PATH and the checkout hidden (scripts/dist-env.sh).
set -euo pipefail
tarball="$1"
version="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/scripts/dist-env.sh"

name="libsts-$version-linux-$(uname -m)"
[[ "$(basename "$tarball")" == "$name.tar.gz" ]] || dist_fail "$tarball is not named $name.tar.gz"
[[ -f "$tarball" ]] || dist_fail "$tarball is missing: run 'make dist-c'"
tops="$(tar -tzf "$tarball" | cut -d/ -f1 | sort -u)"
[[ "$tops" == "$name" ]] || dist_fail "$tarball must hold one directory $name, not: $tops"

dist_scratch scratch
tar -xzf "$tarball" -C "$scratch"
# The user's own programs, copied: nothing below reads the checkout.
mkdir "$scratch/src"
cp "$root/bindings/c/example.c" "$scratch/src/"
cp -r "$root/tests/cpp" "$scratch/src/cpp"
cp "$here/user-test.sh" "$scratch/"

STS_EMULATOR_BIN="$scratch/$name/bin/sts-emulator"
# The OIDC provider and token of tests/cpp/sts_test.cpp (web_config).
start_emulator STS_EMULATOR_URL --web-identity tke-oidc:eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJFWEFNUExFIn0.OIDC-SECRET-MARKER
start_emulator STS_EMULATOR_MALFORMED_URL --always malformed

dist_isolated env STS_VERSION="$version" bash "$scratch/user-test.sh" "$scratch/$name" "$scratch"
