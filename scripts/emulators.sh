# Sourced (bash) by the test scripts:
#
#   source scripts/emulators.sh
#   start_emulator VAR [sts-emulator flags...]   # exports VAR=http://127.0.0.1:PORT/
#
# Each call starts target/release/sts-emulator (or $STS_EMULATOR_BIN) on a free port of
# 127.0.0.1 and returns once it listens. Every emulator started is stopped when the sourcing
# shell exits (this file owns the EXIT trap). Their stderr logs are in $EMULATOR_LOGS/VAR.err.

_emulators_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STS_EMULATOR_BIN="${STS_EMULATOR_BIN:-$_emulators_root/target/release/sts-emulator}"
EMULATOR_LOGS="$(mktemp -d)"
_emulator_pids=()

stop_emulators() {
    local pid
    for pid in "${_emulator_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${_emulator_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$EMULATOR_LOGS"
}
trap stop_emulators EXIT
trap 'exit 130' INT TERM

_emulator_fail() {
    echo "start_emulator: $*" >&2
    exit 1
}

start_emulator() {
    local var="$1"
    shift
    local out="$EMULATOR_LOGS/$var.out" err="$EMULATOR_LOGS/$var.err" line="" i
    [[ -x "$STS_EMULATOR_BIN" ]] || _emulator_fail "$STS_EMULATOR_BIN is missing: run 'make build' first"
    "$STS_EMULATOR_BIN" --port 0 "$@" >"$out" 2>"$err" &
    _emulator_pids+=("$!")
    # Up to 30 s: a loaded CI machine can take seconds to start a process.
    for i in $(seq 300); do
        # A complete first line (newline included) means it is listening.
        if [[ "$(wc -l <"$out")" -ge 1 ]]; then
            line="$(head -n 1 "$out")"
            break
        fi
        kill -0 "${_emulator_pids[-1]}" 2>/dev/null || _emulator_fail "sts-emulator $* exited: $(cat "$err")"
        sleep 0.1
    done
    [[ "$line" =~ ^sts-emulator\ listening\ on\ (http://127\.0\.0\.1:[0-9]+/)$ ]] \
        || _emulator_fail "sts-emulator $* did not print its address (got '$line'; stderr: $(head -c 2000 "$err"))"
    export "$var=${BASH_REMATCH[1]}"
}
