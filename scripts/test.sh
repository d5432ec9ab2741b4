#!/usr/bin/env bash
# Installs dependencies, builds govsim from scratch in Release (build/) and runs the whole test
# suite with CTest. Exits with CTest's status. Run from anywhere: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
status=0
ctest --test-dir build --output-on-failure -j2 || status=$?
exit "$status"
