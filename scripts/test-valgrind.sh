#!/usr/bin/env bash
# Runs two small experiments under valgrind's memcheck, on the Release build in build/: Lishui's
# baseline shrunk to 20,000 residents in 3 communities, one year, two replicates; and the pilot
# comparison (every model, so every lever, in the three towns) shrunk to 30,000 residents in 4
# communities, four years, one replicate. Both with --disputes, so that checkpoints, the
# records' spill and the results file are all written. Fails on any
# invalid read or write, use of an uninitialised value, or a system call given uninitialised
# bytes (a checkpoint or results file holding bytes no code wrote). About half a minute. Run from
# anywhere:
#   bash scripts/test-valgrind.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target govsim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
valgrind --error-exitcode=9 --track-origins=yes --quiet \
    build/govsim run scenarios/lishui-baseline.toml -o "$work/small.h5" --threads 2 -q \
    --replicates 2 --disputes \
    --set town.residents_at_full_occupancy=20000 --set town.communities=3 \
    --set run.years=1 --set run.warmup_years=0
valgrind --error-exitcode=9 --track-origins=yes --quiet \
    build/govsim run scenarios/pilot-comparison.toml -o "$work/pilot.h5" --threads 2 -q \
    --replicates 1 --disputes \
    --set town.residents_at_full_occupancy=30000 --set town.communities=4 --set run.years=4
echo "valgrind: no errors"
