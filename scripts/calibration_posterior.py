#!/usr/bin/python3
"""The posterior of a calibration (the HDF5 file `govsim calibrate -o` writes), as Markdown:
the generations, each free parameter's weighted mean, sd and 90% interval against its prior's
sd, the weighted correlations between parameters, and each pattern's posterior-weighted mean
with the share of posterior particles inside its band; and, when the calibration refined its
point estimate, the refinement's table (every point rerun, the shipped one marked).

    /usr/bin/python3 scripts/calibration_posterior.py results/calibration-lishui.h5
"""
import sys

import h5py
import numpy as np
import pandas as pd


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def weighted_quantile(values, weights, p):
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cumulative = np.cumsum(w) - 0.5 * w
    return float(np.interp(p, cumulative / w.sum(), v))


def main(path):
    with h5py.File(path, "r") as f:
        posterior = pd.DataFrame(f["posterior"][:])
        refinement = pd.DataFrame(f["refinement"][:]) if "refinement" in f else None
        generations = pd.DataFrame(f["generations"][:])
        attrs = {k: f.attrs[k] for k in f.attrs}
        calibration_text = text(attrs["calibration_text"])
    import tomllib
    spec = tomllib.loads(calibration_text)["calibration"]
    parameters = [p.get("name", p.get("key")) for p in spec["parameters"]]
    priors = {p.get("name", p.get("key")): (p["lower"], p["upper"]) for p in spec["parameters"]}
    w = posterior["weight"].to_numpy()
    w = w / w.sum()

    print(f"Posterior of {text(attrs['calibration_path'])}: {int(attrs['simulations'])} "
          f"simulations, {int(attrs['runs'])} runs, {float(attrs['wall_seconds']):.0f} s wall; "
          f"{text(attrs['stop_reason'])}\n")
    print("| generation | tolerance | simulated | accepted | ESS |\n|---|---|---|---|---|")
    for _, g in generations.iterrows():
        print(f"| {int(g.generation)} | {g.tolerance:.3f} | {int(g.simulated)} | "
              f"{int(g.accepted)} | {g.effective_sample_size:.1f} |")

    print("\n| parameter | prior | posterior mean | sd | 90% interval | sd / prior sd |")
    print("|---|---|---|---|---|---|")
    for name in parameters:
        x = posterior[name].to_numpy()
        mean = float(np.sum(w * x))
        sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
        lo, hi = priors[name]
        prior_sd = (hi - lo) / np.sqrt(12)
        print(f"| `{name}` | U[{lo:g}, {hi:g}] | {mean:.4g} | {sd:.3g} | "
              f"[{weighted_quantile(x, w, 0.05):.4g}, {weighted_quantile(x, w, 0.95):.4g}] | "
              f"{sd / prior_sd:.2f} |")

    print("\nWeighted correlations between parameters:\n")
    print("| | " + " | ".join(f"({i + 1})" for i in range(len(parameters))) + " |")
    print("|---|" + "---|" * len(parameters))
    x = posterior[parameters].to_numpy()
    mean = (w[:, None] * x).sum(axis=0)
    cov = ((x - mean).T * w) @ (x - mean)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    for i, name in enumerate(parameters):
        print(f"| ({i + 1}) `{name}` | " +
              " | ".join(f"{corr[i, j]:+.2f}" for j in range(len(parameters))) + " |")

    print("\n| pattern | target or band | posterior-weighted mean | particles inside |")
    print("|---|---|---|---|")
    patterns = []
    for t in spec["targets"]:
        patterns.append((f"complaints_{t['year']}", t["complaints"] * (1 - t["tolerance"]),
                         t["complaints"] * (1 + t["tolerance"]), f"{t['complaints']:g} ± "
                         f"{100 * t['tolerance']:g}%"))
    for b in spec.get("bands", []):
        patterns.append((b.get("name", b["statistic"]), b["lower"], b["upper"],
                         f"[{b['lower']:g}, {b['upper']:g}]"))
    for name, lo, hi, label in patterns:
        s = posterior[name].to_numpy()
        inside = float(np.sum(w * ((s >= lo) & (s <= hi))))
        print(f"| {name} | {label} | {float(np.sum(w * s)):.4g} | {100 * inside:.0f}% |")

    if refinement is None:
        print("\nNo refinement: the shipped point is the posterior mean.")
        return
    print(f"\nRefinement: {text(attrs['refinement'])}; {int(attrs['refine_runs'])} runs in "
          f"{float(attrs['refine_wall_seconds']):.0f} s. Shipped point: "
          f"{text(attrs['point_estimate'])}.\n")
    names = [p[0] for p in patterns]
    order = sorted(range(len(refinement)), key=lambda j: (
        0 if refinement.margin[j] >= 2 else (1 if refinement.margin[j] >= 0 else 2),
        refinement.distance[j]))
    print("Points inside every accepted region, in the order of the choice (shipped point in "
          "bold; parameters numbered as in the correlations above; margin in standard errors "
          "of the mean):\n")
    print("| point | round | from posterior row | " +
          " | ".join(f"({i + 1})" for i in range(len(parameters))) +
          " | " + " | ".join(names) + " | distance | margin |")
    print("|---|---|---|" + "---|" * (len(parameters) + len(names)) + "---|---|")
    shown = 0
    for j in order:
        r = refinement.iloc[j]
        if r.margin < 0:
            continue
        bold = "**" if r.chosen else ""
        print(f"| {bold}{j}{bold} | {int(r['round'])} | {int(r.particle)} | " +
              " | ".join(f"{r[n]:.4g}" for n in parameters) + " | " +
              " | ".join(f"{r[n]:.4g}" for n in names) +
              f" | {r.distance:.3f} | {r.margin:.2f} |")
        shown += 1
    first = refinement[refinement["round"] == 0]
    print(f"\n{shown} of {len(refinement)} points inside every accepted region "
          f"({int((first.margin >= 0).sum())} of the {len(first)} posterior particles, "
          f"{int((refinement.margin >= 2).sum())} by 2 standard errors or more).")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
