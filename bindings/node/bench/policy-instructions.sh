#!/usr/bin/env bash
# Instructions per call of each part of getPolicy (the rows of policy-parts.js), counted with
# callgrind: each row runs alone at 0 and N calls (after the same 20,000 warm-up calls) and the
# difference over N is printed. `node --predictable` makes V8 compile and collect garbage on the
# main thread, so a count repeats within 0.1 % from run to run (without it, background
# compilation moved the totals by several thousand instructions per call). Steadier than wall-clock
# time on a shared machine, but V8's optimising is then synchronous: the counts are this mode's.
# For the koffi call row it also reports the instructions inside sts_get_policy and sts_string_free
# (callgrind's inclusive cost): libsts's own work, the rest being koffi's.
#   bash bindings/node/bench/policy-instructions.sh [N]   (default 20000; needs valgrind)
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
N="${1:-20000}"
command -v valgrind >/dev/null || { echo "policy-instructions.sh: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
command -v callgrind_annotate >/dev/null || { echo "policy-instructions.sh: callgrind_annotate is missing" >&2; exit 1; }
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# count ROW CALLS: total instructions of the run; its callgrind file is $OUT/ROW.CALLS. stdin is
# /dev/null: the run must not eat the row names the loop below reads.
count() {
    BENCH_POLICY_ONLY="$1" BENCH_POLICY_CALLS="$2" valgrind --tool=callgrind --callgrind-out-file="$OUT/$1.$2" \
        node --predictable "$BENCH/policy-parts.js" </dev/null 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
# inclusive FILE FUNCTION: instructions spent in FUNCTION and what it called
inclusive() {
    # awk reads to the end (no `exit`): under pipefail a SIGPIPE'd callgrind_annotate would fail the script
    callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null | awk -v f=":$2 [" '!done && index($0, f) { gsub(",", "", $1); print $1; done = 1 }'
}

echo "| part | instructions per call |"
echo "|---|---|"
node "$BENCH/policy-parts.js" --names | while IFS=$'\t' read -r i name; do
    base="$(count "$i" 0)"
    full="$(count "$i" "$N")"
    [[ -n "$base" && -n "$full" ]] || { echo "policy-instructions.sh: no count for row $i" >&2; exit 1; }
    echo "| $name | $(( (full - base) / N )) |"
    if [[ "$name" == "koffi call sts_get_policy + sts_string_free"* ]]; then
        core=0
        for f in sts_get_policy sts_string_free; do
            a="$(inclusive "$OUT/$i.0" "$f")"
            b="$(inclusive "$OUT/$i.$N" "$f")"
            [[ -n "$a" && -n "$b" ]] || { echo "policy-instructions.sh: no inclusive count for $f" >&2; exit 1; }
            echo "|   inside $f (libsts) | $(( (b - a) / N )) |"
            core=$(( core + (b - a) / N ))
        done
        echo "|   koffi's marshalling for the two calls (the rest) | $(( (full - base) / N - core )) |"
    fi
done
