"""Runs govsim on the small scenarios of tests/report/data, for the report tests (a CTest
fixture): small.h5 (one town, three models with the baseline, two years, three replicates),
no-baseline.h5 (two towns, two models without the baseline, one year, two replicates) and
single.h5 (one scenario, one replicate, with dispute records); and three small designs without
/comparison: design-sobol.h5 and design-morris.h5 (/sensitivity) and design-draws.h5 (parameter
draws of two models: /robustness).

usage: make_fixtures.py GOVSIM SOURCE_DIR OUT_DIR
"""
import os
import subprocess
import sys


def main():
    govsim, source, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    runs = [
        ("small.h5", [os.path.join(source, "tests/report/data/small-comparison.toml")]),
        ("no-baseline.h5", [os.path.join(source, "tests/report/data/no-baseline.toml")]),
        ("single.h5", [os.path.join(source, "scenarios/lishui-calibrated.toml"), "--replicates",
                       "1", "--disputes"]),
    ] + [(f"design-{kind}.h5", [os.path.join(source, f"tests/report/data/design-{kind}.toml")])
         for kind in ("sobol", "morris", "draws")]
    for name, args in runs:
        target = os.path.join(out, name)
        cmd = [govsim, "run", args[0], "-o", target, "-q", "--threads", "2"] + args[1:]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            sys.stderr.write(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stderr}")
            return 1
    print(f"fixtures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
