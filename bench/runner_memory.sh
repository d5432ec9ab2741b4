#!/usr/bin/env bash
# Peak memory of `govsim run` against the number of runs (issue #9: memory must not grow with
# the number of runs: finished runs go to the store on disk, and the results file is streamed
# from it). Runs a tiny town for 100, 400 and 1,600 replicates and prints each run's wall time,
# peak resident memory (max RSS, from GNU time) and results file size.
#   bash bench/runner_memory.sh [BUILD_DIR]      # default build/
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
binary=${1:-build}/govsim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/tiny.toml" <<TOML
include = ["$PWD/scenarios/lishui-baseline.toml"]
[town]
residents_at_full_occupancy = 3000
communities = 1
[run]
years = 1
TOML
printf '%10s %10s %14s %14s\n' runs "wall (s)" "peak RSS (MB)" "file (MB)"
for runs in 100 400 1600; do
    /usr/bin/time -f '%e %M' -o "$work/time.txt" \
        "$binary" run "$work/tiny.toml" -o "$work/out.h5" --replicates "$runs" -q
    read -r wall rss <"$work/time.txt"
    size=$(stat -c %s "$work/out.h5")
    awk -v r="$runs" -v w="$wall" -v m="$rss" -v s="$size" \
        'BEGIN { printf "%10d %10.2f %14.1f %14.1f\n", r, w, m / 1024, s / 1048576 }'
    rm -f "$work/out.h5" "$work/out.csv"
done
