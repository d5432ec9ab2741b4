#!/usr/bin/env bash
# The performance floors of issue #9 (Experiments), measured with the govsim binary:
#
#   sobol   a Sobol study of 20 parameters, 256 base samples (Saltelli: 256 x 22 = 5,632 design
#           points) and 4 replicates of the calibrated Lishui scenario: 22,528 runs
#           (floor: 15 minutes on 2 cores)
#   robust  the robust pilot comparison: 3 towns x 5 models x 64 parameter draws from the
#           shipped priors x 10 replicates = 9,600 runs over the shipped horizon
#           (floor: 10 minutes on 2 cores)
#
# Each prints its wall time, CPU time (user + system), peak memory (max RSS) and the load
# average before and after; on a shared machine only the CPU time means much.
#
#   bash bench/experiments.sh [sobol|robust|all] [--govsim BINARY] [--threads N]
#                             [--base N] [--replicates N] [--draws N] [--keep DIR]
# (--base, --replicates and --draws shrink the studies for a quick look; the floors are for
# the defaults.)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
what="all"
govsim="$root/build/govsim"
threads=2
base=256
replicates=4
draws=64
robust_replicates=10
keep=""
while [[ $# -gt 0 ]]; do
    case "$1" in
    sobol | robust | all) what="$1" ;;
    --govsim) govsim="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    --base) base="$2"; shift ;;
    --replicates) replicates="$2"; robust_replicates="$2"; shift ;;
    --draws) draws="$2"; shift ;;
    --keep) keep="$2"; shift ;;
    *) echo "usage: bash bench/experiments.sh [sobol|robust|all] [--govsim BINARY] [--threads N] [--base N] [--replicates N] [--draws N] [--keep DIR]" >&2; exit 2 ;;
    esac
    shift
done
work="$(mktemp -d /tmp/govsim-experiments-XXXXXX)"
# --keep DIR keeps the results files (sobol.h5, robust.h5) in DIR.
trap 'if [[ -n "$keep" ]]; then mkdir -p "$keep" && cp "$work"/*.h5 "$keep"/ 2>/dev/null; fi; rm -rf "$work"' EXIT

measure() { # label, then the command
    local label="$1"; shift
    echo "[load average before: $(cut -d' ' -f1-3 /proc/loadavg)]"
    /usr/bin/time -f "$label: %e s wall, %U s user + %S s system CPU, peak %M KB" "$@"
    echo "[load average after: $(cut -d' ' -f1-3 /proc/loadavg)]"
}

if [[ "$what" == sobol || "$what" == all ]]; then
    # 20 behavioural assumptions of scenarios/parameters/nanhai.toml and the calibrated Lishui
    # values, each over a range around its value (the ranges are for timing, not a study).
    cat >"$work/sobol.toml" <<TOML
include = ["$root/scenarios/lishui-calibrated.toml"]
[run]
name = "bench-sobol"
replicates = $replicates
[design]
kind = "sobol"
samples = $base
seed = 9
TOML
    while read -r key lower upper; do
        printf '[[design.parameters]]\nkey = "%s"\nlower = %s\nupper = %s\n' "$key" "$lower" "$upper" >>"$work/sobol.toml"
    done <<KEYS
households.satisfaction_drift_per_month 0.05 0.2
households.onset_dissatisfaction_weight 0.5 2.0
households.fee_threshold_mean 0.25 0.45
owners.absentee_fee_threshold_shift 0.0 0.2
disputes.parking.rate_per_1000_households_per_year 3.5 14
disputes.property_service.rate_per_1000_households_per_year 3 12
disputes.owners_rights.rate_per_1000_households_per_year 1.25 5
disputes.neighbour.rate_per_1000_households_per_year 2 8
disputes.sanitation.rate_per_1000_households_per_year 1.5 6
disputes.parking.success.firm 0.2 0.5
disputes.neighbour.success.residents_committee 0.4 0.9
handlers.coordination_intake_delay_days 7 28
handlers.patience_days.firm 7 28
handlers.patience_days.department 20 90
residents_committees.dispute_share 0.1 0.4
owners_committees.dormancy_per_month 0.01 0.04
escalation.escalate_base 0.05 0.35
escalation.routing_error_probability 0.1 0.3
feedback.satisfaction_abandoned 0.05 0.3
detection.report_delay_days 1 4
KEYS
    echo "== sobol: 20 parameters x base $base x $replicates replicates of Lishui (calibrated), $threads threads"
    measure "sobol" "$govsim" run "$work/sobol.toml" -o "$work/sobol.h5" --threads "$threads" -q
    /usr/bin/python3 - "$work/sobol.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    print(f"sobol: {f['runs'].shape[0]} runs, {f['sensitivity'].shape[0] if 'sensitivity' in f else 0} sensitivity rows")
PY
fi

if [[ "$what" == robust || "$what" == all ]]; then
    # The shipped file, its relative paths made absolute, with the draws and replicates asked for.
    sed -e "s|\"parameters/|\"$root/scenarios/parameters/|g; s|\"towns/|\"$root/scenarios/towns/|g" \
        -e "s|\"models/|\"$root/scenarios/models/|g; s|\"calibration/|\"$root/scenarios/calibration/|g" \
        -e "s|^samples = .*|samples = $draws|; s|^replicates = .*|replicates = $robust_replicates|" \
        "$root/scenarios/pilot-robustness.toml" >"$work/robust.toml"
    echo "== robust: 3 towns x 5 models x $draws draws x $robust_replicates replicates, $threads threads"
    measure "robust" "$govsim" run "$work/robust.toml" -o "$work/robust.h5" --threads "$threads" -q
    /usr/bin/python3 - "$work/robust.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    print(f"robust: {f['runs'].shape[0]} runs, {f['robustness'].shape[0] if 'robustness' in f else 0} robustness rows")
PY
fi
