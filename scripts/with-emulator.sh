#!/usr/bin/env bash
# Runs a command next to a fresh sts-emulator on 127.0.0.1:
#   scripts/with-emulator.sh [emulator flags...] -- command [args...]
# The command sees STS_EMULATOR_URL (e.g. http://127.0.0.1:40123/). The emulator is stopped
# when the command ends, whatever its outcome; the command's exit code is returned.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/emulators.sh"

flags=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do flags+=("$1"); shift; done
[ "${1:-}" = "--" ] || { echo "usage: with-emulator.sh [emulator flags] -- command" >&2; exit 2; }
shift

start_emulator STS_EMULATOR_URL "${flags[@]}"
"$@"
