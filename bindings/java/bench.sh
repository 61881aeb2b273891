#!/usr/bin/env bash
# Throughput of 32 concurrent callers against STS emulators answering in 30 ms: the Java binding's
# getCredentialAsync (CompletableFutures) and blocking getCredential, next to the vendor SDK
# com.qcloud:cos-sts_api, in one JVM (src/bench/java/.../AsyncBench.java). Not part of test.sh
# (whose `mvn verify` only compiles the benchmark): the binding is built with its pom.xml (the jar
# carries libsts.so), the vendor SDK comes from Maven Central through mvn (bench/vendor-pom.xml);
# BENCH_VENDOR=0 skips it. Needs `make build` first.
# Environment: BENCH_CALLERS (32), BENCH_CALLS (2000), BENCH_ROUNDS (3).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/binding-test-env.sh"
command -v mvn >/dev/null || die "mvn not found (scripts/install-deps.sh, or apt-get install maven)"
mkdir -p "$HERE/build" "$HERE/target"
# The jar and the benchmark's classes (target/bench-classes), and the jar's dependencies.
if ! mvn -B -q -ntp -Dstyle.color=never -f "$HERE/pom.xml" -Dlibsts.dir="$(dirname "$LIB")" -DskipTests package \
    dependency:build-classpath -Dmdep.outputFile="$HERE/target/binding-classpath.txt" >"$HERE/target/mvn-binding.log" 2>&1; then
    cat "$HERE/target/mvn-binding.log" >&2
    die "mvn could not build the binding"
fi
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)"
binding_cp="$HERE/target/bench-classes:$HERE/target/cos-sts-libsts-$version.jar:$(cat "$HERE/target/binding-classpath.txt")"

vendor_cp=""
if [[ "${BENCH_VENDOR:-1}" != 0 ]]; then
    command -v mvn >/dev/null || die "mvn not found (apt-get install maven), or run with BENCH_VENDOR=0"
    if ! mvn -B -q -Dstyle.color=never -f "$HERE/bench/vendor-pom.xml" dependency:build-classpath \
        -Dmdep.outputFile="$HERE/build/vendor-classpath.txt" >"$HERE/build/mvn.log" 2>&1; then
        cat "$HERE/build/mvn.log" >&2
        die "mvn could not resolve com.qcloud:cos-sts_api (run with BENCH_VENDOR=0 to skip the vendor SDK)"
    fi
    vendor_cp="$(cat "$HERE/build/vendor-classpath.txt")"
fi

# The vendor SDK always uses https: an HTTPS emulator with the repository's test-only certificate,
# trusted by this JVM only (a truststore holding just the test-only CA).
rm -f "$HERE/build/bench-truststore.p12"
keytool -importcert -noprompt -alias libsts-test-only-ca -file "$ROOT/tests/data/test-only-ca.pem" \
    -keystore "$HERE/build/bench-truststore.p12" -storetype PKCS12 -storepass bench-only >/dev/null 2>&1
start_emulator BENCH_HTTP --latency-ms 30 --max-connections 1024
# start_emulator expects an http:// URL, so the HTTPS one is started here (and stopped on exit).
"$EMULATOR" --port 0 --latency-ms 30 --max-connections 1024 \
    --tls-cert "$ROOT/tests/data/test-only-server.pem" --tls-key "$ROOT/tests/data/test-only-server.key.pem" \
    >"$EMULATOR_LOGS/https.out" 2>"$EMULATOR_LOGS/https.err" &
https_pid=$!
trap 'kill "$https_pid" 2>/dev/null || true; stop_emulators' EXIT
BENCH_HTTPS=""
for _ in $(seq 100); do
    if [[ "$(head -n 1 "$EMULATOR_LOGS/https.out")" =~ ^sts-emulator\ listening\ on\ (https://127\.0\.0\.1:[0-9]+/)$ ]]; then
        BENCH_HTTPS="${BASH_REMATCH[1]}"
        break
    fi
    kill -0 "$https_pid" 2>/dev/null || die "the HTTPS emulator exited: $(cat "$EMULATOR_LOGS/https.err")"
    sleep 0.1
done
[[ -n "$BENCH_HTTPS" ]] || die "the HTTPS emulator did not print its address"

java -cp "$binding_cp" \
    -Djavax.net.ssl.trustStore="$HERE/build/bench-truststore.p12" -Djavax.net.ssl.trustStoreType=PKCS12 \
    -Djavax.net.ssl.trustStorePassword=bench-only \
    -Dbench.url="$BENCH_HTTP" -Dbench.httpsUrl="$BENCH_HTTPS" -Dbench.caFile="$ROOT/tests/data/test-only-ca.pem" \
    -Dbench.vendorClasspath="$vendor_cp" -Dbench.latencyMs=30 \
    -Dbench.callers="${BENCH_CALLERS:-32}" -Dbench.calls="${BENCH_CALLS:-2000}" -Dbench.rounds="${BENCH_ROUNDS:-3}" \
    com.tencent.cloud.bench.AsyncBench
