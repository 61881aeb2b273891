#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a bounded time; fails on the first crash.
#
#   scripts/fuzz.sh                 # each target FUZZ_SECONDS (default 60) seconds
#   FUZZ_SECONDS=10 scripts/fuzz.sh config policy
#
# cargo-fuzz needs nightly-only rustc flags (-Zsanitizer=address, sancov passes). Only a
# stable toolchain is available here, so the route is RUSTC_BOOTSTRAP=1, which lets stable
# rustc accept -Z flags; the toolchain ships the ASan runtime for x86_64-unknown-linux-gnu.
# The exact command per target is:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/corpus/<target> -- -max_total_time=60
# (run from fuzz/'s parent directory). New inputs are written to a scratch corpus, not
# into fuzz/corpus/ (the committed seeds stay small); a crash leaves its reproducer in
# fuzz/artifacts/<target>/, which should be turned into a #[test] in tests/fuzz_regressions.rs.
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(config policy response c_abi)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz from crates.io"
  cargo install --locked cargo-fuzz
fi

export RUSTC_BOOTSTRAP=1
# The fuzzer must never reach past 127.0.0.1: no proxy from the environment (the c_abi
# target also forces "proxy":"" and url http://127.0.0.1:1/).
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy
# A config without a key would otherwise end the credential chain at the CVM metadata server.
export TENCENTCLOUD_METADATA_DISABLED=true
unset TENCENTCLOUD_METADATA_ENDPOINT TKE_PROVIDER_ID TKE_ROLE_ARN TKE_WEB_IDENTITY_TOKEN_FILE TKE_IDENTITY_TOKEN_FILE
export RUST_BACKTRACE=1

echo "== building fuzz targets (release, ASan, sancov)"
cargo fuzz build -O

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target"
  echo "== fuzzing $target for ${seconds}s"
  log="$scratch/$target.log"
  # Scratch corpus first (new inputs land there), the committed seeds read-only after it.
  if ! cargo fuzz run -O "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
      -print_final_stats=1 >"$log" 2>&1; then
    tail -60 "$log"
    echo "== $target: CRASH (reproducer in fuzz/artifacts/$target/)" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  echo "   $target: ${runs:-?} runs, ${speed:-?} execs/s, no crash"
done
echo "== fuzz: all targets ran ${seconds}s without a crash"
