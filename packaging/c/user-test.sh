#!/usr/bin/env bash
# What a user of the C/C++ package does, run by test-dist.sh inside dist_isolated (no Rust
# toolchain, checkout hidden): user-test.sh PKG WORK
#   PKG   the unpacked package (bin/ include/ lib/)
#   WORK  a scratch directory with src/example.c and src/cpp/ (copies of the user's programs)
# Environment: STS_VERSION (Cargo.toml's), STS_EMULATOR_URL, STS_EMULATOR_MALFORMED_URL,
# STS_DIST_HIDDEN (the hidden checkout, or empty).
set -euo pipefail
pkg="$1"
work="$2"
version="$STS_VERSION"
fail() {
    echo "test-dist-c: $*" >&2
    exit 1
}
step() { echo "== test-dist-c: $*"; }
cd "$work"

step "no Rust toolchain, no checkout"
! command -v cargo >/dev/null || fail "cargo is on PATH: $(command -v cargo)"
! command -v rustc >/dev/null || fail "rustc is on PATH: $(command -v rustc)"
if [[ -n "$STS_DIST_HIDDEN" ]]; then
    [[ -z "$(ls -A "$STS_DIST_HIDDEN")" ]] || fail "the checkout $STS_DIST_HIDDEN is still visible"
fi

step "layout"
# The soname as build.rs sets it: 0.MINOR in 0.x, the major from 1.0 on.
soname_file="lib/libsts.so.${version%.*}"
if [[ "${version%%.*}" != 0 ]]; then soname_file="lib/libsts.so.${version%%.*}"; fi
expected="bin/sts-emulator
include/sts.h
include/sts.hpp
lib/cmake/sts/stsConfig.cmake
lib/cmake/sts/stsConfigVersion.cmake
lib/libsts.a
lib/libsts.so
$soname_file
lib/libsts.so.$version
lib/pkgconfig/sts.pc"
actual="$(cd "$pkg" && find . -not -type d | sed 's|^\./||' | LC_ALL=C sort)"
[[ "$actual" == "$expected" ]] || fail "package files differ from the expected list:
$(diff <(echo "$expected") <(echo "$actual") || true)"
[[ "$(readlink "$pkg/lib/libsts.so")" == "$(basename "$soname_file")" ]] || fail "lib/libsts.so does not point at the soname"
[[ "$(readlink "$pkg/$soname_file")" == "libsts.so.$version" ]] || fail "$soname_file does not point at libsts.so.$version"
elf="$(readelf -d -S --wide "$pkg/lib/libsts.so.$version")"
grep -q "Library soname: \[$(basename "$soname_file")\]" <<<"$elf" || fail "libsts.so.$version has another soname"
! grep -q '\.debug_' <<<"$elf" || fail "libsts.so.$version still has debug sections"
! grep -qE 'RPATH|RUNPATH' <<<"$elf" || fail "libsts.so.$version carries an rpath"

step "one version everywhere: $version"
export PKG_CONFIG_PATH="$pkg/lib/pkgconfig"
[[ "$(pkg-config --modversion sts)" == "$version" ]] || fail "sts.pc says $(pkg-config --modversion sts)"
[[ "$(cd "$(pkg-config --variable=prefix sts)" && pwd -P)" == "$(cd "$pkg" && pwd -P)" ]] ||
    fail "sts.pc's prefix $(pkg-config --variable=prefix sts) is not where the package is"
macros="$(sed -n 's/^#define STS_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' "$pkg/include/sts.h" | paste -sd.)"
[[ "$macros" == "$version" ]] || fail "sts.h's STS_VERSION_* say $macros"
[[ "$("$pkg/bin/sts-emulator" --version)" == "sts-emulator $version" ]] || fail "sts-emulator --version: $("$pkg/bin/sts-emulator" --version)"
major="${version%%.*}"
minor="$(cut -d. -f2 <<<"$version")"
check_find() { # find_package(sts $1) must be compatible ($2 = TRUE) or not (FALSE)
    cmake -DCONFIG_VERSION_FILE="$pkg/lib/cmake/sts/stsConfigVersion.cmake" -DFIND="$1" -DEXPECT="$2" \
        -DPOINTER_SIZE="${3:-8}" -P "$work/src/cpp/package_version.cmake" || fail "stsConfigVersion.cmake: find_package(sts $1)"
}
check_find "$version" TRUE
check_find "$major.$minor" TRUE
check_find "$major.$((minor + 1))" FALSE
check_find "$((major + 1)).0" FALSE
if [[ "$major" == 0 && "$minor" -gt 0 ]]; then check_find "0.$((minor - 1))" FALSE; fi
check_find "$version" FALSE 4

step "C: example.c with pkg-config, against the packaged emulator"
# shellcheck disable=SC2046 # pkg-config's output is a list of flags
cc -std=c99 -Wall -Wextra -Werror -pedantic src/example.c $(pkg-config --cflags --libs sts) \
    -Wl,-rpath,"$(pkg-config --variable=libdir sts)" -o example
# (ldd's output is captured first: `ldd | grep -q` under pipefail fails when grep stops early.)
deps="$(ldd ./example)"
grep -q "libsts.so.* => $(pkg-config --variable=libdir sts)/" <<<"$deps" || fail "example does not load the packaged libsts:
$deps"
TENCENTCLOUD_SECRET_ID=AKIDEMULATOREXAMPLE0000000000000000 TENCENTCLOUD_SECRET_KEY=emulator-secret-key-EXAMPLE \
    ./example "$STS_EMULATOR_URL" >example.out || fail "example failed: $(cat example.out)"
[[ "$(head -n 1 example.out)" == "libsts $version" ]] || fail "sts_version() says $(head -n 1 example.out)"
grep -q '^sts_get_policy -> 0$' example.out || fail "no policy: $(cat example.out)"
grep -q '"resource":\["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/uploads/user-42/\*"\]' example.out ||
    fail "unexpected policy: $(cat example.out)"
grep -q '^sts_get_credential -> 0$' example.out || fail "no credential: $(cat example.out)"
grep -q '"sessionToken":"' example.out || fail "credential without a session token: $(cat example.out)"

step "C++: find_package(sts) + GoogleTest, shared, static and under ASan/UBSan"
cmake -S src/cpp -B build-cpp -DCMAKE_PREFIX_PATH="$pkg" -DSTS_EXPECTED_VERSION="$version" \
    -DCMAKE_BUILD_TYPE=Debug >cmake.log || fail "cmake configure failed: $(cat cmake.log)"
cmake --build build-cpp --parallel 2 >build.log 2>&1 || fail "C++ build failed: $(cat build.log)"
deps="$(ldd build-cpp/sts_cpp_test)"
grep -q "libsts.so.* => $pkg/lib/" <<<"$deps" || fail "sts_cpp_test does not load the packaged libsts: $deps"
deps="$(ldd build-cpp/sts_cpp_test_static)"
! grep -q libsts <<<"$deps" || fail "sts_cpp_test_static loads a shared libsts: $deps"
build-cpp/sts_cpp_test --gtest_brief=1
build-cpp/sts_cpp_test_static --gtest_brief=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    build-cpp/sts_cpp_test_asan --gtest_brief=1
step "ok"
