#!/usr/bin/env bash
# Compares two builds' district replicate in interleaved pairs (bench/README.md, "Comparing two
# builds"). On a shared or virtual machine the speed drifts by more than most changes are worth,
# so one run of each build says little; pairs run back to back, alternating which goes first,
# do. Each pair runs `govsim_bench --sections district` of build A and of build B and takes the
# best wall time of each at THREADS threads.
#
#   bash bench/ab.sh A_BENCH B_BENCH [PAIRS] [THREADS] [REPEATS]
#
# A_BENCH, B_BENCH: two govsim_bench binaries (copy the old one aside before rebuilding);
# PAIRS: default 8; THREADS: 1 (default) or 2; REPEATS: each run's --repeats, default 5.
# Prints each pair, how often B was faster, and the medians of A, B and B/A.
set -euo pipefail
if [[ $# -lt 2 ]]; then
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
a=$1 b=$2 pairs=${3:-8} threads=${4:-1} repeats=${5:-5}
for bin in "$a" "$b"; do
    if [[ ! -x $bin ]]; then
        echo "ab.sh: $bin is not an executable" >&2
        exit 2
    fi
done
if [[ $threads != 1 && $threads != 2 ]]; then
    echo "ab.sh: THREADS must be 1 or 2, found $threads" >&2
    exit 2
fi

# The best wall time at the given thread count from a district section's table.
time_of() {
    "$1" --sections district --repeats "$repeats" --threads-max "$threads" |
        awk -v t="$2" '/^== district/ {on = 1; next}
                       on && $1 == t && NF >= 3 {print $2; exit}'
}

printf '%4s %10s %10s %8s\n' pair A B B/A
results=()
for ((p = 1; p <= pairs; ++p)); do
    if ((p % 2)); then
        ta=$(time_of "$a" "$threads")
        tb=$(time_of "$b" "$threads")
    else
        tb=$(time_of "$b" "$threads")
        ta=$(time_of "$a" "$threads")
    fi
    printf '%4d %10s %10s %8s\n' "$p" "$ta" "$tb" "$(awk -v a="$ta" -v b="$tb" 'BEGIN {printf "%.3f", b / a}')"
    results+=("$ta $tb")
done
printf '%s\n' "${results[@]}" | awk -v threads="$threads" '
    function median(x, n,    i, j, t) {
        for (i = 2; i <= n; ++i)
            for (j = i; j > 1 && x[j - 1] > x[j]; --j) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
        return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
    }
    { a[NR] = $1; b[NR] = $2; r[NR] = $2 / $1; faster += $2 < $1 }
    END {
        printf "%d thread(s): B faster in %d of %d pairs; median A %.4f s, median B %.4f s, median B/A %.3f\n",
            threads, faster, NR, median(a, NR), median(b, NR), median(r, NR)
    }'
