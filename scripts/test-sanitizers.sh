#!/usr/bin/env bash
# Builds the suite with AddressSanitizer and UndefinedBehaviorSanitizer (the debug-asan preset:
# Debug, GOVSIM_SANITIZE=ON, in build-asan/) and runs the fast tests under them: every test but
# the one that simulates for minutes under the sanitizers and the report's (both listed below;
# they run in the ordinary suite). Any leak, out-of-bounds access, use after free, signed
# overflow or other undefined behaviour fails the test that caused it. Run from anywhere:
#   bash scripts/test-sanitizers.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Slow under the sanitizers (about 10x slower than Release): an ABC calibration of govsim. The
# report's tests (label `report`: Python, matplotlib and a headless browser reading results
# files) test no C++ beyond what the others do.
slow='calibration recovers known parameters of govsim'
# KNOWN PROBLEM, excluded here and listed in the closing note: after a full disk makes the final
# H5Fclose of a results file fail, HDF5's own exit handler (H5close, run by the C++ library at
# exit) reads a freed file structure; under AddressSanitizer that is a SEGV and exit status 1,
# while the Release build exits 2 as it should. These tests simulate a full disk (or leave saved
# runs by one), and run in the ordinary suite.
full_disk='a full disk exits 2|damaged, truncated and foreign checkpoints|a rerun of another seed or replicate count|temporary files of killed processes|mpirun resumes runs saved by one process|fault injection, one trial of each kind'

cmake --preset debug-asan >/dev/null
cmake --build --preset debug-asan -j"$(nproc)"
ctest --preset debug-asan -E "$slow|$full_disk" -LE report
