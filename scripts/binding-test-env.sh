# Sourced (bash) by bindings/*/test.sh, right after `set -euo pipefail`:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/binding-test-env.sh"
#
# Sets HERE (the binding's directory), ROOT (the repository), LIB (target/release/libsts.so) and
# EMULATOR (target/release/sts-emulator), defines `die MESSAGE` (prefixed with the script's
# name, exits 1), stops early when `cargo build --release` has not produced LIB and EMULATOR, and
# sources scripts/emulators.sh (start_emulator; every emulator is stopped on exit). It also keeps
# the credential chain off the network (TENCENTCLOUD_METADATA_DISABLED=true).

HERE="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LIB="$ROOT/target/release/libsts.so"
EMULATOR="$ROOT/target/release/sts-emulator"
_binding_test_name="${HERE#"$ROOT"/}/$(basename "${BASH_SOURCE[1]}")"

die() {
    echo "$_binding_test_name: $*" >&2
    exit 1
}

[[ -f "$LIB" ]] || die "$LIB is missing: run 'cargo build --release' in $ROOT first"
[[ -x "$EMULATOR" ]] || die "$EMULATOR is missing: run 'cargo build --release' in $ROOT first (the emulator feature is on by default)"

# shellcheck source=emulators.sh
source "$ROOT/scripts/emulators.sh"

# A call without a key ends the credential chain at the CVM metadata server
# (metadata.tencentyun.com): never from a test. Nor does a TKE or profile setup of the machine
# running the tests leak in.
export TENCENTCLOUD_METADATA_DISABLED=true
unset TENCENTCLOUD_METADATA_ENDPOINT TENCENTCLOUD_CREDENTIALS_FILE TENCENTCLOUD_PROFILE
unset TKE_PROVIDER_ID TKE_ROLE_ARN TKE_WEB_IDENTITY_TOKEN_FILE TKE_IDENTITY_TOKEN_FILE TKE_REGION
