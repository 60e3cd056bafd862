#!/usr/bin/env bash
# How long does a clean release build take, against a baseline commit? Checks out the baseline
# and HEAD (committed state) into temporary worktrees and builds each from clean (its own empty
# target directory; the cargo registry is shared, so nothing is downloaded twice), one build at a
# time, alternating which goes first in each pair. Prints every build's wall and CPU time and the
# medians' ratios (new / baseline) as Markdown. Run it on an idle machine.
#
#   bash ci/measure-build-time.sh                    # baseline 8414406 (round 2), 3 pairs
#   PAIRS=5 bash ci/measure-build-time.sh v0.1.0     # another baseline, 5 pairs
#   FEATURES=postgres bash ci/measure-build-time.sh  # HEAD built with these features
# About 4 minutes a pair on 2 idle cores.
set -euo pipefail
cd "$(dirname "$0")/.."

base=${1:-8414406}
pairs=${PAIRS:-3}
features=${FEATURES:-}
git rev-parse --verify --quiet "$base^{commit}" >/dev/null || {
    echo "measure-build-time: no commit $base in this repository" >&2
    exit 2
}
head=$(git rev-parse --short HEAD)
base=$(git rev-parse --short "$base")

work=$(mktemp -d)
cleanup() {
    git worktree remove --force "$work/old" 2>/dev/null || true
    git worktree remove --force "$work/new" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
git worktree prune
git worktree add --quiet --detach "$work/old" "$base"
git worktree add --quiet --detach "$work/new" "$head"

# One clean build of side $1; appends "side wall user+sys" to $work/times.
build() {
    local side=$1 args=(build --release --quiet)
    [ "$side" = new ] && [ -n "$features" ] && args+=(--features "$features")
    local TIMEFORMAT='%R %U %S' t
    t=$( { time (cd "$work/$side" && CARGO_TARGET_DIR="$work/target-$side" cargo "${args[@]}" \
        >/dev/null 2>"$work/$side.log"); } 2>&1 ) || {
        echo "measure-build-time: the $side build failed:" >&2
        cat "$work/$side.log" >&2
        exit 1
    }
    rm -rf "$work/target-$side"
    read -r wall user sys <<<"$t"
    echo "$side $wall $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')" >>"$work/times"
    echo "  $side: wall ${wall} s, CPU $(tail -n1 "$work/times" | cut -d' ' -f3) s" >&2
}

echo "clean release builds: baseline $base vs HEAD $head${features:+ (--features $features)}, $pairs pairs (load average now: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'))" >&2
: >"$work/times"
for i in $(seq 1 "$pairs"); do
    echo "pair $i" >&2
    if [ $((i % 2)) = 1 ]; then build new; build old; else build old; build new; fi
done

awk -v base="$base" -v head="$head" '
function median(a, n,    i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ n[$1]++; wall[$1, n[$1]] = $2; cpu[$1, n[$1]] = $3 }
END {
    print "| build | wall (s), each | CPU (s), each | median wall | median CPU |"
    print "|---|---|---|---|---|"
    for (s = 0; s < 2; s++) {
        side = s ? "new" : "old"; name = s ? "HEAD " head : "baseline " base
        ws = ""; cs = ""
        for (i = 1; i <= n[side]; i++) { w[i] = wall[side, i]; c[i] = cpu[side, i]; ws = ws (i > 1 ? ", " : "") w[i]; cs = cs (i > 1 ? ", " : "") c[i] }
        mw[side] = median(w, n[side]); mc[side] = median(c, n[side])
        printf "| %s | %s | %s | %.1f | %.1f |\n", name, ws, cs, mw[side], mc[side]
    }
    printf "| change | | | %+.1f%% | %+.1f%% |\n", (mw["new"] / mw["old"] - 1) * 100, (mc["new"] / mc["old"] - 1) * 100
}' "$work/times"
