#!/usr/bin/env bash
# Reruns Lishui's calibration (docs/calibration.md) in one command: builds govsim (Release,
# build/), fits scenarios/calibration/lishui.toml at its defaults (ABC-SMC, then the refinement
# that chooses the shipped point at 100 replicates), writes the two fragments that
# scenarios/lishui-calibrated.toml and the pilot comparison include
# (scenarios/parameters/calibrated-lishui.toml, scenarios/towns/lishui-calibrated.toml) and the
# posterior and the refinement to results/calibration-lishui.h5, then runs the posterior
# predictive check of the shipped point at 100 replicates (a seed of its own) and writes it into
# docs/calibration.md between its markers. Prints the CPU and wall
# time. Exit status: 0 when every pattern passes the check, 1 when one fails (the files are
# written either way), 2 for bad input. Run from anywhere; extra arguments go to govsim
# calibrate (e.g. --threads 2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j"$(nproc)" --target govsim
mkdir -p results
status=0
TIMEFORMAT='calibration and check: %R s wall, %U s user CPU, %S s system CPU'
time build/govsim calibrate scenarios/calibration/lishui.toml -o results/calibration-lishui.h5 \
    --fragment scenarios/parameters/calibrated-lishui.toml \
    --town-fragment scenarios/towns/lishui-calibrated.toml \
    --check 100 --doc docs/calibration.md "$@" || status=$?
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
