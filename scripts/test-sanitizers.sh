#!/usr/bin/env bash
# Builds the suite with AddressSanitizer and UndefinedBehaviorSanitizer (the debug-asan preset:
# Debug, GOVSIM_SANITIZE=ON, in build-asan/) and runs the fast tests under them: every test but
# the one that simulates for minutes under the sanitizers, the report's and the benchmark
# scripts' (listed below; they run in the ordinary suite). Any leak, out-of-bounds access, use
# after free, signed overflow or other undefined behaviour fails the test that caused it. Run
# from anywhere:
#   bash scripts/test-sanitizers.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Slow under the sanitizers (about 10x slower than Release): an ABC calibration of govsim. The
# report's tests (label `report`: Python, matplotlib and a headless browser reading results
# files) and the benchmark's scripts (label `scripts`: bench/ab.sh and bench/same_results.sh
# run on the build against itself) test no C++ beyond what the others do.
slow='calibration recovers known parameters of govsim'
# The full-disk tests (a full disk simulated with a file-size limit, the fault-injection suite's
# disk-full trials) run here too: a results file that cannot be written is flushed before it is
# closed and abandoned unclosed when the flush fails, so HDF5 1.10's failed H5Fclose (which
# frees the file's structure but keeps its identifier, HDFFV-11052) never happens, and no HDF5
# exit handler runs (sim/results_file.cpp, flush_and_close).

cmake --preset debug-asan >/dev/null
cmake --build --preset debug-asan -j"$(nproc)"
ctest --preset debug-asan -E "$slow" -LE "report|scripts"
