# Sourced (bash) by each package's test (packaging/*/test-dist.sh, run by `make test-dist-NAME`):
#
#   source scripts/dist-env.sh
#   dist_scratch VAR             # VAR=a new directory outside the checkout, removed at exit
#   dist_isolated CMD [ARGS...]  # runs CMD the way a user of the package would: PATH without
#                                # cargo/rustc/rustup, no LD_LIBRARY_PATH/PKG_CONFIG_PATH/
#                                # CMAKE_PREFIX_PATH, cwd /, and the checkout hidden under an
#                                # empty tmpfs (a private mount namespace)
#   dist_fail MESSAGE            # prints and exits 1
#
# It sources emulators.sh too: start_emulator with STS_EMULATOR_BIN pointing at the packaged
# emulator starts it outside the isolation; its URL reaches CMD through the environment.
# CMD sees STS_DIST_HIDDEN (the hidden checkout's path, empty when it could not be hidden) so it
# can check that it really sees nothing there. STS_DIST_KEEP=1 keeps the scratch directories.

_dist_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
source "$_dist_root/scripts/emulators.sh"
_dist_scratch_dirs=()

_dist_cleanup() {
    stop_emulators # they may run a binary from a scratch directory
    if [[ "${STS_DIST_KEEP:-}" == 1 ]]; then
        [[ ${#_dist_scratch_dirs[@]} -eq 0 ]] || echo "dist-env: kept ${_dist_scratch_dirs[*]}" >&2
    elif [[ ${#_dist_scratch_dirs[@]} -gt 0 ]]; then
        rm -rf "${_dist_scratch_dirs[@]}"
    fi
}
# emulators.sh owns the EXIT trap; this one does its work and then stops the emulators.
trap _dist_cleanup EXIT

dist_fail() {
    echo "test-dist: $*" >&2
    exit 1
}

dist_scratch() {
    local dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/libsts-dist.XXXXXX")"
    dir="$(cd "$dir" && pwd -P)"
    _dist_scratch_dirs+=("$dir")
    case "$dir/" in
    "$_dist_root"/*) dist_fail "scratch directory $dir is inside the checkout: set TMPDIR elsewhere" ;;
    esac
    printf -v "$1" %s "$dir"
}

# PATH minus every directory holding a Rust tool.
_dist_user_path() {
    local dir kept=() parts
    IFS=: read -ra parts <<<"$PATH"
    for dir in "${parts[@]}"; do
        [[ -n "$dir" && ! -e "$dir/cargo" && ! -e "$dir/rustc" && ! -e "$dir/rustup" ]] && kept+=("$dir")
    done
    local IFS=:
    echo "${kept[*]}"
}

dist_isolated() {
    local user_path
    user_path="$(_dist_user_path)"
    local -a clean_env=(env -u LD_LIBRARY_PATH -u LD_PRELOAD -u PKG_CONFIG_PATH -u CMAKE_PREFIX_PATH -u CARGO_HOME
        -u RUSTUP_HOME -u CARGO_TARGET_DIR -u RUSTFLAGS "PATH=$user_path")
    # In the new mount namespace: an empty tmpfs over the checkout, then leave it (the old cwd
    # would still reach the real files).
    local hide='mount -t tmpfs -o size=64k,mode=0755 libsts-dist-hidden "$STS_DIST_HIDDEN" && cd / && exec "$@"'
    local -a unshare_flags=()
    if unshare -m --propagation private true 2>/dev/null; then
        unshare_flags=(-m --propagation private)
    elif unshare -rm --propagation private true 2>/dev/null; then
        unshare_flags=(-rm --propagation private)
    fi
    if [[ ${#unshare_flags[@]} -gt 0 ]]; then
        unshare "${unshare_flags[@]}" "${clean_env[@]}" "STS_DIST_HIDDEN=$_dist_root" bash -c "$hide" dist-isolated "$@"
    else
        echo "dist-env: no mount namespace here (needs root or user namespaces), so the checkout stays" \
            "visible; the checks that nothing refers to it still run" >&2
        (cd / && "${clean_env[@]}" STS_DIST_HIDDEN= "$@")
    fi
}
