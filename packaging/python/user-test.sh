#!/usr/bin/env bash
# What a Python user does, run by test-dist.sh inside dist_isolated (no Rust toolchain, checkout
# hidden): user-test.sh WHEEL WORK. A fresh venv, `pip install --no-index WHEEL` (the package
# has no dependencies), then dropin.py against STS_EMULATOR_URL.
set -euo pipefail
wheel="$1"
work="$2"
fail() {
    echo "test-dist-python: $*" >&2
    exit 1
}
step() { echo "== test-dist-python: $*"; }
cd "$work"

step "no Rust toolchain, no checkout"
! command -v cargo >/dev/null || fail "cargo is on PATH: $(command -v cargo)"
if [[ -n "$STS_DIST_HIDDEN" ]]; then
    [[ -z "$(ls -A "$STS_DIST_HIDDEN")" ]] || fail "the checkout $STS_DIST_HIDDEN is still visible"
fi

step "pip install --no-index $(basename "$wheel")"
python3 -m venv venv
venv/bin/python -m pip install --quiet --no-index --disable-pip-version-check "$wheel" || fail "pip install failed"
library="$(venv/bin/python -c 'import libsts; print(libsts.library_path())')"
[[ "$library" == "$work/venv/"*"/site-packages/libsts/libsts.so" ]] || fail "libsts loads $library, not the wheel's"

step "one version: $STS_VERSION; the vendor demos' names against the emulator"
PYTHONDONTWRITEBYTECODE=1 venv/bin/python dropin.py
step "ok"
