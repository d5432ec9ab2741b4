#!/usr/bin/env bash
# Builds the suite with ThreadSanitizer (the tsan preset: RelWithDebInfo, GOVSIM_TSAN=ON, in
# build-tsan/) and runs tests under it. The tsan build runs its parallel loops on std::thread
# instead of TBB (sim/parallel.hpp, GOVSIM_STD_THREADS): Debian's TBB is not built with TSan,
# which then cannot see its synchronisation and reports every hand-off of a loop body between
# threads as a race. With std::thread it sees thread creation, joining, atomics and mutexes, so a
# report is a race in govsim's own code (HDF5, zlib, ISA-L and Open MPI are not instrumented:
# their own accesses are not checked). Any report fails the test that caused it
# (halt_on_error=1). Run from anywhere:
#   bash scripts/test-tsan.sh            # every test but the slowest and the non-C++ ones
#   bash scripts/test-tsan.sh --brief    # only the tests that run on more than one thread (CI)
# On 2 cores the build takes about 8 minutes, the whole suite under TSan about 4, the brief
# form about 20 s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The tests that run on several threads: the parallel loops and the experiment runner, results
# that must not depend on the thread count (one run's communities on two threads; an
# experiment's runs on two threads, models sharing a synthesised town or a history), /disputes
# compressed on the worker threads, a checkpoint write failing beside running runs, and govsim
# itself run with --threads 2 and under mpirun.
threaded='parallel loop|std::thread loops|serial scope|sibling unit|failure changes no other|failing sink|every index is delivered|identical for 1 and 2 threads|same for 1 and 2 threads|do not depend on the thread count|does not depend on the thread count|results do not depend on threads|share a synthesised town|shared history|compressed on the worker threads|checkpoint write beside running runs|mpirun over 1, 2 and 3 ranks'
# Slow under TSan, or testing no C++ beyond the others (see scripts/test-sanitizers.sh).
slow='calibration recovers known parameters of govsim'

# TSan's runtime (GCC 12's) needs the address-space layout it knows: on a kernel whose mmap
# randomisation is wider (vm.mmap_rnd_bits above 28) a TSan program stops at start with
# "unexpected memory mapping". A small probe finds out; if so, the tests run with address-space
# randomisation turned off for them (setarch -R), which is the usual workaround.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int main() { return 0; }\n' >"$probe/p.cpp"
if ! c++ -fsanitize=thread "$probe/p.cpp" -o "$probe/p"; then
    echo "test-tsan.sh: cannot build a program with -fsanitize=thread (is libtsan installed?)" >&2
    exit 2
fi
run=()
if ! "$probe/p" >/dev/null 2>&1; then
    echo "test-tsan.sh: TSan cannot start with this kernel's address-space layout; running the tests under setarch -R" >&2
    run=(setarch "$(uname -m)" -R)
fi

cmake --preset tsan >/dev/null
case "${1:-}" in
"")
    cmake --build --preset tsan -j"$(nproc)"
    "${run[@]}" ctest --preset tsan -E "$slow" -LE "report|scripts"
    ;;
--brief)
    cmake --build --preset tsan -j"$(nproc)" --target govsim_tests
    "${run[@]}" ctest --preset tsan -R "$threaded" -LE "report|scripts"
    ;;
*)
    echo "test-tsan.sh: unknown option '$1' (--brief or nothing)" >&2
    exit 2
    ;;
esac
