#!/usr/bin/env bash
# Fuzzes the scenario loader with libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer
# for a bounded time, and prints how many inputs it ran. Any crash, leak, hang (10 s per input),
# exception other than a located ConfigError, or error without a file, line and column stops it
# with a reproducer in build-fuzz/findings/. Builds build-fuzz/ with clang first.
#
#   bash scripts/fuzz.sh [SECONDS] [JOBS]      # default 600 s, 1 job; JOBS > 1 runs in parallel
#
# The seed corpus is tests/fuzz/corpus (the shipped scenarios and a few crafted inputs); the
# inputs the fuzzer finds interesting are kept in build-fuzz/corpus, not in the repository.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-600}
jobs=${2:-1}

cc=$(command -v clang-14 || command -v clang)
cxx=$(command -v clang++-14 || command -v clang++)
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_CXX_COMPILER="$cxx" -DGOVSIM_FUZZ=ON -DGOVSIM_BUILD_TESTS=OFF \
    -DGOVSIM_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target govsim_fuzz_scenario_loader >/dev/null

mkdir -p build-fuzz/corpus build-fuzz/findings
cp -n tests/fuzz/corpus/* build-fuzz/corpus/ 2>/dev/null || true
log=build-fuzz/fuzz.log
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536
      -dict=tests/fuzz/scenario.dict -artifact_prefix=build-fuzz/findings/ -print_final_stats=1)
status=0
if ((jobs > 1)); then
    # Parallel jobs share the corpus; each writes fuzz-<n>.log in the working directory.
    (cd build-fuzz && ./tests/fuzz/govsim_fuzz_scenario_loader "${args[@]/#-dict=/-dict=../}" \
        -artifact_prefix=findings/ -jobs="$jobs" -workers="$jobs" corpus) >"$log" 2>&1 || status=$?
    cat build-fuzz/fuzz-*.log >>"$log" 2>/dev/null || true
else
    build-fuzz/tests/fuzz/govsim_fuzz_scenario_loader "${args[@]}" build-fuzz/corpus \
        >"$log" 2>&1 || status=$?
fi
runs=$(grep -h "stat::number_of_executed_units" "$log" | awk '{s += $2} END {print s + 0}')
leaks=$(grep -c "LeakSanitizer" "$log" || true)
echo "fuzz: ${runs} inputs in ${seconds} s (${jobs} job(s)), exit status ${status}, leak reports ${leaks}"
echo "fuzz: corpus of $(ls build-fuzz/corpus | wc -l) inputs; findings: $(ls build-fuzz/findings | wc -l) (log: $log)"
exit "$status"
