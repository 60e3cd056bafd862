#!/usr/bin/env bash
# The pull-request regression gate. Builds parbench at the merge base and at the head of a
# change, runs them against each other on this machine with `parbench ab` (randomized ABBA
# rounds of fresh processes, t intervals), and leaves compare.md (for a pull-request
# comment) and compare.json in the output directory.
#
# Usage: ci/bench-pr.sh [--base REF] [--head REF] [--out DIR] [--config FILE]
#                       [--base-config FILE] [--head-config FILE] [--rounds N]
#                       [--thresholds FILE] [--dry-run]
#   --base REF         baseline commit (default: the merge base of HEAD and the target branch:
#                      $GITHUB_BASE_REF or $CI_MERGE_REQUEST_TARGET_BRANCH_NAME on origin, or
#                      origin/main; GitLab's $CI_MERGE_REQUEST_DIFF_BASE_SHA when set)
#   --head REF         the change (default: HEAD)
#   --out DIR          where compare.md, compare.json and the rounds go (default: parbench-gate)
#   --config FILE      config for both sides, a path outside or inside the repo
#                      (default: each side's own configs/gate.toml)
#   --base-config, --head-config   per side
#   --rounds N         rounds of the A/B gate (default: parbench ab's choice)
#   --thresholds FILE  per-point thresholds from `parbench ab --aa --write-thresholds`
#   --dry-run          print what would run, build and run nothing
# Environment:
#   PARBENCH_BASE_BIN, PARBENCH_HEAD_BIN  prebuilt binaries: skip building that side
#   PARBENCH_AB_ARGS                      more arguments for `parbench ab` (word-split)
#   CARGO_TARGET_DIR                      shared by both builds (default: <repo>/target/bench-pr)
# Exit code: parbench ab's: 0 no regression, 1 a regression, 2 bad input or a side that could
# not run, 3 a point newly wrong or failed.
set -euo pipefail

die() {
    echo "bench-pr: $*" >&2
    exit 2
}

repo=$(git rev-parse --show-toplevel 2>/dev/null) || die "not inside a git checkout"
base_ref=""
head_ref="HEAD"
out="parbench-gate"
config=""
base_config=""
head_config=""
rounds=""
thresholds=""
dry_run=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --base) base_ref=${2:?--base needs a ref}; shift 2 ;;
        --head) head_ref=${2:?--head needs a ref}; shift 2 ;;
        --out) out=${2:?--out needs a directory}; shift 2 ;;
        --config) config=${2:?--config needs a file}; shift 2 ;;
        --base-config) base_config=${2:?--base-config needs a file}; shift 2 ;;
        --head-config) head_config=${2:?--head-config needs a file}; shift 2 ;;
        --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
        --thresholds) thresholds=${2:?--thresholds needs a file}; shift 2 ;;
        --dry-run) dry_run=1; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done

absolute() {
    case "$1" in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s/%s\n' "$PWD" "$1" ;;
    esac
}

if [[ -z "$base_ref" ]]; then
    if [[ -n "${CI_MERGE_REQUEST_DIFF_BASE_SHA:-}" ]]; then
        base_ref=$CI_MERGE_REQUEST_DIFF_BASE_SHA
    else
        target="origin/${GITHUB_BASE_REF:-${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:-main}}"
        base_ref=$(git -C "$repo" merge-base "$target" "$head_ref") ||
            die "cannot find the merge base of $target and $head_ref (fetch the target branch, or pass --base)"
    fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-pr.XXXXXX")
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    for tree in "$work"/tree-*; do
        if [[ -d "$tree" ]]; then
            git -C "$repo" worktree remove --force "$tree" >/dev/null 2>&1 || true
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT
target_dir=${CARGO_TARGET_DIR:-$repo/target/bench-pr}

run() {
    echo "+ $*" >&2
    if [[ $dry_run -eq 0 ]]; then
        "$@"
    fi
}

# Builds parbench at REF into $work/NAME-parbench; echoes the checkout it used.
build_side() {
    local name=$1 ref=$2 tree
    local sha
    sha=$(git -C "$repo" rev-parse --verify "$ref^{commit}") || die "unknown ref $ref"
    tree="$work/tree-$name"
    run git -C "$repo" worktree add --detach "$tree" "$sha" >&2
    run env CARGO_TARGET_DIR="$target_dir" cargo build --release --locked --manifest-path "$tree/Cargo.toml" >&2
    run cp "$target_dir/release/parbench" "$work/$name-parbench" >&2
    echo "$tree"
}

base_bin=${PARBENCH_BASE_BIN:-}
head_bin=${PARBENCH_HEAD_BIN:-}
base_tree=$repo
head_tree=$repo
if [[ -z "$base_bin" ]]; then
    base_tree=$(build_side base "$base_ref")
    base_bin="$work/base-parbench"
fi
if [[ -z "$head_bin" ]]; then
    head_tree=$(build_side head "$head_ref")
    head_bin="$work/head-parbench"
fi
base_bin=$(absolute "$base_bin")
head_bin=$(absolute "$head_bin")

# Each side reads its own tree's gate config unless told otherwise: a change to the config is
# part of the change under test, and an older binary may not know a newer config's keys.
if [[ -n "$config" ]]; then
    base_config=${base_config:-$config}
    head_config=${head_config:-$config}
fi
base_config=${base_config:-$base_tree/configs/gate.toml}
head_config=${head_config:-$head_tree/configs/gate.toml}
if [[ $dry_run -eq 0 ]]; then
    [[ -f "$base_config" ]] || die "no gate config for the base at $base_config (pass --base-config)"
    [[ -f "$head_config" ]] || die "no gate config for the head at $head_config (pass --head-config)"
fi

ab_args=(ab --a-bin "$base_bin" --b-bin "$head_bin" --a-config "$base_config" --b-config "$head_config" --out "$out")
if [[ -n "$rounds" ]]; then
    ab_args+=(--rounds "$rounds")
fi
if [[ -n "$thresholds" ]]; then
    ab_args+=(--thresholds "$thresholds")
fi
if [[ -n "${PARBENCH_AB_ARGS:-}" ]]; then
    read -r -a extra <<<"$PARBENCH_AB_ARGS"
    ab_args+=("${extra[@]}")
fi

echo "bench-pr: base $base_ref vs head $head_ref" >&2
status=0
run "$head_bin" "${ab_args[@]}" || status=$?
if [[ $dry_run -eq 0 && -f "$out/compare.md" ]]; then
    echo "bench-pr: $out/compare.md is ready for the pull-request comment" >&2
    if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
        cat "$out/compare.md" >>"$GITHUB_STEP_SUMMARY"
    fi
fi
exit "$status"
