#!/usr/bin/env bash
# Do parbench's figures survive a second run? Runs a config (default: the embedded default) three
# times back to back with one release binary and prints, over the verified points that are not
# oversubscribed and that every run measured:
#   - agreement: the share whose medians (and speedups) agree within 5% across all runs;
#   - calibration: the share of (run i, run j) pairs whose 95% interval in run i contains the
#     figure of run j (for medians, and for speedups);
#   - the wall time of each run, and the points each run flagged or found disturbed.
# Run it on an idle machine; it says so when the machine was busy.
#
#   bash ci/measure-reproducibility.sh                      # the default config, 3 runs
#   RUNS=5 CONFIG=configs/quick.toml bash ci/measure-reproducibility.sh
#   KEEP=/tmp/repro bash ci/measure-reproducibility.sh      # keep the runs' results there
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-3}
config=${CONFIG:-}
tolerance=${TOLERANCE:-0.05}
out=${KEEP:-$(mktemp -d)}
mkdir -p "$out"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$out"' EXIT

cargo build --release --quiet
bin=target/release/parbench
config_args=()
[ -n "$config" ] && config_args=(--config "$config")

echo "reproducibility of ${config:-the default config}: $runs runs back to back (load average now: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'))"
files=()
for i in $(seq 1 "$runs"); do
    start=$(date +%s.%N)
    rc=0
    "$bin" run "${config_args[@]}" --out "$out/run$i" >"$out/run$i.table" 2>"$out/run$i.log" || rc=$?
    end=$(date +%s.%N)
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
        echo "run $i failed with exit code $rc; see $out/run$i.log" >&2
        exit 1
    fi
    echo "run $i: ${wall} s (exit $rc); $(tail -n 1 "$out/run$i.table")"
    files+=("$out/run$i/latest/results.json")
done

python3 - "$tolerance" "${files[@]}" <<'PY'
import json, sys

tolerance = float(sys.argv[1])
runs = [json.load(open(f)) for f in sys.argv[2:]]

def key(p):
    params = ",".join(f"{k}={v}" for k, v in sorted(p.get("params", {}).items()))
    return (p["suite"], p["size"], p["variant"], p["workers"], params)

def usable(p):
    return p["status"] == "ok" and not p["oversubscribed"] and p.get("measurement")

indexed = [{key(p): p for p in r["points"] if usable(p)} for r in runs]
common = sorted(set.intersection(*(set(i) for i in indexed)))

def report(name, figure, interval):
    keys = [k for k in common if all(figure(i[k]) is not None for i in indexed)]
    if not keys:
        print(f"{name}: no points")
        return
    agree, covered, pairs, worst = 0, 0, 0, []
    for k in keys:
        values = [figure(i[k]) for i in indexed]
        spread = max(values) / min(values) - 1
        agree += spread <= tolerance
        worst.append((spread, k, values))
        for a in range(len(indexed)):
            lo, hi = interval(indexed[a][k])
            for b in range(len(indexed)):
                if a != b:
                    pairs += 1
                    covered += lo <= values[b] <= hi
    print(f"{name}: {agree}/{len(keys)} ({100 * agree / len(keys):.0f}%) agree within "
          f"{100 * tolerance:.0f}% across the {len(indexed)} runs; calibration: "
          f"{covered}/{pairs} ({100 * covered / pairs:.0f}%) of one run's 95% intervals contain "
          f"another run's figure")
    worst.sort(reverse=True)
    for spread, k, values in worst[:5]:
        label = " ".join(str(x) for x in k if x != "")
        shown = " / ".join(f"{v:.4g}" for v in values)
        print(f"    spread {100 * spread:5.1f}%  {label}: {shown}")

def median(p):
    return p["measurement"]["stats"]["median"]

def median_interval(p):
    s = p["measurement"]["stats"]
    return s["ci_low"], s["ci_high"]

def speedup(p):
    d = p.get("derived", {})
    return d.get("speedup") if p["variant"] != "serial" and d.get("speedup_ci") else None

def speedup_interval(p):
    return tuple(p["derived"]["speedup_ci"])

print(f"points compared: {len(common)} (verified, not oversubscribed, in every run)")
# A shift of the whole run (the machine's mood: host load, frequency) moves every point alike;
# no design inside one run can see it, only the next run.
for n in range(1, len(indexed)):
    ratios = sorted(median(indexed[n][k]) / median(indexed[0][k]) for k in common)
    if ratios:
        mid = ratios[len(ratios) // 2]
        print(f"run {n + 1} against run 1: the median point took {mid:.3f}x the time "
              f"(quartiles {ratios[len(ratios) // 4]:.3f}-{ratios[3 * len(ratios) // 4]:.3f})")
report("medians", median, median_interval)
report("speedups", speedup, speedup_interval)
for n, r in enumerate(runs, 1):
    points = [p for p in r["points"] if p.get("measurement")]
    flagged = sum(1 for p in points if p.get("derived", {}).get("flags"))
    disturbed = sum(1 for p in points
                    if any(f["kind"] == "disturbed" for f in p.get("derived", {}).get("flags", [])))
    env = r.get("environment") or {}
    busy = env.get("busy_at_start")
    print(f"run {n}: {len(points)} points measured, {flagged} flagged, {disturbed} disturbed, "
          f"{env.get('remeasured', 0)} repetitions measured again"
          + (f"; busy at start: {busy}" if busy else ""))
PY
