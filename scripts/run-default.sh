#!/usr/bin/env bash
# The README's main command: installs dependencies, builds govsim in Release (build/) and runs
# the pilot comparison (every governance model for Guicheng, Dali and Lishui, 20 replicates),
# writing results/pilot-comparison.h5 and results/pilot-comparison.csv. Run from anywhere.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target govsim
mkdir -p results
exec build/govsim run scenarios/pilot-comparison.toml -o results/pilot-comparison.h5
