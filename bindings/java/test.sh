#!/usr/bin/env bash
# Builds the Java binding with javac + jar and runs its JUnit 4 tests against local STS emulators,
# then BadConfigTest (tests/data/bad_configs.json) inside scripts/netns.sh with its own emulator.
# Needs: target/release/libsts.so and target/release/sts-emulator (run `cargo build --release` first).
# Installs Debian's libjna-java and junit4 when missing (no Maven, no downloads from Maven Central).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/binding-test-env.sh"
# LIBSTS_PATH may name another libsts.so to test.
LIB="${LIBSTS_PATH:-$LIB}"
[[ -f "$LIB" ]] || die "$LIB not found"
command -v javac >/dev/null || die "javac not found (Java 17 JDK: apt-get install openjdk-17-jdk-headless)"

need=()
[[ -f /usr/share/java/jna.jar ]] || need+=(libjna-java)
[[ -f /usr/share/java/junit4.jar ]] || need+=(junit4)
if ((${#need[@]})); then
    echo "installing ${need[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
JNA_JAR=/usr/share/java/jna.jar
JUNIT_JAR=/usr/share/java/junit4.jar
HAMCREST_JAR=/usr/share/java/hamcrest-core.jar
for j in "$JNA_JAR" "$JUNIT_JAR" "$HAMCREST_JAR"; do [[ -f "$j" ]] || die "$j missing after install"; done

# ---- build
JNA_JAR="$JNA_JAR" "$HERE/build.sh"
rm -rf "$HERE/build/test-classes"
mkdir -p "$HERE/build/test-classes"
find "$HERE/src/test/java" -name '*.java' > "$HERE/build/test-sources.txt"
javac --release 17 -encoding UTF-8 -Xlint:all -Werror \
    -cp "$HERE/build/libsts-java.jar:$JNA_JAR:$JUNIT_JAR:$HAMCREST_JAR" \
    -d "$HERE/build/test-classes" @"$HERE/build/test-sources.txt"

# ---- emulators: one per behaviour, each on a free port, killed on exit
props=()
for spec in 'ok' 'malformed --always malformed' 'http500 --always http500' 'throttle --always throttle' 'hang --always hang' 'drop --always drop' 'flaky --fail-first 2 --fail-with throttle' \
    'temporary --key AKIDTEMPORARYEXAMPLE:temporary-key --token AKIDTEMPORARYEXAMPLE:session-token-EXAMPLE'; do
    read -r name args <<<"$spec"
    # shellcheck disable=SC2086 # args are flags, split on purpose
    start_emulator "EMULATOR_$name" $args
    url_var="EMULATOR_$name"
    props+=("-Dsts.emulator.$name=${!url_var}")
done

# ---- run: under LC_ALL=C, the locale where a JNA String argument would lose non-ASCII
cp="$HERE/build/test-classes:$HERE/build/libsts-java.jar:$JNA_JAR:$JUNIT_JAR:$HAMCREST_JAR"
tests=(JsonTest PolicyTest CredentialTest ErrorTest DriftTest ConcurrencyTest LocaleTest)
run_junit() {
    env LC_ALL=C LANG= LIBSTS_PATH="$LIB" RUST_BACKTRACE=0 \
        java -cp "$cp" -Dsts.root="$ROOT" "$@"
}
set +e
run_junit "${props[@]}" org.junit.runner.JUnitCore "${tests[@]/#/com.tencent.cloud.}"
rc=$?
set -e
if ((rc != 0)); then
    echo "--- emulator logs (stderr) ---" >&2
    for f in "$EMULATOR_LOGS"/*.err; do echo "[$(basename "$f" .err)]" >&2; tail -n 20 "$f" >&2; done
fi

# ---- tests/data/bad_configs.json: they name 10.200.0.1 in URLs, so only inside scripts/netns.sh,
# with an emulator of their own there (its log shows whether a request arrived).
echo "== BadConfigTest, in a network namespace"
export -f run_junit
export cp LIB ROOT
set +e
"$ROOT/scripts/netns.sh" bash -c '
    set -euo pipefail
    source "$ROOT/scripts/emulators.sh"
    start_emulator EMULATOR_ok
    run_junit -Dsts.emulator.ok="$EMULATOR_ok" -Dsts.emulator.log="$EMULATOR_LOGS/EMULATOR_ok.err" \
        org.junit.runner.JUnitCore com.tencent.cloud.BadConfigTest'
netns_rc=$?
set -e
((rc != 0)) || rc=$netns_rc
exit "$rc"
