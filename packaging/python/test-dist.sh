#!/usr/bin/env bash
# make test-dist-python: packaging/python/test-dist.sh DIST VERSION
# Checks the sdist's contents and the wheel's manylinux tag (auditwheel show), then installs the
# wheel into a fresh venv in a scratch directory with no index, no Rust toolchain on PATH and the
# checkout hidden (scripts/dist-env.sh), and runs dropin.py there against the emulator.
set -euo pipefail
dist="$1"
version="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/scripts/dist-env.sh"
step() { echo "== test-dist-python: $*"; }

sdist="$dist/libsts-$version.tar.gz"
wheels=("$dist"/libsts-"$version"-py3-none-manylinux_*.whl)
[[ -f "$sdist" ]] || dist_fail "$sdist is missing: run 'make dist-python'"
[[ -f "${wheels[0]}" && ${#wheels[@]} -eq 1 ]] || dist_fail "expected one manylinux wheel for $version in $dist: $(ls "$dist")"
wheel="${wheels[0]}"

step "sdist holds the crate it builds from"
listing="$(tar -tzf "$sdist")"
for file in pyproject.toml setup.py src/libsts/__init__.py src/libsts/_ffi.py rust/Cargo.toml rust/Cargo.lock \
    rust/build.rs rust/src/lib.rs rust/src/ffi.rs rust/include/sts.h rust/emulator/Cargo.toml; do
    grep -qx "libsts-$version/$file" <<<"$listing" || dist_fail "the sdist lacks $file"
done
! grep -q "/target/" <<<"$listing" || dist_fail "the sdist holds a cargo target directory"

step "auditwheel show: a manylinux tag"
show="$("$root/target/dist-python/venv/bin/auditwheel" show "$wheel")" || dist_fail "auditwheel show failed"
grep -q 'consistent with the following platform tag: "manylinux_[0-9_]*_'"$(uname -m)"'"' <<<"$(tr '\n' ' ' <<<"$show")" ||
    dist_fail "auditwheel show reports no manylinux tag: $show"
contents="$(python3 -m zipfile -l "$wheel")"
grep -q '^libsts/libsts.so ' <<<"$contents" || dist_fail "the wheel has no libsts/libsts.so: $contents"

dist_scratch scratch
cp "$wheel" "$here/dropin.py" "$here/user-test.sh" "$scratch/"
start_emulator STS_EMULATOR_URL
dist_isolated env -u LIBSTS_PATH -u PYTHONPATH STS_VERSION="$version" bash "$scratch/user-test.sh" "$scratch/$(basename "$wheel")" "$scratch"
