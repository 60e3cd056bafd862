#!/usr/bin/env bash
# Publishes benchmark results as a static site: records each results file in the history
# database, renders the newest run's report into SITE/latest/ and the history trend pages into
# SITE/history/, and writes SITE/index.html linking both. Upload SITE to any static host
# (GitHub Pages, GitLab Pages, a bucket).
#
# Usage: ci/publish.sh --site DIR [--results FILE]... [--db PATH] [--branch NAME] [--commit SHA]
#   --site DIR       the directory to fill (created; existing files are replaced)
#   --results FILE   a results.json to record and report (repeatable; the last one is "latest");
#                    without any, only the history pages are rendered again
#   --db PATH|URL    the history database: a SQLite file or a postgres:// URL (default:
#                    $PARBENCH_DB, else parbench-history.db; created if missing)
#   --branch NAME    branch to record the runs under (default: parbench's detection)
#   --commit SHA     commit to record them under (default: the one in each results file)
# Environment:
#   PARBENCH  the parbench binary (default: target/release/parbench, built if missing)
set -euo pipefail

die() {
    echo "publish: $*" >&2
    exit 2
}

site=""
db=${PARBENCH_DB:-parbench-history.db}
branch=""
commit=""
results=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --site) site=${2:?--site needs a directory}; shift 2 ;;
        --results) results+=("${2:?--results needs a file}"); shift 2 ;;
        --db) db=${2:?--db needs a path or URL}; shift 2 ;;
        --branch) branch=${2:?--branch needs a name}; shift 2 ;;
        --commit) commit=${2:?--commit needs a sha}; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done
[[ -n "$site" ]] || die "--site DIR is required"

parbench=${PARBENCH:-target/release/parbench}
if [[ ! -x "$parbench" ]]; then
    if [[ -z "${PARBENCH:-}" ]]; then
        echo "publish: building $parbench" >&2
        # A postgres:// history needs the opt-in PostgreSQL client.
        features=()
        [[ "$db" == postgres://* || "$db" == postgresql://* ]] && features=(--features postgres)
        cargo build --release --locked "${features[@]}" >&2
    fi
    [[ -x "$parbench" ]] || die "no parbench binary at $parbench (set PARBENCH)"
fi

mkdir -p "$site"
add_args=(history add --db "$db")
if [[ -n "$branch" ]]; then
    add_args+=(--branch "$branch")
fi
if [[ -n "$commit" ]]; then
    add_args+=(--commit "$commit")
fi
if [[ ${#results[@]} -gt 0 ]]; then
    "$parbench" "${add_args[@]}" "${results[@]}"
    latest=${results[${#results[@]}-1]}
    rm -rf "$site/latest"
    "$parbench" report "$latest" --out "$site/latest" >/dev/null
fi
if [[ -f "$db" || "$db" == postgres://* || "$db" == postgresql://* ]]; then
    rm -rf "$site/history"
    "$parbench" history report --db "$db" --out "$site/history" >/dev/null
fi

{
    echo '<!doctype html>'
    echo '<html lang="en"><head><meta charset="utf-8">'
    echo "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; base-uri 'none'; form-action 'none'\">"
    echo '<meta name="viewport" content="width=device-width, initial-scale=1">'
    echo '<title>parbench</title></head><body>'
    echo '<h1>parbench</h1><ul>'
    if [[ -f "$site/latest/index.html" ]]; then
        echo '<li><a href="latest/index.html">The latest run</a> (<a href="latest/results.json">results.json</a>)</li>'
    fi
    if [[ -f "$site/history/index.html" ]]; then
        echo '<li><a href="history/index.html">History: trends per commit and detected steps</a></li>'
    fi
    echo "</ul><p>Published $(date -u +%Y-%m-%dT%H:%M:%SZ).</p></body></html>"
} >"$site/index.html"
echo "publish: $site/index.html" >&2
