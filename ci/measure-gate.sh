#!/usr/bin/env bash
# Measures the A/B gate's error rates on this machine, with one command:
#   - the A/A false-alarm rate: `parbench ab` of the same build and config against itself;
#   - the detection rate of injected 10% and 20% slowdowns: side B's problem size of `pi` (whose
#     time is linear in n) raised by 10% / 20% through its config;
# each over --reps repetitions of a whole `parbench ab` run (default 20), with seeds 1..reps.
# Two points are gated: pi serial (5% threshold) and pi threads at 2 workers (10% threshold);
# a repetition counts as an alarm or a detection when `parbench ab` exits 1.
#
# Usage: ci/measure-gate.sh [--reps N] [--rounds R] [--conditions "0 10 20"] [--out DIR]
#   --reps N          repetitions per condition (default 20)
#   --rounds R        rounds per `parbench ab` run (default 10)
#   --conditions LIST slowdowns to inject, in percent; 0 is the A/A run (default "0 10 20")
#   --out DIR         keeps every run's compare.md/json and summary.md (default: a temp dir)
# Environment:
#   PARBENCH  the parbench binary (default: target/release/parbench, built if missing)
# Prints a summary table (Markdown) on stdout; about 2-4 minutes per condition on 2 idle cores.
set -euo pipefail

die() {
    echo "measure-gate: $*" >&2
    exit 2
}

reps=20
rounds=10
conditions="0 10 20"
out=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --reps) reps=${2:?--reps needs a number}; shift 2 ;;
        --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
        --conditions) conditions=${2:?--conditions needs a list}; shift 2 ;;
        --out) out=${2:?--out needs a directory}; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive integer"

cd "$(dirname "$0")/.."
parbench=${PARBENCH:-target/release/parbench}
if [[ ! -x "$parbench" ]]; then
    [[ -z "${PARBENCH:-}" ]] || die "no parbench binary at $parbench"
    echo "measure-gate: building $parbench" >&2
    cargo build --release --locked >&2
fi
parbench=$(cd "$(dirname "$parbench")" && pwd)/$(basename "$parbench")
if [[ -z "$out" ]]; then
    out=$(mktemp -d "${TMPDIR:-/tmp}/measure-gate.XXXXXX")
fi
mkdir -p "$out"

base_n=4000000
write_config() { # FILE N
    cat >"$1" <<EOF
# measure-gate: pi at n = $2 (the baseline is n = $base_n)
[defaults]
warmup = "50ms"
min-samples = 10
max-samples = 40
target-ci = 0.01
budget = "150ms"
timeout = "30s"
workers = [2]

[[suite]]
name = "pi"
workload = "pi"
sizes = [{ label = "gate", n = $2 }]
variants = ["serial", "threads"]
EOF
}
write_config "$out/a.toml" "$base_n"

{
    echo "| condition | repetitions | gate exit 1 | rate | serial flagged | threads flagged | errors | median ab wall time | median detectable change (serial, threads) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
} >"$out/summary.md"

for pct in $conditions; do
    [[ "$pct" =~ ^[0-9]+$ ]] || die "conditions are whole percentages, not $pct"
    if [[ "$pct" -eq 0 ]]; then
        label="A/A (no change)"
        side_args=(--aa --config "$out/a.toml")
    else
        label="+$pct% slowdown"
        n=$((base_n * (100 + pct) / 100))
        write_config "$out/b$pct.toml" "$n"
        side_args=(--a-config "$out/a.toml" --b-config "$out/b$pct.toml")
    fi
    flagged=0
    serial=0
    threads=0
    errors=0
    times=()
    detectable=()
    for rep in $(seq 1 "$reps"); do
        dir="$out/c$pct/rep$rep"
        mkdir -p "$dir"
        start=$(date +%s.%N)
        code=0
        "$parbench" ab "${side_args[@]}" --rounds "$rounds" --seed "$rep" --out "$dir" \
            >"$dir/table.txt" 2>"$dir/log.txt" || code=$?
        end=$(date +%s.%N)
        times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')")
        case "$code" in
            0) ;;
            1) flagged=$((flagged + 1)) ;;
            *) errors=$((errors + 1)); echo "measure-gate: $label rep $rep exited $code (see $dir/log.txt)" >&2 ;;
        esac
        if grep -q '^pi/gate/serial/w1 .*REGRESSED' "$dir/table.txt"; then serial=$((serial + 1)); fi
        if grep -q '^pi/gate/threads/w2 .*REGRESSED' "$dir/table.txt"; then threads=$((threads + 1)); fi
        rm -rf "$dir/runs"
        if [[ -f "$dir/compare.json" ]]; then
            detectable+=("$(python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))
d = {p["key"]["variant"]: p["rounds"]["detectable_change"] for p in c["points"] if p.get("rounds")}
print(d.get("serial", float("nan")), d.get("threads", float("nan")))' "$dir/compare.json")")
        fi
        echo "measure-gate: $label rep $rep/$reps: exit $code" >&2
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
    rate=$(awk -v f="$flagged" -v r="$reps" 'BEGIN { printf "%.1f", 100 * f / r }')
    detect=$(printf '%s\n' "${detectable[@]}" | python3 -c 'import statistics, sys
rows = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
print(", ".join(f"{100 * statistics.median(c):.1f}%" for c in zip(*rows)) if rows else "-")')
    printf '| %s | %d | %d | %s%% | %d | %d | %d | %.1f s | %s |\n' \
        "$label" "$reps" "$flagged" "$rate" "$serial" "$threads" "$errors" "$median" "$detect" >>"$out/summary.md"
done

{
    echo
    echo "Machine: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //'), $(nproc) logical cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)."
    echo "Each repetition is one \`parbench ab\` run of $rounds rounds (seed = repetition number); thresholds 5% serial, 10% parallel."
    echo "Files: $out"
} >>"$out/summary.md"
cat "$out/summary.md"
