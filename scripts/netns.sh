#!/usr/bin/env bash
# Runs a command inside a fresh network namespace (unshare -n) whose only interface is loopback,
# with the trap address 10.200.0.1 added to it:
#   scripts/netns.sh command [args...]
# Tests that name a non-loopback address (even one they expect libsts to refuse) run through this,
# so that a regression can never send a request off this machine: inside, 10.200.0.1 is a local
# address where a test may listen and assert that nothing arrived, and nothing else is routable.
set -euo pipefail
if [ "${STS_IN_NETNS:-}" != 1 ]; then
    command -v unshare >/dev/null || { echo "netns.sh: unshare (util-linux) is missing" >&2; exit 1; }
    command -v ip >/dev/null || { echo "netns.sh: ip (iproute2) is missing" >&2; exit 1; }
    exec unshare -n env STS_IN_NETNS=1 "$0" "$@"
fi
ip link set lo up
ip addr add 10.200.0.1/32 dev lo
exec "$@"
