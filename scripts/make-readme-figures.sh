#!/usr/bin/env bash
# Makes the two figures the README shows (docs/figures/) from the shipped pilot comparison, and
# prints how long `govsim report` takes for it. Builds govsim (Release) if needed, runs
# scenarios/pilot-comparison.toml into results/pilot-comparison.h5, writes its report
# results/pilot-comparison.html (timed), the Chinese report with every figure as PNG and SVG in
# results/figures-zh/ (timed), and the English figures in results/figures/, two of which are
# copied into docs/figures/. Run from anywhere: bash scripts/make-readme-figures.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target govsim >/dev/null
mkdir -p results docs/figures
build/govsim run scenarios/pilot-comparison.toml -o results/pilot-comparison.h5 -q

# Wall time, and CPU time of the report's processes (the wall time grows when other work
# shares the cores; on an idle machine it is about the CPU time divided by min(2, cores)).
TIMEFORMAT="%R s wall, %U s user + %S s system CPU on $(nproc) cores; load average $(cut -d' ' -f1 /proc/loadavg)"
echo "report of the pilot comparison (results/pilot-comparison.html):"
time build/govsim report results/pilot-comparison.h5 -o results/pilot-comparison.html
echo "the same in Chinese, with every figure also as PNG and SVG (results/figures-zh/):"
time build/govsim report results/pilot-comparison.h5 -o results/pilot-comparison.zh.html \
    --lang zh --figures results/figures-zh

build/govsim report results/pilot-comparison.h5 -o results/pilot-comparison.html \
    --figures results/figures
cp results/figures/comparison.png docs/figures/pilot-comparison-differences.png
cp results/figures/yearly.png docs/figures/pilot-comparison-yearly.png
echo "docs/figures/pilot-comparison-differences.png and docs/figures/pilot-comparison-yearly.png written"
