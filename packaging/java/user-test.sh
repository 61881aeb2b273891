#!/usr/bin/env bash
# Run by test-dist.sh inside dist_isolated: what a user of dist/java does. SCRATCH holds java/
# (the jar and lib/) and src/UserTest.java. Runs it with both directories on the class path, then with
# the jar alone (its manifest's Class-Path names lib/*.jar).
set -euo pipefail
scratch="$1"
fail() {
    echo "test-dist-java: $*" >&2
    exit 1
}
[[ -n "${STS_DIST_HIDDEN:-}" && -n "$(ls -A "$STS_DIST_HIDDEN")" ]] && fail "the checkout is visible at $STS_DIST_HIDDEN"
! command -v cargo >/dev/null || fail "cargo is on PATH"
[[ -z "${LIBSTS_PATH:-}" ]] || fail "LIBSTS_PATH is set"

cp="$scratch/java/*:$scratch/java/lib/*"
mkdir "$scratch/classes"
javac --release 17 -Xlint:all -Werror -cp "$cp" -d "$scratch/classes" "$scratch/src/UserTest.java"
java -cp "$scratch/classes:$cp" UserTest "$STS_EMULATOR_URL" "$STS_VERSION"
# The jar alone: its manifest lists lib/*.jar.
java -cp "$scratch/classes:$scratch/java/cos-sts-libsts-$STS_VERSION.jar" UserTest "$STS_EMULATOR_URL" "$STS_VERSION"
