#!/usr/bin/env bash
# Builds the Java binding with Maven (pom.xml: JNA, Jackson and JUnit 5 from Maven Central) and runs
# `mvn -B verify`: the JUnit 5 tests against local STS emulators, with libsts.so taken from the
# jar's classes (the JNA resource linux-x86-64/libsts.so) as a user's application would. Then
# BadConfigTest (tests/data/bad_configs.json) runs alone inside scripts/netns.sh with its own
# emulator, offline. Needs target/release/libsts.so and target/release/sts-emulator (`make build`),
# a JDK 17 and Maven (scripts/install-deps.sh installs both).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/binding-test-env.sh"
command -v javac >/dev/null || die "javac not found (Java 17 JDK: scripts/install-deps.sh, or apt-get install openjdk-17-jdk-headless)"
command -v mvn >/dev/null || die "mvn not found (scripts/install-deps.sh, or apt-get install maven)"
# LIBSTS_PATH may name another libsts.so to test; by default the tests load the jar's own copy.
if [[ -n "${LIBSTS_PATH:-}" ]]; then
    [[ -f "$LIBSTS_PATH" ]] || die "LIBSTS_PATH=$LIBSTS_PATH is not a file"
fi

# ---- emulators: one per behaviour, each on a free port, killed on exit
props=()
for spec in 'ok' 'malformed --always malformed' 'http500 --always http500' 'throttle --always throttle' 'hang --always hang' 'drop --always drop' 'flaky --fail-first 2 --fail-with throttle' \
    'latency200 --latency-ms 200' \
    'temporary --key AKIDTEMPORARYEXAMPLE:temporary-key --token AKIDTEMPORARYEXAMPLE:session-token-EXAMPLE' \
    'upload' 'cache'; do
    read -r name args <<<"$spec"
    # shellcheck disable=SC2086 # args are flags, split on purpose
    start_emulator "EMULATOR_$name" $args
    url_var="EMULATOR_$name"
    props+=("-Dsts.emulator.$name=${!url_var}")
done
# The upload and cache tests read what their emulator received (its request log on stderr).
props+=("-Dsts.emulator.upload.log=$EMULATOR_LOGS/EMULATOR_upload.err" "-Dsts.emulator.cache.log=$EMULATOR_LOGS/EMULATOR_cache.err")

mvn_run() {
    mvn -B -ntp -Dstyle.color=never -f "$HERE/pom.xml" -Dsts.root="$ROOT" -Dlibsts.dir="$(dirname "$LIB")" "$@"
}

set +e
mvn_run "${props[@]}" verify
rc=$?
set -e
if ((rc != 0)); then
    echo "--- emulator logs (stderr) ---" >&2
    for f in "$EMULATOR_LOGS"/*.err; do echo "[$(basename "$f" .err)]" >&2; tail -n 20 "$f" >&2; done
    die "mvn verify failed (exit $rc)"
fi

# ---- tests/data/bad_configs.json: they name 10.200.0.1 in URLs, so only inside scripts/netns.sh,
# with an emulator of their own there (its log shows whether a request arrived). Offline: the
# namespace has no network, and verify above resolved everything.
echo "== BadConfigTest, in a network namespace"
export -f mvn_run
export LIB ROOT HERE
set +e
"$ROOT/scripts/netns.sh" bash -c '
    set -euo pipefail
    source "$ROOT/scripts/emulators.sh"
    start_emulator EMULATOR_ok
    mvn_run -o -Dsts.emulator.ok="$EMULATOR_ok" -Dsts.emulator.log="$EMULATOR_LOGS/EMULATOR_ok.err" \
        -Dtest=BadConfigTest -Dsurefire.failIfNoSpecifiedTests=true surefire:test'
netns_rc=$?
set -e
((netns_rc == 0)) || die "BadConfigTest failed (exit $netns_rc)"
