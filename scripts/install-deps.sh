#!/usr/bin/env bash
# Installs what `make test` needs for the Rust, C and C++ parts when it is missing (CI runs as root
# on a fresh machine). The bindings' own test.sh scripts install their toolchains.
set -euo pipefail
need=()
command -v cargo >/dev/null || { echo "install-deps: cargo is missing (rustup toolchain expected)" >&2; exit 1; }
command -v cc >/dev/null || need+=(gcc)
command -v c++ >/dev/null || need+=(g++)
command -v make >/dev/null || need+=(make)
command -v valgrind >/dev/null || need+=(valgrind)
command -v pkg-config >/dev/null || need+=(pkgconf)
# make test-dist-c: the C++ package test is a CMake project with GoogleTest; readelf checks the .so.
command -v cmake >/dev/null || need+=(cmake)
command -v readelf >/dev/null || need+=(binutils)
ls /usr/lib/*/cmake/GTest/GTestConfig.cmake >/dev/null 2>&1 || ls /usr/lib/cmake/GTest/GTestConfig.cmake >/dev/null 2>&1 \
    || need+=(libgtest-dev)
# Tests that name a non-loopback address run in their own network namespace (scripts/netns.sh).
command -v unshare >/dev/null || need+=(util-linux)
command -v ip >/dev/null || need+=(iproute2)
# sts-server's shared rate limit (server/tests/redis.rs) runs against a real Redis.
command -v redis-server >/dev/null || need+=(redis-server)
ls /usr/lib/x86_64-linux-gnu/libasan.so.* >/dev/null 2>&1 || ls /usr/lib/gcc/*/*/libasan.so >/dev/null 2>&1 || need+=(libasan8)
if [ ${#need[@]} -gt 0 ]; then
    echo "install-deps: installing ${need[*]}"
    [ "$(id -u)" = 0 ] || { echo "install-deps: need root to apt-get install ${need[*]}" >&2; exit 1; }
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
