#!/usr/bin/env bash
# Measures how much of govsim's C++ (sim/, models/, analysis/, app/) the test suite runs, with
# clang's source-based coverage: builds build-coverage/ (clang, Debug, -fprofile-instr-generate
# -fcoverage-mapping), runs the suite with every process (the test binary and each govsim it
# starts, under mpirun too) writing a profile of its own, merges them, prints the per-file report
# with its totals (lines, functions, regions, branches) and writes an HTML report to
# build-coverage/coverage/index.html. Run from anywhere:
#   bash scripts/coverage.sh
# About 7 minutes on 2 cores (the build 5, the suite 2). Exits with ctest's status.
#
# Not run here: the full-disk test and the fault-injection suite's brief form, whose disk-full
# trials do the same (a file-size limit stops a process when it writes its profile at exit, so
# their exit statuses are not the ones they check). A process killed on
# purpose (the interruption tests) leaves no profile or a torn one, which the merge skips, and
# `govsim report` replaces itself with the report's Python (execv) before it could write one, so
# app/report.cpp shows only what runs in-process before that (the report's tests exercise it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build="build-coverage"
for tool in clang clang++ llvm-profdata llvm-cov; do
    if ! command -v "$tool" >/dev/null; then
        echo "coverage.sh: $tool not found (Debian: apt-get install clang llvm)" >&2
        exit 2
    fi
done

CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
    -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" -DGOVSIM_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)"

profiles="$PWD/$build/profiles"
rm -rf "$profiles"
mkdir -p "$profiles"
status=0
LLVM_PROFILE_FILE="$profiles/%p-%m.profraw" ctest --test-dir "$build" -j2 \
    -E "a full disk|fault injection" || status=$?

llvm-profdata merge -sparse --failure-mode=all "$profiles"/*.profraw -o "$build/merged.profdata" \
    2> >(grep -v "file header is corrupt" >&2)
objects=(-instr-profile="$build/merged.profdata" "$build/tests/govsim_tests" -object "$build/govsim")
ignore='(^/usr/|/tests/|/build)'
llvm-cov show "${objects[@]}" -ignore-filename-regex="$ignore" -format=html \
    -output-dir="$build/coverage" >/dev/null
llvm-cov report "${objects[@]}" -ignore-filename-regex="$ignore"
echo "coverage.sh: HTML report in $build/coverage/index.html"
exit "$status"
