#!/usr/bin/env bash
# Checks that two builds give bit-identical results (bench/README.md, "Comparing two builds"):
# a change made for speed must not change a single bit of any result unless it says so. Runs
# build A's govsim on the benchmark's district (2 years, every unit occupied) and on a 3-year
# variant with a warm-up year and occupancy growing from 60% (which exercises move-ins and the
# warm-up), each at 1 and 2 threads, then has build B's `govsim reproduce` rerun each command
# and compare every dataset bit for bit (time fields aside). With --pilot, the same for
# scenarios/pilot-comparison.toml (three towns, every model and lever: about 20 s on 2 cores).
#
#   bash bench/same_results.sh A_GOVSIM B_GOVSIM [--pilot]
#
# Exit status 0 when every file is reproduced, 1 when one is not, 2 on bad arguments.
set -euo pipefail
if [[ $# -lt 2 ]]; then
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
a=$1 b=$2 pilot=${3:-}
for bin in "$a" "$b"; do
    if [[ ! -x $bin ]]; then
        echo "same_results.sh: $bin is not an executable" >&2
        exit 2
    fi
done
if [[ -n $pilot && $pilot != --pilot ]]; then
    echo "same_results.sh: the third argument may only be --pilot, found $pilot" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/govsim-same-XXXXXX)
trap 'rm -rf "$work"' EXIT

cat >"$work/district.toml" <<EOF
include = ["$root/scenarios/lishui-baseline.toml"]
[town]
residents_at_full_occupancy = 1300000
communities = 300
occupancy_start = 1.0
occupancy_growth_per_year = 0.0
occupancy_max = 1.0
[run]
name = "district-bench"
years = 2
warmup_years = 0
replicates = 1
EOF
cat >"$work/district-growing.toml" <<EOF
include = ["$root/scenarios/lishui-baseline.toml"]
[town]
residents_at_full_occupancy = 1300000
communities = 300
occupancy_start = 0.6
occupancy_growth_per_year = 0.1
occupancy_max = 0.95
[run]
name = "district-growing"
years = 2
warmup_years = 1
replicates = 1
EOF

status=0
for scenario in district district-growing; do
    for threads in 1 2; do
        out="$work/$scenario-$threads.h5"
        (cd "$work" && "$a" run "$scenario.toml" -o "$(basename "$out")" --threads "$threads" -q)
        if "$b" reproduce "$out" -q; then
            echo "identical: $scenario, $threads thread(s)"
        else
            echo "DIFFERENT: $scenario, $threads thread(s)"
            status=1
        fi
    done
done
if [[ -n $pilot ]]; then
    (cd "$root" && "$a" run scenarios/pilot-comparison.toml -o "$work/pilot.h5" -q)
    if "$b" reproduce "$work/pilot.h5" -q; then
        echo "identical: scenarios/pilot-comparison.toml"
    else
        echo "DIFFERENT: scenarios/pilot-comparison.toml"
        status=1
    fi
fi
exit $status
