#!/usr/bin/env bash
# Runs a command next to a fresh sts-emulator on 127.0.0.1:
#   scripts/with-emulator.sh [emulator flags...] -- command [args...]
# The command sees STS_EMULATOR_URL (e.g. http://127.0.0.1:40123/). The emulator is stopped
# when the command ends, whatever its outcome; the command's exit code is returned.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
emulator="$root/target/release/sts-emulator"
[ -x "$emulator" ] || { echo "with-emulator: $emulator is missing; run 'make build' first" >&2; exit 2; }

flags=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do flags+=("$1"); shift; done
[ "${1:-}" = "--" ] || { echo "usage: with-emulator.sh [emulator flags] -- command" >&2; exit 2; }
shift

log=$(mktemp)
fifo=$(mktemp -u)
mkfifo "$fifo"
"$emulator" --port 0 "${flags[@]}" >"$fifo" 2>"$log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$fifo" "$log"' EXIT
exec 3<"$fifo"
if ! read -r -t 10 line <&3; then
    echo "with-emulator: the emulator did not start:" >&2
    cat "$log" >&2
    exit 2
fi
# Keep draining its stdout so it never blocks on a full pipe.
cat <&3 >/dev/null &
url=${line##* }
export STS_EMULATOR_URL="$url"
"$@"
