#!/usr/bin/env bash
# Installs dependencies, builds govsim in Release (build/) and runs the default scenario, the
# Lishui baseline, writing results/lishui-baseline.h5. Run from anywhere.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target govsim
mkdir -p results
exec build/govsim run scenarios/lishui-baseline.toml -o results/lishui-baseline.h5
