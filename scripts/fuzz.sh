#!/usr/bin/env bash
# Fuzzes with libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer for a bounded time
# each, and prints how many inputs each ran:
# - scenario_loader: any text as a scenario or experiment file must load or fail with one
#   located ConfigError;
# - checkpoint: a saved run damaged in any way must decode to a run of its shape or be
#   reported as damaged in one line, whole and a piece at a time alike.
# Any crash, leak, hang (10 s per input), other exception or finding stops a target with a
# reproducer in build-fuzz/findings/. Builds build-fuzz/ with clang first.
#
#   bash scripts/fuzz.sh [SECONDS] [JOBS] [TARGET]   # default 600 s each, 1 job, both targets
#
# JOBS > 1 runs each target in parallel jobs; TARGET is scenario_loader, checkpoint or all. The
# scenario loader's seed corpus is tests/fuzz/corpus (the shipped scenarios and a few crafted
# inputs); the checkpoint fuzzer's inputs are edits of a valid checkpoint it builds, so it
# starts from nothing. The inputs the fuzzers find interesting are kept in build-fuzz/corpus*,
# not in the repository.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-600}
jobs=${2:-1}
which=${3:-all}
case "$which" in
all) targets=(scenario_loader checkpoint) ;;
scenario_loader | checkpoint) targets=("$which") ;;
*)
    echo "fuzz.sh: unknown target '$which' (scenario_loader, checkpoint or all)" >&2
    exit 2
    ;;
esac

cc=$(command -v clang-14 || command -v clang)
cxx=$(command -v clang++-14 || command -v clang++)
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_CXX_COMPILER="$cxx" -DGOVSIM_FUZZ=ON -DGOVSIM_BUILD_TESTS=OFF \
    -DGOVSIM_BUILD_BENCH=OFF >/dev/null
for t in "${targets[@]}"; do
    cmake --build build-fuzz -j"$(nproc)" --target "govsim_fuzz_$t" >/dev/null
done

mkdir -p build-fuzz/findings
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in "${targets[@]}"; do
    corpus=build-fuzz/corpus
    extra=(-dict=tests/fuzz/scenario.dict -max_len=65536)
    if [[ $t == checkpoint ]]; then
        corpus=build-fuzz/corpus-checkpoint
        extra=(-max_len=4096)
    fi
    mkdir -p "$corpus"
    [[ $t == scenario_loader ]] && { cp -n tests/fuzz/corpus/* "$corpus"/ 2>/dev/null || true; }
    log=build-fuzz/fuzz-$t.log
    args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 "${extra[@]}"
          -artifact_prefix=build-fuzz/findings/ -print_final_stats=1)
    own=0
    if ((jobs > 1)); then
        # Parallel jobs share the corpus; each writes fuzz-<n>.log in build-fuzz/.
        rm -f build-fuzz/fuzz-[0-9]*.log
        (cd build-fuzz && "./tests/fuzz/govsim_fuzz_$t" "${args[@]/#-dict=/-dict=../}" \
            -artifact_prefix=findings/ -jobs="$jobs" -workers="$jobs" "${corpus#build-fuzz/}") \
            >"$log" 2>&1 || own=$?
        cat build-fuzz/fuzz-[0-9]*.log >>"$log" 2>/dev/null || true
    else
        "build-fuzz/tests/fuzz/govsim_fuzz_$t" "${args[@]}" "$corpus" >"$log" 2>&1 || own=$?
    fi
    ((own == 0)) || status=$own
    runs=$(grep -h "stat::number_of_executed_units" "$log" | awk '{s += $2} END {print s + 0}')
    leaks=$(grep -c "LeakSanitizer" "$log" || true)
    echo "fuzz $t: ${runs} inputs in ${seconds} s (${jobs} job(s)), exit status ${own}, leak reports ${leaks}"
    echo "fuzz $t: corpus of $(ls "$corpus" | wc -l) inputs; findings: $(ls build-fuzz/findings | wc -l) (log: $log)"
done
exit "$status"
