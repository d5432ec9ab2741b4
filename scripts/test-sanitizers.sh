#!/usr/bin/env bash
# Builds the suite with AddressSanitizer and UndefinedBehaviorSanitizer (the debug-asan preset:
# Debug, GOVSIM_SANITIZE=ON, in build-asan/) and runs the fast tests under them: every test but
# the few that simulate for minutes under the sanitizers (listed below; they run in the ordinary
# suite). Any leak, out-of-bounds access, use after free, overflow of a signed integer or
# other undefined behaviour fails the test that caused it. Run from anywhere:
#   bash scripts/test-sanitizers.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Slow under the sanitizers (about 10x slower than Release): an ABC calibration of govsim.
slow='calibration recovers a known parameter of govsim'

cmake --preset debug-asan >/dev/null
cmake --build --preset debug-asan -j"$(nproc)"
ctest --preset debug-asan -E "$slow"
