#!/usr/bin/env bash
# Python binding tests: installs the test tools if missing, pip-installs this package (which
# builds/bundles libsts.so with cargo), starts the STS emulators on 127.0.0.1 and runs pytest.
# Expects `cargo build --release` to have produced target/release/libsts.so and sts-emulator.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LIB="$ROOT/target/release/libsts.so"
EMULATOR="$ROOT/target/release/sts-emulator"
PYTHON="${PYTHON:-python3}"

die() { echo "bindings/python/test.sh: $*" >&2; exit 1; }

[ -f "$LIB" ] || die "$LIB is missing: run 'cargo build --release' in $ROOT first"
[ -x "$EMULATOR" ] || die "$EMULATOR is missing: run 'cargo build --release' in $ROOT first"
command -v "$PYTHON" >/dev/null || die "'$PYTHON' not found (set PYTHON to a Python 3.8+ interpreter)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 8))' || die "$PYTHON is older than 3.8"
"$PYTHON" -m pip --version >/dev/null 2>&1 || die "pip is not available for $PYTHON"

# Test tools, only when missing (qcloud-python-sts pinned: the differential tests compare with 3.1.6).
if ! "$PYTHON" - <<'PY'
import importlib.metadata as m, sys
try:
    import pytest, hypothesis  # noqa: F401
    sys.exit(m.version("qcloud-python-sts") != "3.1.6")
except Exception:
    sys.exit(1)
PY
then
    echo "== installing pytest, hypothesis, qcloud-python-sts==3.1.6"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check pytest hypothesis "qcloud-python-sts==3.1.6"
fi

echo "== pip install $HERE (cargo build --release --lib, bundles libsts.so)"
"$PYTHON" -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "$HERE"

# Emulators: one per behaviour the tests need (names and flags as in tests/conftest.py).
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_emulator() {
    local name="$1"; shift
    : >"$WORK/$name.out"
    "$EMULATOR" --port 0 "$@" >>"$WORK/$name.out" 2>"$WORK/$name.err" &
    PIDS+=("$!")
    local line="" i
    for i in $(seq 1 100); do
        # A complete first line (newline included) or keep waiting.
        if [ "$(wc -l <"$WORK/$name.out")" -ge 1 ]; then line="$(head -n 1 "$WORK/$name.out")"; break; fi
        kill -0 "${PIDS[-1]}" 2>/dev/null || die "sts-emulator $name exited: $(cat "$WORK/$name.err")"
        sleep 0.1
    done
    [[ "$line" =~ ^sts-emulator\ listening\ on\ (http://127\.0\.0\.1:[0-9]+/)$ ]] \
        || die "sts-emulator $name did not print its address (got '$line')"
    export "LIBSTS_TEST_EMU_$name=${BASH_REMATCH[1]}"
}

start_emulator MAIN --key AKIDEMULATOREXAMPLE0000000000000000:emulator-secret-key-EXAMPLE \
    --key AKIDPXXX:EH8xxx --key AKIDxx:EH8oxx --key AKIDdemoEnv:demo-env-key
start_emulator SLOW --latency-ms 600
start_emulator HTTP500 --always http500
start_emulator THROTTLE --always throttle
start_emulator MALFORMED --always malformed
start_emulator WRONGSHAPE --always wrong-shape
start_emulator FLAKY --fail-first 2 --fail-with http503
start_emulator HANG --always hang

export LIBSTS_PATH="$LIB"
export PYTHONDONTWRITEBYTECODE=1
cd "$HERE"
echo "== pytest (libsts $("$PYTHON" -c 'import libsts; print(libsts.library_version(), libsts.library_path())'))"
"$PYTHON" -m pytest -p no:cacheprovider -ra -o addopts= tests
