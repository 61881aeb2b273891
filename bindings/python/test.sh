#!/usr/bin/env bash
# Python binding tests: installs the test tools if missing, pip-installs this package (which
# builds/bundles libsts.so with cargo), starts the STS emulators on 127.0.0.1 and runs pytest, then
# runs tests/netns inside scripts/netns.sh.
# Expects `cargo build --release` to have produced target/release/libsts.so and sts-emulator.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/binding-test-env.sh"
PYTHON="${PYTHON:-python3}"

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

echo "== pip install $HERE (setuptools-rust runs cargo for the cdylib, bundles libsts.so)"
"$PYTHON" -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "$HERE"

# Emulators: one per behaviour the tests need (names and flags as in tests/conftest.py).
start_emulator LIBSTS_TEST_EMU_MAIN --key AKIDEMULATOREXAMPLE0000000000000000:emulator-secret-key-EXAMPLE \
    --key AKIDPXXX:EH8xxx --key AKIDxx:EH8oxx --key AKIDdemoEnv:demo-env-key
start_emulator LIBSTS_TEST_EMU_SLOW --latency-ms 600
start_emulator LIBSTS_TEST_EMU_LAT200 --latency-ms 200
start_emulator LIBSTS_TEST_EMU_HTTP500 --always http500
start_emulator LIBSTS_TEST_EMU_THROTTLE --always throttle
start_emulator LIBSTS_TEST_EMU_MALFORMED --always malformed
start_emulator LIBSTS_TEST_EMU_WRONGSHAPE --always wrong-shape
start_emulator LIBSTS_TEST_EMU_FLAKY --fail-first 2 --fail-with http503
start_emulator LIBSTS_TEST_EMU_HANG --always hang
start_emulator LIBSTS_TEST_EMU_IDENTITY --key AKIDEMULATOREXAMPLE0000000000000000:emulator-secret-key-EXAMPLE \
    --key AKIDTEMPORARYEXAMPLE:temporary-key --token AKIDTEMPORARYEXAMPLE:session-token-EXAMPLE \
    --web-identity tke-oidc:eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJFWEFNUExFIn0.OIDC-TOKEN-EXAMPLE

export LIBSTS_PATH="$LIB"
export PYTHONDONTWRITEBYTECODE=1
cd "$HERE"
echo "== pytest (libsts $("$PYTHON" -c 'import libsts; print(libsts.library_version(), libsts.library_path())'))"
status=0  # both parts run; the script fails if either did
"$PYTHON" -m pytest -p no:cacheprovider -ra -o addopts= tests || status=$?

# The shared bad configs name non-loopback addresses: in a fresh network namespace (10.200.0.1 is
# a local trap there), with an emulator started inside it whose log shows whether anything arrived.
echo "== pytest tests/netns (inside scripts/netns.sh)"
"$ROOT/scripts/netns.sh" bash -c '
    set -euo pipefail
    source "$1/scripts/emulators.sh"
    start_emulator LIBSTS_TEST_EMU_BAD
    export LIBSTS_TEST_EMU_BAD_LOG="$EMULATOR_LOGS/LIBSTS_TEST_EMU_BAD.err"
    "$2" -m pytest -p no:cacheprovider -ra -o addopts= tests/netns/test_bad_configs.py
' netns-tests "$ROOT" "$PYTHON" || status=$?
exit "$status"
