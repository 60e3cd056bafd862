#!/usr/bin/env bash
# Measures command suites on this machine, with one command:
#   1. scaling: examples/spin (N threads hashing a fixed amount) over workers 1..4, with
#      configs/command.toml: median, speedup against workers=1, CPU utilisation;
#   2. the cost of a trivial program: /bin/true through parbench (its spawn-to-exit time as the
#      launcher measures it, and the launch overhead per run outside that time) beside a shell
#      loop spawning /bin/true directly (and hyperfine -N, when installed);
#   3. the accuracy of peak RSS: spin allocating and touching 0..1024 MiB, parbench's figure
#      beside GNU time's (/usr/bin/time, when installed).
#
# Usage: ci/measure-command.sh [--out DIR]
#   --out DIR   keeps the runs' results and reports (default: a temp dir)
# Environment:
#   PARBENCH  the parbench binary (default: target/release/parbench, built if missing)
# Prints Markdown tables on stdout; about a minute on 2 idle cores after the release build.
set -euo pipefail

die() {
    echo "measure-command: $*" >&2
    exit 2
}

out=""
while [[ $# -gt 0 ]]; do
    case "$1" in
    --out)
        [[ $# -ge 2 ]] || die "--out needs a directory"
        out=$2
        shift 2
        ;;
    -h | --help)
        sed -n '2,17p' "$0"
        exit 0
        ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
done

cd "$(dirname "$0")/.."
root=$(pwd)
if [[ -z "$out" ]]; then
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
pb=${PARBENCH:-target/release/parbench}
if [[ -z "${PARBENCH:-}" ]]; then
    cargo build --release --quiet
fi
cargo build --release --quiet --example spin
spin="$root/target/release/examples/spin"

# Prints the columns named in $2 (comma-separated) of the CSV file $1, space-separated. Quoted
# fields (reasons, warnings) are blanked first: the fields used here are never quoted.
columns() {
    sed 's/"[^"]*"//g' "$1" | awk -F, -v want="$2" '
        NR == 1 { n = split(want, w, ","); for (i = 1; i <= NF; i++) col[$i] = i; next }
        { line = ""; for (j = 1; j <= n; j++) line = line (j > 1 ? " " : "") $(col[w[j]]); print line }
    '
}

echo "## 1. Scaling of examples/spin (configs/command.toml)"
echo
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$pb" run --config configs/command.toml --out "$out/scaling" >/dev/null 2>"$out/scaling.log" ||
    die "the scaling run failed: $(tail -3 "$out/scaling.log")"
echo
echo "| workers | median (ms) | speedup | efficiency | CPU utilisation (cores) |"
echo "|---|---|---|---|---|"
columns "$out/scaling/latest/results.csv" workers,median_ns,speedup,efficiency,metric:cpu_utilization |
    awk '{ printf "| %s | %.1f | %.2f | %.0f%% | %.2f |\n", $1, $2 / 1e6, $3, $4 * 100, $5 }'

echo
echo "## 2. A trivial program: /bin/true"
echo
cat >"$out/true.toml" <<'EOF'
[defaults]
warmup = "300ms"
min-samples = 200
max-samples = 1000
target-ci = 0.01
budget = "5s"
workers = [1]

[[suite]]
name = "true"
command = ["/bin/true"]
EOF
"$pb" run --config "$out/true.toml" --out "$out/true" >/dev/null 2>"$out/true.log" ||
    die "the /bin/true run failed: $(tail -3 "$out/true.log")"
read -r median overhead samples < <(columns "$out/true/latest/results.csv" median_ns,metric:launch_overhead_ns,samples)
n=2000
start=$(date +%s%N)
for ((i = 0; i < n; i++)); do /bin/true; done
end=$(date +%s%N)
echo "| measurement | per run (µs) |"
echo "|---|---|"
awk -v m="$median" -v s="$samples" 'BEGIN { printf "| parbench: spawn-to-exit of /bin/true, median of %d runs (the measured time) | %.0f |\n", s, m / 1e3 }'
awk -v o="$overhead" 'BEGIN { printf "| parbench: launch overhead per run, median (outside the measured time) | %.0f |\n", o / 1e3 }'
awk -v t=$((end - start)) -v n=$n 'BEGIN { printf "| bash loop spawning /bin/true directly, mean of %d | %.0f |\n", n, t / n / 1e3 }'
if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N --warmup 50 --export-json "$out/hyperfine.json" /bin/true >/dev/null 2>&1 &&
        awk -F: '/"median"/ { gsub(/[ ,]/, "", $2); printf "| hyperfine -N /bin/true, median | %.0f |\n", $2 * 1e6; exit }' "$out/hyperfine.json"
fi

echo
echo "## 3. Peak RSS of spin --alloc-mib M (touches every page)"
echo
cat >"$out/rss.toml" <<EOF
[defaults]
warmup = "1ms"
min-samples = 3
max-samples = 3
budget = "1ms"
workers = [1]

[[suite]]
name = "alloc"
command = ["$spin", "--work", "1", "--alloc-mib", "{mib}"]
[suite.params]
mib = [0, 1, 16, 64, 256, 1024]
EOF
"$pb" run --config "$out/rss.toml" --out "$out/rss" >/dev/null 2>"$out/rss.log" ||
    die "the RSS run failed: $(tail -3 "$out/rss.log")"
echo "| M (MiB) | parbench: program_peak_rss (MiB) | launcher floor (MiB) | GNU time: max RSS (MiB) |"
echo "|---|---|---|---|"
columns "$out/rss/latest/results.csv" param:mib,metric:program_peak_rss_bytes,metric:rss_floor_bytes |
    while read -r mib peak floor; do
        gnu="–"
        if [[ -x /usr/bin/time ]]; then
            kib=$(/usr/bin/time -f %M "$spin" --work 1 --alloc-mib "$mib" 2>&1 >/dev/null | tail -1)
            gnu=$(awk -v k="$kib" 'BEGIN { printf "%.2f", k / 1024 }')
        fi
        awk -v m="$mib" -v p="$peak" -v f="$floor" -v g="$gnu" \
            'BEGIN { printf "| %s | %.2f | %.2f | %s |\n", m, p / 1048576, f / 1048576, g }'
    done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
