#!/usr/bin/env bash
# make test-dist-java: packaging/java/test-dist.sh DIST_JAVA VERSION
# Copies dist/java (the binding's jar, which carries libsts.so, and lib/ with its dependency jars)
# into a scratch directory outside the checkout and runs user-test.sh there: javac and
# `java -cp 'java/*:java/lib/*'` of a small program doing one getPolicy and one credential call
# against an emulator, with no Rust toolchain on PATH, the checkout hidden (scripts/dist-env.sh)
# and no LIBSTS_PATH: the library must come out of the jar.
set -euo pipefail
dist="$1"
version="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/scripts/dist-env.sh"

jar="$dist/cos-sts-libsts-$version.jar"
[[ -f "$jar" ]] || dist_fail "$jar is missing: run 'make dist-java'"
jar tf "$jar" | grep -qx 'linux-x86-64/libsts.so' || dist_fail "$jar carries no linux-x86-64/libsts.so"
for dep in jna jackson-databind jackson-core jackson-annotations; do
    compgen -G "$dist/lib/$dep-[0-9]*.jar" >/dev/null || dist_fail "$dist/lib has no $dep jar"
done
if compgen -G "$dist/lib/junit-*.jar" >/dev/null; then dist_fail "$dist/lib holds test-only jars (junit)"; fi

dist_scratch scratch
cp -r "$dist" "$scratch/java"
mkdir "$scratch/src"
cp "$here/UserTest.java" "$scratch/src/"
cp "$here/user-test.sh" "$scratch/"

# The emulator is not part of the Java package: the checkout's, started outside the isolation.
STS_EMULATOR_BIN="$root/target/release/sts-emulator"
start_emulator STS_EMULATOR_URL

dist_isolated env -u LIBSTS_PATH -u CLASSPATH -u JAVA_TOOL_OPTIONS STS_VERSION="$version" \
    STS_EMULATOR_URL="$STS_EMULATOR_URL" bash "$scratch/user-test.sh" "$scratch"
